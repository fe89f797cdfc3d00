"""The default roles do what the user guide's table says, role by role.

The table is `roles.DEFAULT_ROLES` (each role's `contacts` rights); docs/user/access.md prints it
(checked below). For every default role, an employee holding it works in a company with contacts
of several types, branches, representatives and coordinators; what they see, add, change,
delete, export, import and assign, and whether they see dealers' commission rates on the dealer's
page and in the API, is measured through the services, pages and API, then compared with the row.
"""

import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tawasul.access import roles
from tawasul.access.default_rules import CONTACT, ensure_default_rules
from tawasul.access.fields import can_see
from tawasul.access.models import AccessChange, RecordRule
from tawasul.access.roles import (
    ASSIGN_COMPANY,
    ASSIGN_NONE,
    ASSIGN_TEAM,
    DEFAULT_ROLES,
    PORTAL_ROLES,
    ContactRights,
    default_roles_for,
    employee_default_roles,
    ensure_default_roles,
    role_permissions,
)
from tawasul.access.services import rule_save
from tawasul.contacts.models import Contact, ContactType
from tawasul.contacts.services import contact_bulk_assign, contact_create, contact_update
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.org.choices import DepartmentKind, JobRoleCode
from tawasul.org.models import JobRole
from tawasul.org.tests.factories import (
    BranchFactory,
    CompanyFactory,
    DepartmentFactory,
    EmployeeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STAFF_ROLES = [role for role in DEFAULT_ROLES if role.name not in PORTAL_ROLES]
DOCS = Path(__file__).resolve().parents[3] / "docs" / "user" / "access.md"
COMMISSION = "contacts.dealerprofile.commission_rate"

# --- the world -----------------------------------------------------------------------------------

# Contacts by name: (representative, coordinator, branch, contact type). Employees: "me" (the
# role's holder), "sub" (reports to me), "served" (a representative I coordinate, outside my
# team), "other" (elsewhere in the company); branches: "home" (mine) and "away".
CONTACTS = {
    "Own customer": ("me", None, "home", "customer"),
    "Team customer": ("sub", None, "home", "customer"),
    "Team-coordinated prospect": ("other", "sub", "away", "prospect"),
    "My coordinated prospect": ("other", "me", "away", "prospect"),
    "Served representative's prospect": ("served", None, "home", "prospect"),
    "Branch customer": ("other", None, "home", "customer"),
    "Branch prospect": ("other", None, "home", "prospect"),
    "Away customer": ("other", None, "away", "customer"),
    "Own dealer": ("me", "me", "home", "dealer"),
    "Away agent": ("other", None, "away", "agent"),
    "Unassigned customer": (None, None, "home", "customer"),
}
TEAM = {"me", "sub"}
# What each "Sees" entry of the table means, over the world's contacts.
SCOPES = {
    roles.SCOPE_ALL: lambda rep, coord, branch, kind: True,
    roles.SCOPE_TEAM: lambda rep, coord, branch, kind: rep in TEAM or coord in TEAM,
    roles.SCOPE_OWN: lambda rep, coord, branch, kind: rep == "me",
    roles.SCOPE_COORDINATED: lambda rep, coord, branch, kind: coord == "me" or rep == "served",
    roles.SCOPE_CUSTOMERS_DEALERS: lambda rep, coord, branch, kind: (
        kind in ("customer", "dealer", "agent")
    ),
    roles.SCOPE_BRANCH_CUSTOMERS: lambda rep, coord, branch, kind: (
        branch == "home" and kind == "customer"
    ),
    roles.SCOPE_NONE: lambda rep, coord, branch, kind: False,
}


def scope_names(scope: str) -> frozenset[str]:
    return frozenset(name for name, attrs in CONTACTS.items() if SCOPES[scope](*attrs))


@dataclass
class World:
    company: object
    user: object
    employees: dict
    branches: dict
    types: dict
    contacts: dict = field(default_factory=dict)


def _holder(role: roles.DefaultRole) -> tuple[str, str]:
    """A department kind and job role whose holder gets `role` by default."""
    kind, job = role.given_to[0]
    if kind == roles.ANY:
        kind = DepartmentKind.SALES
    if job == roles.ANY:
        job = JobRoleCode.MANAGER
    return kind, job


def build_world(role: roles.DefaultRole) -> World:
    groups = ensure_default_roles()
    company = CompanyFactory(code="ROLES")
    branches = {
        "home": BranchFactory(company=company, code="HOME"),
        "away": BranchFactory(company=company, code="AWAY"),
    }
    types = {
        code: ContactTypeFactory(company=company, code=code)
        for code in ("customer", "prospect", "dealer", "agent")
    }
    kind, job = _holder(role)
    department = DepartmentFactory(company=company, kind=kind)
    boss = EmployeeFactory(company=company, code="BOSS", user=None, branch=branches["home"])
    user = UserFactory(username="holder")
    user.groups.set([groups[role.name]])
    employees = {
        "me": EmployeeFactory(
            company=company,
            code="ME",
            user=user,
            branch=branches["home"],
            department=department,
            reports_to=boss,
            roles=[JobRole.objects.get(code=job)],
        )
    }
    employees["sub"] = EmployeeFactory(
        company=company, code="SUB", user=None, branch=branches["home"], reports_to=employees["me"]
    )
    employees["served"] = EmployeeFactory(
        company=company, code="SERVED", user=None, branch=branches["home"], reports_to=boss
    )
    employees["other"] = EmployeeFactory(
        company=company, code="OTHER", user=None, branch=branches["away"], reports_to=boss
    )
    employees["me"].coordinated_representatives.set([employees["served"]])
    ensure_default_rules(company)
    world = World(company, user, employees, branches, types)
    for name, (rep, coord, branch, code) in CONTACTS.items():
        terms = {"commission_rate": Decimal("7.50")} if code == "dealer" else None
        world.contacts[name] = make_contact(
            company=company,
            contact_type=types[code],
            name=name,
            representative=employees.get(rep),
            coordinator=employees.get(coord),
            branch=branches[branch],
            dealer_profile=terms,
        )
    # Another company's customer, in nobody's reach here.
    stranger = CompanyFactory(code="STRANGER")
    make_contact(
        company=stranger, contact_type=ContactTypeFactory(company=stranger), name="Stranger"
    )
    world.user = type(user).objects.get(pk=user.pk)  # fresh: no cached permissions or rules
    return world


class _Undo(Exception):
    pass


def attempt(action) -> bool | Exception:
    """Run `action` and undo it; True when it went through, else the refusal."""
    try:
        with transaction.atomic():
            action()
            raise _Undo
    except _Undo:
        return True
    except (ValidationError, PermissionDenied) as refusal:
        return refusal


def _names(queryset) -> frozenset[str]:
    return frozenset(queryset.values_list("name", flat=True))


def _same_or_none(found: frozenset[str], seen: frozenset[str], what: str) -> bool:
    assert found in (seen, frozenset()), f"{what} reaches {sorted(found)}, sees {sorted(seen)}"
    return bool(found) if seen else False


# --- measuring -----------------------------------------------------------------------------------


def measure(world: World, client) -> ContactRights:
    """What the role's holder can really do with contacts, as a row of the table."""
    user, me = world.user, world.employees["me"]
    seen = _names(Contact.objects.restrict(user, "view"))
    scope = next((s for s in SCOPES if scope_names(s) == seen), f"unlisted: {sorted(seen)}")

    # The API lists the same contacts.
    api = APIClient()
    api.force_authenticate(user)
    response = api.get("/api/contacts/")
    if response.status_code == 200:
        assert frozenset(r["name"] for r in response.json()["results"]) == seen
    else:
        assert response.status_code == 403 and not seen

    added = attempt(
        lambda: contact_create(
            actor=user,
            company=world.company,
            data={
                "name": "Added",
                "contact_type": world.types["customer"],
                "representative": me,
                "branch": world.branches["home"],
            },
        )
    )
    assert added is True or isinstance(added, PermissionDenied), added

    changeable = _names(Contact.objects.restrict(user, "change"))
    change = _same_or_none(changeable, seen, "change")
    target = world.contacts["Own customer"]
    if seen and "Own customer" not in seen:
        target = Contact.objects.restrict(user, "view").order_by("pk").first()
    edited = attempt(lambda: contact_update(actor=user, contact=target, data={"notes": "Checked"}))
    assert (edited is True) == change, edited

    delete = _same_or_none(_names(Contact.objects.restrict(user, "delete")), seen, "delete")

    response = client.get(reverse("contacts:contact_export"))
    assert response.status_code in (200, 403)
    export = response.status_code == 200
    if export:
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert {n for n in CONTACTS if n in body} == seen

    response = client.get(reverse("contacts:import_list"))
    assert response.status_code in (200, 403)
    imports = response.status_code == 200

    assign = measure_assign(world, change)

    commission = can_see(user, COMMISSION)
    dealer = world.contacts["Own dealer"]
    if "Own dealer" in seen:
        page = client.get(reverse("contacts:contact_detail", args=[dealer.pk])).content.decode()
        assert ("7.50" in page) == commission
        terms = api.get(f"/api/contacts/{dealer.pk}/").json()["dealer_profile"]
        assert ("commission_rate" in terms) == commission
    else:
        assert client.get(reverse("contacts:contact_detail", args=[dealer.pk])).status_code in (
            403,
            404,
        )
    return ContactRights(
        scope=scope,
        add=added is True,
        change=change,
        delete=delete,
        export=export,
        imports=imports,
        assign=assign,
        commission=commission,
    )


def measure_assign(world: World, change: bool) -> str:
    """To whom the holder may re-assign a contact they represent and coordinate: a team
    member, anyone, or nobody.

    Refusals are field errors on the representative. The contact form's path (contact_update)
    answers as the bulk action does.
    """
    user, contact = world.user, world.contacts["Own dealer"]
    answers = {}
    for receiver in ("sub", "other"):
        employee = world.employees[receiver]
        bulk = attempt(
            lambda employee=employee: contact_bulk_assign(
                actor=user, contacts=Contact.objects.filter(pk=contact.pk), representative=employee
            )
        )
        if bulk is not True:
            assert isinstance(bulk, ValidationError), bulk
            assert "representative" in bulk.message_dict, bulk
        if change:
            form = attempt(
                lambda employee=employee: contact_update(
                    actor=user, contact=contact, data={"representative": employee}
                )
            )
            assert (form is True) == (bulk is True), form
            if form is not True:
                assert "representative" in form.message_dict, form
        answers[receiver] = bulk is True
    if answers["other"]:
        assert answers["sub"]
        return ASSIGN_COMPANY
    return ASSIGN_TEAM if answers["sub"] else ASSIGN_NONE


# --- the tests -----------------------------------------------------------------------------------


def test_the_world_tells_every_scope_apart():
    sets = [scope_names(scope) for scope in SCOPES]
    assert len(set(sets)) == len(SCOPES)
    assert set(SCOPES) == set(roles.SCOPE_LABELS)


@pytest.mark.parametrize("role", STAFF_ROLES, ids=[r.name for r in STAFF_ROLES])
def test_role_does_what_the_table_says(role, client):
    world = build_world(role)
    kind, job = _holder(role)
    assert default_roles_for(kind, [job]) == [role.name]
    assert employee_default_roles(world.employees["me"]) == [role.name]
    client.force_login(world.user)
    assert measure(world, client) == role.contacts


def test_docs_table_is_the_table():
    """docs/user/access.md prints `DEFAULT_ROLES` (regenerate with contact_rights_markdown())."""
    with translation.override("en"):
        wanted = roles.contact_rights_table()
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    start = lines.index("| " + " | ".join(wanted[0]) + " |")
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    assert [rows[0], *rows[2:]] == wanted


def test_every_department_and_job_has_one_default_role():
    pairs = [pair for role in DEFAULT_ROLES for pair in role.given_to]
    assert len(pairs) == len(set(pairs)), "a (department, job) pair given two roles"
    names = {role.name for role in DEFAULT_ROLES}
    for kind in [*DepartmentKind.values, None]:
        for job in JobRoleCode.values:
            found = default_roles_for(kind, [job])
            assert len(found) == 1 and found[0] in names, (kind, job, found)
    # The departments the issue names reach no sales rights.
    for kind in (DepartmentKind.HR, DepartmentKind.QC, DepartmentKind.RND, DepartmentKind.ACCOUNTS):
        assert roles.SALES_MANAGER not in default_roles_for(kind, [JobRoleCode.MANAGER])


def test_default_rules_need_the_company_customer_type():
    """A company without a "customer" contact type gets no rule about customers (a rule
    without that condition would show every contact of the branch), until the type exists."""
    ensure_default_roles()
    company = CompanyFactory(code="NOTYPES")
    ensure_default_rules(company)
    names = set(RecordRule.objects.filter(company=company).values_list("name", flat=True))
    assert "Customers of my branch" not in names and "My contacts" in names
    customer = ContactTypeFactory(company=company, code="customer")
    made = ensure_default_rules(company)
    assert {rule.name for rule in made} == {
        "Customers of my branch",
        "Customers, dealers and agents of the company",
    }
    rule = RecordRule.objects.get(company=company, role__name=roles.CASHIER)
    assert {(c.field, c.operator, tuple(c.values)) for c in rule.conditions.all()} == {
        ("branch", "is_my_branch", ()),
        ("contact_type", "in", (customer.pk,)),
    }
    assert ensure_default_rules(company) == []


def test_new_company_gets_contact_types_and_customer_rules(django_capture_on_commit_callbacks):
    from tawasul.org.services import company_save

    ensure_default_roles()
    with django_capture_on_commit_callbacks(execute=True):
        company = company_save(actor=None, code="FRESH", name="Fresh Co")
    assert ContactType.objects.filter(company=company, code="customer", is_system=True).exists()
    assert RecordRule.objects.filter(
        company=company, role__name=roles.CASHIER, name="Customers of my branch"
    ).exists()
    assert ensure_default_rules(company, reset=True) == []


def test_reset_brings_a_changed_default_rule_back():
    ensure_default_roles()
    company = CompanyFactory(code="RESET")
    ContactTypeFactory(company=company, code="customer")
    ensure_default_rules(company)
    rule = RecordRule.objects.get(
        company=company, role__name=roles.SUPERVISOR, name="My team's contacts"
    )
    rule_save(
        actor=None,
        company=company,
        instance=rule,
        name=rule.name,
        model=CONTACT,
        actions=["view", "change", "export", "assign", "delete"],
        role=rule.role,
        conditions=[{"field": "representative", "operator": "is_me_or_team", "values": []}],
    )
    assert ensure_default_rules(company) == []  # kept as the administrator changed it
    assert [r.pk for r in ensure_default_rules(company, reset=True)] == [rule.pk]
    rule.refresh_from_db()
    assert sorted(rule.actions) == ["assign", "change", "view"]


# --- bringing an existing installation in line ---------------------------------------------------

MIGRATION = importlib.import_module("tawasul.access.migrations.0004_default_roles_by_department")


def _old_installation():
    """The default roles and rules as the previous definition made them, in two companies
    (one without contact types), with staff holding the roles their job used to give."""
    groups = ensure_default_roles()
    with_types = CompanyFactory(code="OLD")
    for code in ("customer", "dealer", "agent"):
        ContactTypeFactory(company=with_types, code=code)
    without_types = CompanyFactory(code="OLDNT")
    for company in (with_types, without_types):
        ensure_default_rules(company)
    Group.objects.filter(name__in=MIGRATION.NEW_ROLES).delete()  # and their rules

    def perms(codes):
        return [
            Permission.objects.get(
                content_type__app_label=c.split(".")[0], codename=c.split(".")[1]
            )
            for c in codes
        ]

    for name, (added, removed) in MIGRATION.CHANGED_ROLES.items():
        groups[name].permissions.remove(*perms(added))
        groups[name].permissions.add(*perms(removed))
    branch_only = [{"field": "branch", "operator": "is_my_branch", "values": []}]
    for company in (with_types, without_types):
        supervisor = RecordRule.objects.get(
            company=company, role=groups[roles.SUPERVISOR], name="My team's contacts"
        )
        supervisor.actions = ["view", "change", "export", "assign"]
        supervisor.save()
        RecordRule.objects.filter(company=company, role=groups[roles.CASHIER]).delete()
        for name in (roles.CUSTODIAN, roles.WAREHOUSE_KEEPER, roles.CASHIER, roles.TECHNICIAN):
            rule_save(
                actor=None,
                company=company,
                name="Customers of my branch",
                model=CONTACT,
                actions=["view"],
                role=groups[name],
                conditions=branch_only,
            )
    staff = {}
    for username, kind, job, held in [
        ("hr.manager", DepartmentKind.HR, "manager", roles.SALES_MANAGER),
        ("cs.manager", DepartmentKind.CUSTOMER_SERVICE, "manager", roles.SALES_MANAGER),
        ("sales.manager", DepartmentKind.SALES, "manager", roles.SALES_MANAGER),
        ("collector", DepartmentKind.COLLECTION, "representative", roles.REPRESENTATIVE),
        ("technician", DepartmentKind.MAINTENANCE, "technician", roles.TECHNICIAN),
        ("qc.by.hand", DepartmentKind.QC, "manager", roles.REPRESENTATIVE),
        ("no.department", None, "manager", roles.SALES_MANAGER),
    ]:
        user = UserFactory(username=username)
        user.groups.set([Group.objects.get(name=held)])
        department = DepartmentFactory(company=with_types, kind=kind) if kind else None
        EmployeeFactory(
            company=with_types,
            user=user,
            code=username[:20],
            department=department,
            roles=[JobRole.objects.get(code=job)],
        )
        staff[username] = user
    return with_types, without_types, staff


def _state():
    return (
        {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.all()},
        {
            u.username: set(u.groups.values_list("name", flat=True))
            for u in get_user_model().objects.all()
        },
        sorted(
            (
                r.company_id,
                r.role_id,
                r.name,
                tuple(sorted(r.actions)),
                r.is_active,
                tuple(sorted((c.field, c.operator, tuple(c.values)) for c in r.conditions.all())),
            )
            for r in RecordRule.objects.prefetch_related("conditions")
        ),
    )


def test_migration_brings_an_old_installation_in_line():
    with_types, without_types, staff = _old_installation()
    MIGRATION.forwards(django_apps, None)

    # The migration knows the apps of its time; later modules give their part in their own
    # migrations (e.g. activities 0002), so the comparison stays within those apps.
    known_apps = {"core", "org", "access", "contacts", "auth"}
    resolved = roles._resolve({code for role in DEFAULT_ROLES for code in role.permissions})
    for role in DEFAULT_ROLES:
        group = Group.objects.get(name=role.name)
        wanted = {
            p.pk for p in role_permissions(role, resolved) if p.content_type.app_label in known_apps
        }
        held_now = group.permissions.filter(content_type__app_label__in=known_apps)
        assert set(held_now.values_list("pk", flat=True)) == wanted, role.name

    def held(username):
        return set(staff[username].groups.values_list("name", flat=True))

    assert held("hr.manager") == {roles.HR_MANAGER}
    assert held("cs.manager") == {roles.CUSTOMER_SERVICE_MANAGER}
    assert held("sales.manager") == {roles.SALES_MANAGER}
    assert held("collector") == {roles.COLLECTION_STAFF}
    assert held("technician") == {roles.TECHNICIAN}
    assert held("qc.by.hand") == {roles.REPRESENTATIVE}  # given by hand: left alone
    assert held("no.department") == {roles.SALES_MANAGER}  # no department to go by

    # Every default rule is there as defined, and the retired ones are gone.
    # (rules over later modules' records come with those modules' own migrations)
    assert [r for r in ensure_default_rules(with_types, reset=True) if r.model == CONTACT] == []
    assert not RecordRule.objects.filter(
        role__name__in=[roles.CUSTODIAN, roles.WAREHOUSE_KEEPER, roles.TECHNICIAN]
    ).exists()
    # Without a customer type, the cashiers' old branch-wide rule is switched off.
    cashier = RecordRule.objects.get(company=without_types, role__name=roles.CASHIER)
    assert not cashier.is_active
    assert [r for r in ensure_default_rules(without_types, reset=True) if r.model == CONTACT] == []

    hr = type(staff["hr.manager"]).objects.get(pk=staff["hr.manager"].pk)
    assert not Contact.objects.restrict(hr, "view").exists()
    assert not hr.has_perm("contacts.view_contact")
    assert AccessChange.objects.filter(kind="role.changed", company=with_types).exists()
    assert AccessChange.objects.filter(kind="rule.deleted", company=with_types).count() == 3

    before, changes = _state(), AccessChange.objects.count()
    MIGRATION.forwards(django_apps, None)
    assert _state() == before and AccessChange.objects.count() == changes


def test_migration_leaves_a_new_installation_to_post_migrate():
    Group.objects.filter(name__in=[r.name for r in DEFAULT_ROLES]).delete()
    MIGRATION.forwards(django_apps, None)  # as on a new database, before post_migrate
    assert not Group.objects.filter(name__in=MIGRATION.NEW_ROLES).exists()
    assert not AccessChange.objects.exists()


def test_every_default_rule_name_reads_in_arabic():
    """A default rule's name is stored in English and shown through gettext (a msgid): a module
    that declares one marks it with gettext_noop, or the rule shows in English to Arabic users."""
    names = {spec.name for role in roles.default_roles() for spec in role.rules}
    assert names
    with translation.override("ar"):
        untranslated = sorted(n for n in names if translation.gettext(n) == n)
    assert not untranslated, f"default rule names without Arabic: {untranslated}"
