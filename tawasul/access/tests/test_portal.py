"""Portal isolation: external users reach their own portal and nothing of the staff side.

A portal account (customer, dealer, agent) signs in like anyone else, but every staff page and
every API endpoint must answer as if it did not exist: 404 for a signed-in portal session (the
access middleware); they get no API token, and a token of theirs authenticates nobody. Through the access entry
point a portal user sees only their own contact, and a dealer or agent also the customers it
serves.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import resolve
from rest_framework.test import APIClient

from tawasul.access.middleware import PORTAL_PATHS
from tawasul.access.models import ApiToken, PortalAccount
from tawasul.access.portal_services import portal_account_create
from tawasul.access.roles import PORTAL_AGENT, PORTAL_CUSTOMER, PORTAL_DEALER, ensure_default_roles
from tawasul.access.services import rule_save
from tawasul.access.tests.oracle import Oracle
from tawasul.access.tests.test_coverage_meta import iter_routes
from tawasul.access.tokens import api_token_create
from tawasul.api_urls import router
from tawasul.contacts.models import Area, Contact
from tawasul.contacts.tests.factories import AreaFactory, ContactTypeFactory, make_contact
from tawasul.org.models import Employee
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

# Routes a portal session may reach (everything else is staff-only and must answer 404).
PORTAL_REACHABLE = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "login_code",
    "mfa_overview",
    "mfa_setup",
    "mfa_recovery_codes",
    "mfa_disable",
    "preferences",
    "set_language",
    "portal:home",
}
# Routes whose governed output this module compares with the oracle (see test_coverage_meta).
CHECKED_ROUTES = frozenset({"portal:home"})
PASSWORD = "Portal-pass-2024"


class Portal:
    """A company with customers, a dealer serving two of them, and their portal accounts."""

    def __init__(self):
        self.groups = ensure_default_roles()
        self.company = CompanyFactory(code="ACME")
        other = CompanyFactory(code="OTHER")
        customer = ContactTypeFactory(company=self.company, code="customer")
        dealer_type = ContactTypeFactory(company=self.company, code="dealer")
        agent_type = ContactTypeFactory(company=self.company, code="agent")
        self.area = AreaFactory(company=self.company, name="Riyadh")
        self.rep = EmployeeFactory(company=self.company, code="REP", name="Rep")

        def contact(name, contact_type=customer, **data):
            return make_contact(
                company=self.company,
                contact_type=contact_type,
                name=name,
                code=name.upper().replace(" ", "-"),
                **data,
            )

        self.own = contact("Own Shop", area=self.area, representative=self.rep)
        self.neighbour = contact("Neighbour Shop", area=self.area)
        self.dealer = contact("Dealer Co", dealer_type)
        self.agent = contact("Agent Co", agent_type)
        self.served = [
            contact("Served One", dealer=self.dealer),
            contact("Served Two", dealer=self.dealer),
        ]
        self.agent_served = contact("Agent Served", dealer=self.agent)
        self.unrelated = contact("Unrelated")
        other_type = ContactTypeFactory(company=other, code="customer")
        self.foreign = make_contact(
            company=other, contact_type=other_type, name="Foreign", code="F"
        )

    def account(self, contact, role_name, username):
        """A portal sign-in made the way administrators make it."""
        account = portal_account_create(
            actor=None,
            contact=contact,
            username=username,
            password=PASSWORD,
            role=self.groups[role_name],
        )
        return get_user_model().objects.get(pk=account.user_id)


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def portal(db, fast_passwords):
    return Portal()


@pytest.fixture
def customer(portal):
    return portal.account(portal.own, PORTAL_CUSTOMER, "shop")


@pytest.fixture
def dealer(portal):
    return portal.account(portal.dealer, PORTAL_DEALER, "dealer")


def _visible(user, action="view") -> set[int]:
    fresh = get_user_model().objects.get(pk=user.pk)
    return set(Contact.objects.restrict(fresh, action).values_list("pk", flat=True))


# --- filling URL patterns ------------------------------------------------------------------------


def _fill(pattern: str, values: dict) -> str:
    """A concrete path for a URL pattern, taking keyword arguments from `values`."""

    def converter(match):
        kind, name = match.group(1), match.group(2)
        if kind == "drf_format_suffix":
            return ".json"
        return str(values.get(name, "1"))

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "1")), pattern)
    path = re.sub(r"<(?:(\w+):)?(\w+)>", converter, path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


def _values(pk) -> dict:
    return {
        "pk": pk,
        "object_id": pk,
        "id": pk,
        "kind": "contact",
        "format": "json",
        "uidb64": "MQ",
        "token": "set-password",
        "app_label": "auth",
        "url": "nothing/",
        "content_type_id": "1",
        "model": "contacts.contact",
        "field": "dealer",
    }


def staff_urls(pks) -> list[tuple[str, str]]:
    """(route key, path) of every staff route, once per contact id for routes that take one."""
    urls = []
    for route in iter_routes():
        if route.key in PORTAL_REACHABLE or route.key == "home":
            continue
        takes_id = bool(
            re.search(r"<(?:\w+:)?(pk|object_id|id)>|\?P<(pk|object_id|id)>", route.pattern)
        )
        for pk in pks if takes_id else pks[:1]:
            path = _fill(route.pattern, _values(pk))
            match = resolve(path.split("?")[0])
            assert match.func == route.callback, f"{route.pattern} filled as {path} is another view"
            urls.append((route.key, path))
    return urls


# --- the staff side is closed ------------------------------------------------------------------------


def test_the_routes_a_portal_session_may_reach_are_exactly_the_portal_ones():
    """Anything new under the portal's open prefixes must be looked at (and added here)."""
    reachable = {
        route.key for route in iter_routes() if ("/" + route.pattern).startswith(PORTAL_PATHS)
    }
    assert reachable == PORTAL_REACHABLE


def test_root_sends_a_portal_user_to_the_portal(client, customer):
    client.force_login(customer)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_every_staff_url_answers_404_to_a_portal_session(client, portal, customer):
    client.force_login(customer)
    urls = staff_urls([portal.own.pk, portal.neighbour.pk])
    assert len(urls) > 100
    wrong = []
    for key, path in urls:
        for method in (client.get, client.post):
            response = method(path)
            if response.status_code != 404:
                wrong.append((method.__name__, path, key, response.status_code))
            elif path.startswith("/api/"):
                assert response.json() == {"detail": "Not found."}
    assert not wrong, wrong
    assert Contact.objects.filter(pk=portal.own.pk).exists()


def test_every_api_endpoint_answers_404_to_a_portal_session(portal, customer):
    api = APIClient()
    api.force_login(customer)
    for prefix, _viewset, _basename in router.registry:
        for path in (f"/api/{prefix}/", f"/api/{prefix}/{portal.own.pk}/"):
            for method in (api.get, api.patch, api.delete, api.post):
                assert method(path, {}, format="json").status_code == 404, (method.__name__, path)


def test_a_portal_account_gets_no_token_and_a_token_of_theirs_opens_no_endpoint(portal, customer):
    anonymous = APIClient()
    response = anonymous.post("/api/auth/token/", {"username": "shop", "password": PASSWORD})
    wrong = anonymous.post("/api/auth/token/", {"username": "shop", "password": "not-it"})
    # The portal offers no API, and the answer is a wrong password's: it must not confirm that
    # the name is a portal account whose password is right.
    assert response.status_code == wrong.status_code == 400
    assert response.json() == wrong.json()
    assert not ApiToken.objects.exists()
    # A token that somehow belongs to a portal user (made before the account was a portal one)
    # authenticates nobody.
    token, key = api_token_create(actor=UserFactory(username="formerly-staff"), name="old")
    ApiToken.objects.filter(pk=token.pk).update(user=customer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/").status_code == 401
    for prefix, _viewset, _basename in router.registry:
        for path in (f"/api/{prefix}/", f"/api/{prefix}/{portal.own.pk}/"):
            assert api.get(path).status_code == 401, path
            assert api.patch(path, {"name": "Mine now"}, format="json").status_code == 401, path
            assert api.delete(path).status_code == 401, path
        assert api.post(f"/api/{prefix}/", {"name": "New"}, format="json").status_code == 401
    assert Contact.objects.get(pk=portal.own.pk).name == "Own Shop"


# --- what a portal user sees through restrict ------------------------------------------------------


def test_a_portal_customer_sees_their_own_contact(portal, customer):
    """With the default "Portal customer" role, as administrators create portal accounts.

    The account itself grants viewing; the portal does not edit records yet, so every other
    action needs a model permission that the portal roles do not hold.
    """
    assert _visible(customer) == {portal.own.pk}
    for action in ("change", "delete", "export", "assign", "add"):
        assert _visible(customer, action) == set(), action


def test_a_dealer_portal_user_sees_their_contact_and_the_customers_they_serve(portal, dealer):
    """With the default "Portal dealer" role."""
    expected = {portal.dealer.pk} | {c.pk for c in portal.served}
    assert _visible(dealer) == expected
    for action in ("delete", "export", "assign"):
        assert _visible(dealer, action) == set(), action


def test_a_portal_user_opens_their_portal_page(client, portal, customer):
    client.force_login(customer)
    response = client.get("/portal/")
    assert response.status_code == 200
    assert "Own Shop" in response.content.decode()


def test_no_page_a_portal_user_opens_links_to_what_they_cannot_reach(client, portal, customer):
    client.force_login(customer)
    for path in ("/portal/", "/preferences/", "/accounts/password/change/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "/api-tokens/" not in response.content.decode(), path


@pytest.mark.parametrize("role_name", [PORTAL_CUSTOMER, PORTAL_DEALER, PORTAL_AGENT])
@pytest.mark.parametrize("which", ["own", "dealer", "agent"])
def test_portal_scope_matches_the_oracle_when_the_role_may_view(portal, role_name, which):
    """The engine's portal branch, independently of what the default roles grant."""
    group = portal.groups[role_name]
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="contacts", codename__in=["view_contact", "change_contact"]
        )
    )
    user = portal.account(
        getattr(portal, which), role_name, f"{which}-{role_name}".replace(" ", "-")
    )
    expected = {
        "own": {portal.own.pk},
        "dealer": {portal.dealer.pk} | {c.pk for c in portal.served},
        "agent": {portal.agent.pk, portal.agent_served.pk},
    }[which]
    for action in ("view", "change"):
        assert _visible(user, action) == expected
        assert Oracle().allowed(get_user_model().objects.get(pk=user.pk), action) == expected
    assert _visible(user, "export") == set()


def test_staff_permissions_and_rules_do_not_widen_a_portal_account(portal, customer):
    """A portal user wrongly given staff permissions and an all-records rule stays confined."""
    customer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="contacts", codename__endswith="_contact"
        )
    )
    EmployeeFactory(company=portal.company, user=None, code="X", name="Nobody")
    rule_save(
        actor=None,
        company=portal.company,
        name="Everything",
        model="contacts.contact",
        actions=["view", "change", "export", "delete"],
        role=portal.groups[PORTAL_CUSTOMER],
        all_records=True,
    )
    assert _visible(customer) == {portal.own.pk}
    assert _visible(customer, "export") == set()
    assert _visible(customer, "delete") == set()
    fresh = get_user_model().objects.get(pk=customer.pk)
    assert not Employee.objects.restrict(fresh, "view").exists()
    assert not Area.objects.restrict(fresh, "view").exists()


def test_the_dealer_portal_page_lists_exactly_the_customers_served(client, portal):
    """portal:home compared with the oracle (with a role that may view contacts)."""
    group = portal.groups[PORTAL_DEALER]
    group.permissions.add(Permission.objects.get(codename="view_contact"))
    user = portal.account(portal.dealer, PORTAL_DEALER, "dealer-page")
    client.force_login(user)
    response = client.get("/portal/")
    assert response.status_code == 200
    shown = {c.pk for c in response.context["served"]}
    allowed = Oracle().allowed(get_user_model().objects.get(pk=user.pk), "view")
    assert shown == {pk for pk in allowed if pk != portal.dealer.pk}
    assert response.context["contact"].pk == portal.dealer.pk
    body = response.content.decode()
    assert "Served One" in body and "Served Two" in body
    assert "Unrelated" not in body and "Agent Served" not in body and "Neighbour" not in body


def test_a_staff_user_has_no_portal_page(client, portal):
    staff = get_user_model().objects.create_user(username="staff")
    client.force_login(staff)
    assert client.get("/portal/").status_code == 404
    assert not PortalAccount.objects.filter(user=staff).exists()
