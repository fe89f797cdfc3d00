"""The supervisors' team view: subordinates at any depth with their contact counts."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.access.services import rule_save
from tawasul.conftest import ORG_VIEW_PERMS
from tawasul.contacts.tests.factories import make_contact
from tawasul.org.tests.factories import (
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

COUNT = re.compile(r'id="member-(\d+)".*?class="contact-count"[^>]*>([\d,]+)</a>', re.S)
TEAM_RULE = [{"field": "representative", "operator": "is_me_or_team", "values": []}]


@pytest.fixture
def team(company, customer_type):
    """Sara supervises Omar and Lina; Omar supervises Hadi. Mona works elsewhere in the company."""
    sales = DepartmentFactory(company=company, name="Field sales")
    sara_user = UserFactory(username="sara", perms=["contacts.view_contact", *ORG_VIEW_PERMS])
    sara = EmployeeFactory(company=company, user=sara_user, name="Sara", code="SUP1")
    omar = EmployeeFactory(
        company=company, name="Omar", code="R1", reports_to=sara, department=sales
    )
    lina = EmployeeFactory(company=company, name="Lina", code="R2", reports_to=sara)
    hadi = EmployeeFactory(company=company, name="Hadi", code="R3", reports_to=omar)
    mona = EmployeeFactory(company=company, name="Mona", code="R4")
    rule_save(
        actor=None,
        company=company,
        name="My team's contacts",
        model="contacts.contact",
        actions=["view"],
        user=sara_user,
        conditions=TEAM_RULE,
    )

    def contacts(rep, n):
        for i in range(n):
            make_contact(
                company=company,
                contact_type=customer_type,
                name=f"{rep.name} {i}",
                representative=rep,
            )

    contacts(omar, 2)
    contacts(lina, 1)
    contacts(hadi, 3)
    contacts(mona, 4)
    contacts(sara, 1)
    return {
        "sara_user": sara_user,
        "sara": sara,
        "omar": omar,
        "lina": lina,
        "hadi": hadi,
        "mona": mona,
        "sales": sales,
    }


def _counts(html) -> dict[int, int]:
    return {int(pk): int(n.replace(",", "")) for pk, n in COUNT.findall(html)}


def test_team_view_lists_subordinates_at_any_depth_with_their_counts(client, team):
    client.force_login(team["sara_user"])
    response = client.get(reverse("contacts:team"))
    assert response.status_code == 200
    html = response.content.decode()
    assert _counts(html) == {team["omar"].pk: 2, team["lina"].pk: 1, team["hadi"].pk: 3}
    assert "Mona" not in html
    assert "Field sales" in html
    # Reports-to order: Hadi right under Omar.
    assert html.index(">Omar") < html.index(">Hadi") < html.index(">Lina") or (
        html.index(">Lina") < html.index(">Omar") < html.index(">Hadi")
    )
    assert f'href="/contacts/?representative={team["hadi"].pk}"' in html
    team_link = re.search(r'id="team-contacts"', html)
    assert team_link
    for key in ("omar", "lina", "hadi"):
        assert (
            f"representative={team[key].pk}"
            in html.split('id="team-contacts"')[0].rsplit("<a", 1)[1]
        )
    assert "6 contacts they represent" in html


def test_counts_only_contacts_the_supervisor_may_see(client, team, company):
    from tawasul.access.models import RecordRule

    RecordRule.objects.all().delete()
    rule_save(
        actor=None,
        company=company,
        name="Omar only",
        model="contacts.contact",
        actions=["view"],
        user=team["sara_user"],
        conditions=[{"field": "representative", "operator": "in", "values": [team["omar"].pk]}],
    )
    client.force_login(team["sara_user"])
    html = client.get(reverse("contacts:team")).content.decode()
    assert _counts(html) == {team["omar"].pk: 2, team["lina"].pk: 0, team["hadi"].pk: 0}


def test_query_count_does_not_grow_with_the_team(client, team, company, customer_type):
    client.force_login(team["sara_user"])
    client.get(reverse("contacts:team"))  # warm up (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("contacts:team"))
    for i in range(6):
        rep = EmployeeFactory(
            company=company,
            name=f"New rep {i}",
            code=f"N{i}",
            reports_to=team["lina"],
            department=DepartmentFactory(company=company),
        )
        make_contact(
            company=company, contact_type=customer_type, name=f"New {i}", representative=rep
        )
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("contacts:team"))
    assert len(_counts(response.content.decode())) == 9
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_employee_without_subordinates_sees_an_empty_state(client, team):
    client.force_login(team["mona"].user)
    team["mona"].user.user_permissions.add(
        Permission.objects.get(content_type__app_label="contacts", codename="view_contact")
    )
    html = client.get(reverse("contacts:team")).content.decode()
    assert 'id="team-empty"' in html and "Nobody reports to you" in html


def test_team_view_needs_the_contacts_permission(client, company):
    user = UserFactory(username="nobody")
    EmployeeFactory(company=company, user=user, code="NB1")
    client.force_login(user)
    assert client.get(reverse("contacts:team")).status_code == 403


def test_other_company_is_never_in_the_team(client, team):
    other = CompanyFactory(code="OTHER")
    EmployeeFactory(company=other, name="Stranger", code="X1")
    client.force_login(team["sara_user"])
    assert "Stranger" not in client.get(reverse("contacts:team")).content.decode()
