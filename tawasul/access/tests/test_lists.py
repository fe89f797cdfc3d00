"""The access administration's lists on core's generic list page: record rules, roles and
portal accounts searched, filtered, sorted and paged, each within the administrator's company;
and the rule editor's value search, which never offers a value the administrator may not see."""

import re
from urllib.parse import parse_qsl

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.access.models import PortalAccount, RecordRule
from tawasul.access.roles import (
    ADMINISTRATOR,
    PORTAL_CUSTOMER,
    PORTAL_DEALER,
    SALES_MANAGER,
    ensure_default_roles,
)
from tawasul.access.services import rule_save
from tawasul.conftest import CONTACT_PERMS, MASTER_PERMS, ORG_VIEW_PERMS, grant_all_contacts
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactTypeFactory,
    IndustryFactory,
    make_contact,
)
from tawasul.core.tests.test_bad_input import CRAFTED
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = "contacts.contact"
HTMX = {"HX-Request": "true"}
NEXT = re.compile(r'id="next-page" href="\?([^"]+)"')


def _table(client, url, table_id, **params):
    """The list's table fragment (the htmx swap), as text."""
    response = client.get(url, params, headers={**HTMX, "HX-Target": table_id})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith(f'<div id="{table_id}">') or f'<div id="{table_id}">' in body[:200]
    assert "<html" not in body
    return body


def _count(client, url, **params):
    response = client.get(url, params, headers={**HTMX, "HX-Target": "row-count"})
    assert response.status_code == 200
    return re.search(r'id="row-count"[^>]*>([^<]+)<', response.content.decode()).group(1)


def _names(body, pattern=r'<td class="card-title-cell"[^>]*>.*?<bdi>([^<]+)</bdi>'):
    """The rows' names in page order."""
    return re.findall(pattern, body)


def _qs(query):
    return dict(parse_qsl(query or ""))


def _next_query(body):
    found = NEXT.search(body)
    return found and found.group(1).replace("&amp;", "&")


def _rule(company, name, *, user=None, role=None, model=CONTACT, **extra):
    return rule_save(
        actor=None,
        company=company,
        name=name,
        model=model,
        actions=extra.pop("actions", ["view"]),
        user=user,
        role=role,
        all_records=extra.pop("all_records", not extra.get("conditions")),
        **extra,
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def other_company():
    """A second company, with its own administrator, staff, rules, contacts and portal accounts."""
    ensure_default_roles()
    other = CompanyFactory(code="OTHER", name="Other Trading")
    stranger = UserFactory(username="stranger")
    EmployeeFactory(company=other, user=stranger, name="Stranger Staff", code="X1")
    stranger.groups.add(Group.objects.get(name=SALES_MANAGER))
    _rule(other, "Foreign rule", user=stranger, description="steel everywhere")
    _rule(other, "Foreign role rule", role=Group.objects.get(name=SALES_MANAGER))
    kind = ContactTypeFactory(company=other, code="customer", name="Customer")
    shop = make_contact(company=other, contact_type=kind, name="Foreign Steel Shop")
    user = UserFactory(username="foreign-portal")
    user.groups.add(Group.objects.get(name=PORTAL_CUSTOMER))
    PortalAccount.objects.create(user=user, contact=shop)
    return other


@pytest.fixture
def company_admin(client, company):
    """An administrator by role (not a superuser) of `company`, who sees all its contacts."""
    ensure_default_roles()
    user = UserFactory(username="admin2")
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    EmployeeFactory(company=company, user=user, name="Second Admin", code="A002")
    grant_all_contacts(user, company)
    client.force_login(user)
    return client


# --- record rules ------------------------------------------------------------------------------


@pytest.fixture
def rules(company):
    """Thirty rules: 28 numbered ones for a user, a role's, and an inactive one."""
    ensure_default_roles()
    ahmed = UserFactory(username="ahmed")
    EmployeeFactory(company=company, user=ahmed, name="Ahmed Ali", name_ar="أحمد علي", code="R1")
    for n in range(28):
        _rule(company, f"Rule {n:02d}", user=ahmed, description=f"numbered {n:02d}")
    _rule(company, "Managers see all", role=Group.objects.get(name=SALES_MANAGER))
    _rule(company, "Dormant", user=ahmed, is_active=False, description="switched off")
    return ahmed


def test_rule_list_pages_by_name_and_counts_the_company_rules(company_admin, rules, other_company):
    url = reverse("access:rule_list")
    page = company_admin.get(url).content.decode()
    assert 'id="rule-table"' in page and 'id="new-rule"' in page
    assert 'id="filter-form"' in page and 'name="q"' in page
    assert "Foreign" not in page
    # The administrator's own rule (company_admin), then by name.
    mine = ["All contacts for admin2", "Dormant", "Managers see all"]
    assert _names(page) == mine + [f"Rule {n:02d}" for n in range(22)]
    second = _table(company_admin, url, "rule-table", **_qs(_next_query(page)))
    assert _names(second) == [f"Rule {n:02d}" for n in range(22, 28)]
    assert _next_query(second) is None and 'rel="prev"' in second
    assert _count(company_admin, url) == "31 rules"


def test_rule_list_sorts_by_name_and_by_kind(company_admin, rules):
    url = reverse("access:rule_list")
    backwards = _names(_table(company_admin, url, "rule-table", sort="-name"))
    assert backwards[:2] == ["Rule 27", "Rule 26"]
    by_kind = _table(company_admin, url, "rule-table", sort="model")
    assert "sorted ascending" in by_kind
    assert len(_names(by_kind)) == 25


def test_rule_list_search_and_filters(company_admin, rules, other_company):
    url = reverse("access:rule_list")
    # By name, by description, by the grantee's name in either language.
    assert _names(_table(company_admin, url, "rule-table", q="rule 07")) == ["Rule 07"]
    assert _names(_table(company_admin, url, "rule-table", q="switched")) == ["Dormant"]
    by_user = _names(_table(company_admin, url, "rule-table", q="احمد"))  # folded: أحمد
    assert len(by_user) == 25 and "Managers see all" not in by_user
    assert _count(company_admin, url, q="ahmed ali") == "29 rules"
    assert _count(company_admin, url, q="rule") == "28 rules"
    # Nothing of the other company, whatever is searched.
    assert _count(company_admin, url, q="steel") == "0 rules"
    assert "No rules match these filters." in _table(company_admin, url, "rule-table", q="foreign")
    # A search of only symbols matches nothing.
    assert _count(company_admin, url, q="%%") == "0 rules"
    # Status, role and kind of record.
    assert _names(_table(company_admin, url, "rule-table", status="inactive")) == ["Dormant"]
    manager = Group.objects.get(name=SALES_MANAGER)
    by_role = _table(company_admin, url, "rule-table", role=str(manager.pk))
    assert _names(by_role) == ["Managers see all"]
    assert "filter-chip" in by_role and "Sales manager" in by_role
    assert _count(company_admin, url, model=CONTACT) == "31 rules"


def test_rule_list_shows_each_rule_as_before(admin_client, company, rules):
    page = admin_client.get(reverse("access:rule_list"), {"q": "managers"}).content.decode()
    row = page.split('id="rule-table"')[1]
    assert "Managers see all" in row and "Contacts" in row
    assert "bi-people" in row and "Role: </span>" in row and "Sales manager" in row
    assert "All records of the company" in row and "text-bg-success" in row
    rule = RecordRule.objects.get(name="Managers see all")
    assert reverse("access:rule_update", args=[rule.pk]) in row
    assert reverse("access:rule_delete", args=[rule.pk]) in row
    assert 'aria-label="Edit Managers see all"' in row
    dormant = admin_client.get(reverse("access:rule_list"), {"q": "dormant"}).content.decode()
    assert "Inactive" in dormant and "Ahmed Ali (ahmed)" in dormant


def test_rule_list_in_arabic_searches_what_it_shows(admin_client, company, rules):
    response = admin_client.post(reverse("preferences"), {"language": "ar", "next": "/"})
    assert response.status_code == 302
    body = _table(admin_client, reverse("access:rule_list"), "rule-table", q="مدير المبيعات")
    assert _names(body) == ["Managers see all"] and "مدير المبيعات" in body


def test_a_reader_of_rules_gets_no_edit_buttons(client, company, rules):
    user = UserFactory(username="auditor", perms=["access.view_recordrule"])
    EmployeeFactory(company=company, user=user, code="AU1")
    client.force_login(user)
    page = client.get(reverse("access:rule_list")).content.decode()
    assert "Rule 00" in page
    assert "/edit/" not in page.split('id="rule-table"')[1]
    assert 'id="new-rule"' not in page and "bi-trash" not in page


# --- roles -------------------------------------------------------------------------------------


def test_role_list_counts_only_this_company(company_admin, company, other_company):
    manager = Group.objects.get(name=SALES_MANAGER)
    mine = UserFactory(username="mine")
    EmployeeFactory(company=company, user=mine, code="M1")
    manager.user_set.add(mine)
    _rule(company, "Mine", role=manager)
    url = reverse("access:role_list")
    body = _table(company_admin, url, "role-table", q="sales manager")
    assert _names(body) == ["Sales manager"]
    row = body.split("Sales manager")[1].split("</tr>")[0]
    members, permissions, rule_count = re.findall(r">(\d+)</td>", row)
    # The other company's staff and rules for this role are not counted.
    assert (members, rule_count) == ("1", "1")
    assert int(permissions) == manager.permissions.count()
    assert "Default" in row


def test_role_list_search_kind_sort_and_pages(company_admin, company):
    ensure_default_roles()
    own = Group.objects.create(name="Key accounts")
    url = reverse("access:role_list")
    total = Group.objects.count()
    assert _count(company_admin, url) == f"{total} roles"
    assert _names(_table(company_admin, url, "role-table", kind="own")) == ["Key accounts"]
    portal = _names(_table(company_admin, url, "role-table", kind="portal-accounts"))
    assert len(portal) == 3 and all("Portal" in name or "portal" in name for name in portal)
    default = _count(company_admin, url, kind="default")
    assert default == f"{total - 4} roles"
    assert _names(_table(company_admin, url, "role-table", q="key acc")) == ["Key accounts"]
    # Sorted by members, most first: the administrator's role holds the one member.
    by_members = _table(company_admin, url, "role-table", sort="-member_count")
    assert _names(by_members)[0] == "Administrator"
    # Every role once over the pages, by name and by a count.
    for sort in ("name", "-member_count", "permission_count"):
        seen, query = [], {"sort": sort}
        while True:
            body = _table(company_admin, url, "role-table", **query)
            seen += _names(body)
            following = _next_query(body)
            if not following:
                break
            query = _qs(following)
        assert len(seen) == total == len(set(seen)) and own.name in seen, sort


def test_role_list_needs_the_permission(client, company):
    user = UserFactory(username="plain", perms=["access.view_recordrule"])
    EmployeeFactory(company=company, user=user, code="P1")
    client.force_login(user)
    assert client.get(reverse("access:role_list")).status_code == 403


# --- portal accounts ---------------------------------------------------------------------------


@pytest.fixture
def accounts(company, customer_type):
    """Twenty-seven customer accounts, a dealer's and an inactive one, all of this company."""
    ensure_default_roles()
    customer = Group.objects.get(name=PORTAL_CUSTOMER)
    dealer = Group.objects.get(name=PORTAL_DEALER)
    made = []
    for n in range(29):
        contact = make_contact(company=company, contact_type=customer_type, name=f"Shop {n:02d}")
        user = UserFactory(username=f"shop{n:02d}")
        user.groups.add(dealer if n == 27 else customer)
        made.append(PortalAccount.objects.create(user=user, contact=contact, is_active=n != 28))
    return made


USERNAME = r'<td class="card-title-cell[^"]*"[^>]*><bdi>([^<]+)</bdi>'


def test_portal_list_pages_newest_first(company_admin, accounts, other_company):
    url = reverse("access:portal_account_list")
    page = company_admin.get(url).content.decode()
    assert 'id="portal-table"' in page and 'id="new-portal-account"' in page
    first = _names(page, USERNAME)
    assert first[0] == "shop28" and len(first) == 25
    second = _table(company_admin, url, "portal-table", **_qs(_next_query(page)))
    assert first + _names(second, USERNAME) == [f"shop{n:02d}" for n in reversed(range(29))]
    assert f'id="deactivate-{accounts[0].pk}"' in second
    assert f'id="reactivate-{accounts[28].pk}"' in page
    assert "foreign-portal" not in page + second and "Foreign Steel Shop" not in page + second
    assert _count(company_admin, url) == "29 portal accounts"


def test_portal_list_search_filters_and_sort(company_admin, accounts, other_company):
    url = reverse("access:portal_account_list")
    assert _names(_table(company_admin, url, "portal-table", q="shop07"), USERNAME) == ["shop07"]
    assert _count(company_admin, url, q="foreign") == "0 portal accounts"
    inactive = _table(company_admin, url, "portal-table", status="inactive")
    assert _names(inactive, USERNAME) == ["shop28"]
    assert f'id="reactivate-{accounts[28].pk}"' in inactive and "Inactive" in inactive
    assert _count(company_admin, url, status="active") == "28 portal accounts"
    dealer = Group.objects.get(name=PORTAL_DEALER)
    by_role = _table(company_admin, url, "portal-table", role=str(dealer.pk))
    assert _names(by_role, USERNAME) == ["shop27"]
    by_name = _names(_table(company_admin, url, "portal-table", sort="username"), USERNAME)
    assert by_name[:2] == ["shop00", "shop01"]
    by_contact = _names(_table(company_admin, url, "portal-table", sort="-contact_name"), USERNAME)
    assert by_contact[:2] == ["shop28", "shop27"]


def test_portal_list_shows_only_accounts_of_contacts_one_sees(
    client, company, customer_type, accounts
):
    glass = IndustryFactory(company=company, name="Glass")
    shop = make_contact(
        company=company, contact_type=customer_type, name="Glass Shop", industry=glass
    )
    PortalAccount.objects.create(user=UserFactory(username="glassshop"), contact=shop)
    user = UserFactory(
        username="narrow", perms=[*CONTACT_PERMS, *ORG_VIEW_PERMS, "access.view_portalaccount"]
    )
    EmployeeFactory(company=company, user=user, code="N1")
    _rule(
        company,
        "Glass only",
        user=user,
        conditions=[{"field": "industry", "operator": "in", "values": [glass.pk]}],
    )
    client.force_login(user)
    url = reverse("access:portal_account_list")
    page = client.get(url).content.decode()
    assert _names(page, USERNAME) == ["glassshop"]
    assert "deactivate-" not in page  # no right to change accounts: no buttons
    assert _count(client, url) == "1 portal account"
    assert _count(client, url, q="shop") == "1 portal account"
    assert _count(client, url, sort="username", status="active") == "1 portal account"


# --- the rule editor's value search ------------------------------------------------------------


def test_value_search_offers_only_values_the_administrator_may_see(client, company, customer_type):
    """Dealers of another company, and contacts outside the administrator's rules, are never
    offered, whatever is typed; inactive values of one's own are (labelled so)."""
    other = CompanyFactory(code="OTHER")
    other_type = ContactTypeFactory(company=other, code="dealer", name="Dealer")
    make_contact(company=other, contact_type=other_type, name="Steel Dealer Abroad")
    glass = IndustryFactory(company=company, name="Glass")
    visible = make_contact(
        company=company, contact_type=customer_type, name="Steel Dealer Seen", industry=glass
    )
    make_contact(company=company, contact_type=customer_type, name="Steel Dealer Hidden")
    user = UserFactory(
        username="ruler",
        perms=[*CONTACT_PERMS, *MASTER_PERMS, *ORG_VIEW_PERMS, "access.view_recordrule"],
    )
    EmployeeFactory(company=company, user=user, code="RU1")
    _rule(
        company,
        "Glass only",
        user=user,
        conditions=[{"field": "industry", "operator": "in", "values": [glass.pk]}],
    )
    IndustryFactory(company=other, name="Glassworks")
    old = IndustryFactory(company=company, name="Glass blowing", is_active=False)
    client.force_login(user)
    dealers = reverse("access:value_autocomplete", args=[CONTACT, "dealer"])
    for q, expected in [
        ("steel", {visible.pk}),
        ("dealer", {visible.pk}),
        ("", {visible.pk}),
        ("abroad", set()),
        ("hidden", set()),
    ]:
        found = {row["value"] for row in client.get(dealers, {"q": q}).json()["results"]}
        assert found == expected, q
    label = f"Steel Dealer Seen ({visible.code})" if visible.code else "Steel Dealer Seen"
    assert client.get(dealers, {"q": "seen"}).json() == {
        "results": [{"value": visible.pk, "text": label}]
    }
    industries = reverse("access:value_autocomplete", args=[CONTACT, "industry"])
    rows = client.get(industries, {"q": "glass"}).json()["results"]
    # The exact name first, then the inactive one of this company; never the other company's.
    assert [row["value"] for row in rows] == [glass.pk, old.pk]
    assert rows[1]["text"].endswith("· inactive")


def test_value_search_labels_areas_by_their_path_in_a_constant_number_of_queries(
    admin_client, company
):
    saudi = AreaFactory(company=company, name="Saudi Arabia", level="country")
    central = AreaFactory(company=company, name="Central", level="region", parent=saudi)
    url = reverse("access:value_autocomplete", args=[CONTACT, "area"])

    def search():
        admin_client.get(url, {"q": "riyadh"})  # warm the per-user caches
        with CaptureQueriesContext(connection) as queries:
            rows = admin_client.get(url, {"q": "riyadh"}).json()["results"]
        return rows, len(queries)

    AreaFactory(company=company, name="Riyadh district 0", level="city", parent=central)
    few, few_queries = search()
    for n in range(1, 12):
        AreaFactory(company=company, name=f"Riyadh district {n}", level="city", parent=central)
    many, many_queries = search()
    assert len(few) == 1 and len(many) == 12 and few_queries == many_queries
    assert many[0]["text"] == "Saudi Arabia › Central › Riyadh district 0 · City"


def test_value_search_refuses_without_the_permission(client, company):
    user = UserFactory(username="plain", perms=[*CONTACT_PERMS])
    EmployeeFactory(company=company, user=user, code="P1")
    client.force_login(user)
    url = reverse("access:value_autocomplete", args=[CONTACT, "dealer"])
    assert client.get(url).status_code == 403


# --- crafted page links ---------------------------------------------------------------------


@pytest.mark.parametrize("cursor", CRAFTED)
def test_crafted_cursor_shows_the_first_page(admin_client, company, customer_type, cursor):
    """Every sort of the three lists reads a page cursor from the address bar without failing:
    a cursor it cannot use shows the first page (the sort's value is checked for its type)."""
    ensure_default_roles()
    _rule(company, "Alpha", role=Group.objects.get(name=SALES_MANAGER))
    shop = make_contact(company=company, contact_type=customer_type, name="Shop")
    PortalAccount.objects.create(user=UserFactory(username="shop"), contact=shop)
    lists = {
        "access:rule_list": ("name", "-name", "model"),
        "access:role_list": ("name", "-member_count", "permission_count", "-rule_count"),
        "access:portal_account_list": ("-created_at", "username", "-contact_name"),
    }
    for name, sorts in lists.items():
        for sort in sorts:
            response = admin_client.get(reverse(name), {"cursor": cursor, "sort": sort})
            assert response.status_code == 200, (name, sort)
