"""Who sees which follow-up, and that a follow-up about a record its reader may not see never
names that record, on every surface: the list, the page, the in-place actions' answers, the
API, the calendar, the contact timeline, and the rule preview.

Visibility is the involvement clause (tasks_access.follow_up_involvement): a follow-up is seen
and changed by its assignee, who set it, and their managers up the reports-to chain (plus
record-rule holders). The oracle below is that sentence, checked against every pair of
(setter, assignee) in a small tree for every member of staff."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.activities.choices import Cadence
from tawasul.activities.followups_rules import follow_up_rule_save
from tawasul.activities.followups_selectors import calendar_entries, contact_timeline
from tawasul.activities.followups_services import follow_up_create
from tawasul.activities.models import FollowUp
from tawasul.core import clock

pytestmark = pytest.mark.django_db

HIDDEN_NAME = "Acme Stores"


def _people(org):
    return [org.boss, org.lead, org.rep1, org.rep2, org.peer]


def _oracle(reader, follow_up) -> bool:
    """Assignee, setter, or a manager of either (their path starts with the reader's)."""
    return any(
        person is not None and person.path.startswith(reader.path)
        for person in (follow_up.assignee, follow_up.set_by)
    )


@pytest.fixture
def every_pair(org, due):
    made = []
    for setter, assignee in itertools.product(_people(org), repeat=2):
        made.append(
            follow_up_create(
                actor=setter.user,
                assignee=assignee,
                due_at=due,
                purpose=f"From {setter.code} to {assignee.code}",
                channel="call",
            )
        )
    return made


def _listed(client, url, **params) -> set[str]:
    seen = set()
    cursor = None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        page = client.get(url, query)
        assert page.status_code == 200
        text = page.content.decode()
        seen |= {f.purpose for f in FollowUp.objects.all() if f.purpose in text}
        cursor = page.context["page"].next_cursor if page.context else None
        if not cursor:
            return seen


def test_list_and_pages_match_the_oracle(client, org, every_pair):
    for reader in _people(org):
        client.force_login(reader.user)
        expected = {f.purpose for f in every_pair if _oracle(reader, f)}
        assert _listed(client, reverse("activities:follow_up_list")) == expected, reader.code
        for follow_up in every_pair:
            page = client.get(reverse("activities:follow_up_detail", args=[follow_up.pk]))
            assert page.status_code == (200 if _oracle(reader, follow_up) else 404)


def test_api_matches_the_oracle(org, every_pair):
    api = APIClient()
    for reader in _people(org):
        api.force_authenticate(reader.user)
        seen, url = set(), "/api/follow-ups/?page_size=7"
        while url:
            answer = api.get(url)
            assert answer.status_code == 200
            seen |= {row["purpose"] for row in answer.json()["results"]}
            url = answer.json()["next"]
        assert seen == {f.purpose for f in every_pair if _oracle(reader, f)}, reader.code
        for follow_up in every_pair[:6]:
            answer = api.get(f"/api/follow-ups/{follow_up.pk}/")
            assert answer.status_code == (200 if _oracle(reader, follow_up) else 404)


def test_actions_match_the_oracle(client, org, every_pair):
    for reader in (org.rep1, org.peer):
        client.force_login(reader.user)
        for follow_up in every_pair:
            url = reverse("activities:follow_up_postpone", args=[follow_up.pk])
            answer = client.get(url)
            assert answer.status_code == (200 if _oracle(reader, follow_up) else 404)


@pytest.fixture
def hidden(org, due):
    """A follow-up about Acme, set by the lead for rep2, who may see no contact."""
    return follow_up_create(
        actor=org.lead.user,
        assignee=org.rep2,
        due_at=due,
        purpose="Check the shelf space",
        channel="visit",
        record=org.acme,
    )


def test_hidden_subject_never_named_on_pages(client, org, hidden):
    client.force_login(org.rep2.user)
    urls = [
        reverse("activities:follow_up_list"),
        reverse("activities:follow_up_detail", args=[hidden.pk]),
        reverse("activities:follow_up_complete", args=[hidden.pk]),
        reverse("activities:follow_up_forward", args=[hidden.pk]),
        reverse("activities:follow_up_postpone", args=[hidden.pk]),
        reverse("activities:follow_up_cancel", args=[hidden.pk]),
    ]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert HIDDEN_NAME not in page.content.decode(), url
    answer = client.post(
        reverse("activities:follow_up_postpone", args=[hidden.pk]),
        {
            "due_at": (clock.now() + dt.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"),
            "remark": "Later",
        },
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert HIDDEN_NAME not in answer.content.decode()
    assert "not visible to you" in answer.content.decode()
    # the lead sees the contact, so the same page names it
    client.force_login(org.lead.user)
    page = client.get(reverse("activities:follow_up_detail", args=[hidden.pk]))
    assert HIDDEN_NAME in page.content.decode()


def test_hidden_subject_never_named_in_the_api(org, hidden):
    api = APIClient()
    api.force_authenticate(org.rep2.user)
    rows = api.get("/api/follow-ups/").json()["results"]
    assert [r["id"] for r in rows] == [hidden.pk]
    assert rows[0]["subject"] == {"label": "(not visible to you)", "url": "", "hidden": True}
    assert rows[0]["contact"] is None
    one = api.get(f"/api/follow-ups/{hidden.pk}/")
    assert HIDDEN_NAME not in one.content.decode()
    done = api.post(f"/api/follow-ups/{hidden.pk}/complete/", {"outcome": "ok"}, format="json")
    assert done.status_code == 200
    assert HIDDEN_NAME not in done.content.decode()


def test_create_about_a_hidden_record_is_refused_everywhere(client, org, due):
    api = APIClient()
    api.force_authenticate(org.rep2.user)
    answer = api.post(
        "/api/follow-ups/",
        {
            "assignee": org.rep2.pk,
            "due_at": due.isoformat(),
            "purpose": "x",
            "channel": "call",
            "contact": org.acme.pk,
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "contact" in answer.json()
    client.force_login(org.rep2.user)
    page = client.post(
        reverse("activities:follow_up_create"),
        {
            "assignee": org.rep2.pk,
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "purpose": "x",
            "channel": "call",
            "contact": org.acme.pk,
        },
    )
    assert page.status_code == 200
    assert not FollowUp.objects.exists()


def test_calendar_and_timeline_follow_restrict(org, hidden, due):
    start, end = due - dt.timedelta(days=1), due + dt.timedelta(days=1)
    assert [e.pk for e in calendar_entries(org.rep2.user, start, end)] == [hidden.pk]
    assert calendar_entries(org.peer.user, start, end) == []
    entries = calendar_entries(org.rep2.user, start, end)
    assert entries[0].editable and HIDDEN_NAME not in entries[0].title
    assert [e.key for e in contact_timeline(org.lead.user, org.acme, before=None, limit=10)] == [
        hidden.pk
    ]
    assert contact_timeline(org.peer.user, org.acme, before=None, limit=10) == []


def test_rule_preview_never_names_a_contact_the_reader_may_not_see(client, org, company):
    from tawasul.activities.tests.followups.conftest import RULE_PERMS, make_staff

    admin = make_staff(company, "ruleadmin", "Rula Admin", perms=RULE_PERMS, contacts=False)
    client.force_login(admin.user)
    page = client.post(
        reverse("activities:follow_up_rule_preview"),
        {
            "name": "All customers",
            "cadence": Cadence.SINCE_FOLLOW_UP,
            "interval_days": "30",
            "assign_to": "representative",
            "channel": "call",
            "criteria_contact_type": [org.customer.pk],
        },
    )
    text = page.content.decode()
    assert "1 contact matches" in text
    assert HIDDEN_NAME not in text and "not visible to you" in text
    rule = follow_up_rule_save(
        actor=admin.user,
        name="Saved",
        cadence=Cadence.SINCE_FOLLOW_UP,
        interval_days=30,
        criteria={"contact_type": [org.customer.pk]},
    )
    api = APIClient()
    api.force_authenticate(admin.user)
    answer = api.get(f"/api/follow-up-rules/{rule.pk}/preview/")
    assert answer.status_code == 200
    assert answer.json()["matching"] == 1
    assert answer.json()["next"][0]["contact"] is None
