"""The default roles: one Django group per kind of user, in one declarative table.

`DEFAULT_ROLES` says, for every default role, who receives it (department kind × job role), the
model permissions it holds, the record rules over contacts it gets in every company, and what
that comes to (`ContactRights`: the user guide's table, which `test_default_roles` checks role by
role against real behaviour). `ensure_default_roles` and `default_rules.ensure_default_rules`
read only this table.

Group names are the English role names below and stay stable, because code and data refer to
them; people see the translated label. Administrators may add their own groups and adjust the
default ones; `ensure_default_roles` brings the default ones back to this definition (the demo
loader calls it).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tawasul.org.choices import DepartmentKind as Dept
from tawasul.org.choices import JobRoleCode as Job

ADMINISTRATOR = "Administrator"
GENERAL_MANAGER = "General manager"
SALES_MANAGER = "Sales manager"
SUPERVISOR = "Supervisor"
REPRESENTATIVE = "Representative"
COORDINATOR = "Coordinator"
CUSTOMER_SERVICE_MANAGER = "Customer service manager"
CUSTOMER_SERVICE_STAFF = "Customer service staff"
COLLECTION_MANAGER = "Collection manager"
COLLECTION_STAFF = "Collection staff"
MAINTENANCE_MANAGER = "Maintenance manager"
MAINTENANCE_STAFF = "Maintenance staff"
ACCOUNTS_MANAGER = "Accounts manager"
ACCOUNTS_STAFF = "Accounts staff"
CASHIER = "Cashier"
WAREHOUSE_MANAGER = "Warehouse manager"
WAREHOUSE_STAFF = "Warehouse staff"
WAREHOUSE_KEEPER = "Warehouse keeper"
CUSTODIAN = "Custodian"
TECHNICIAN = "Technician"
QC_MANAGER = "Quality control manager"
QC_STAFF = "Quality control staff"
RND_MANAGER = "R&D manager"
RND_STAFF = "R&D staff"
HR_MANAGER = "HR manager"
HR_STAFF = "HR staff"
MANAGEMENT_STAFF = "Management staff"
STAFF = "Staff"
PORTAL_CUSTOMER = "Portal customer"
PORTAL_DEALER = "Portal dealer"
PORTAL_AGENT = "Portal agent"
PORTAL_ROLES = (PORTAL_CUSTOMER, PORTAL_DEALER, PORTAL_AGENT)

# --- building blocks of the permission sets ------------------------------------------------------

MASTER_MODELS = (
    "area",
    "industry",
    "segment",
    "size",
    "productgroup",
    "referralsource",
    "contacttype",
    "contactcategory",
)
ORG_MODELS = ("company", "branch", "department", "employee", "jobrole")
# Records that live inside a contact; editing a contact adds, changes and removes them.
CONTACT_PARTS = ("contactperson", "address", "phone", "email", "dealerprofile")


def _perms(app_label: str, actions: Iterable[str], models: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"{app_label}.{action}_{model}" for model in models for action in actions)


# Every member of staff sees the organization (colleagues, branches, departments): pickers of
# employees and the team pages need it, and it is what an internal directory shows anyway.
ORG_LOOKUPS = _perms("org", ["view"], ORG_MODELS)
# The values contacts are classified by; only roles that see contacts need them.
MASTER_LOOKUPS = _perms("contacts", ["view"], MASTER_MODELS)
CONTACT_READ = (
    "contacts.view_contact",
    "contacts.view_lifecyclechange",
    *_perms("contacts", ["view"], CONTACT_PARTS),
)
CONTACT_EDIT = (
    *CONTACT_READ,
    "contacts.change_contact",
    *_perms("contacts", ["add", "change", "delete"], CONTACT_PARTS),
)
CONTACT_WRITE = (*CONTACT_EDIT, "contacts.add_contact")
CONTACT_MANAGE = (
    *CONTACT_WRITE,
    "contacts.export_contact",
    "contacts.assign_contact",
    "contacts.import_contact",
    "contacts.view_commission",
    *_perms("contacts", ["view", "add", "change"], ["importjob"]),
    # Managers keep the sales link values; contact types stay with administrators.
    *_perms("contacts", ["add", "change"], [m for m in MASTER_MODELS if m != "contacttype"]),
)
CONTACT_VIEWER = (*ORG_LOOKUPS, *MASTER_LOOKUPS, *CONTACT_READ)

# --- the default record rules --------------------------------------------------------------------

CONTACT_ACTIONS = ("view", "change", "delete", "export", "assign")


@dataclass(frozen=True)
class RuleSpec:
    """A default record rule over contacts.

    A condition names its values either as record ids (`values`) or, for master data that every
    company holds under fixed codes (the built-in contact types), as `codes`, looked up in each
    company when its rules are made.
    """

    name: str
    actions: tuple[str, ...]
    all_records: bool = False
    conditions: tuple[dict, ...] = ()


CUSTOMER_TYPE = {"field": "contact_type", "operator": "in", "codes": ("customer",)}
MY_BRANCH = {"field": "branch", "operator": "is_my_branch"}
ALL_CONTACTS = RuleSpec("All contacts", CONTACT_ACTIONS, all_records=True)
BRANCH_CUSTOMERS = RuleSpec(
    "Customers of my branch", ("view",), conditions=(MY_BRANCH, CUSTOMER_TYPE)
)

# --- what a role comes to, as the user guide states it -------------------------------------------

# Which contacts a role reaches (the "Sees" column).
SCOPE_ALL = "all"
SCOPE_TEAM = "team"
SCOPE_OWN = "own"
SCOPE_COORDINATED = "coordinated"
SCOPE_CUSTOMERS_DEALERS = "customers_dealers"
SCOPE_BRANCH_CUSTOMERS = "branch_customers"
SCOPE_NONE = "none"
SCOPE_LABELS = {
    SCOPE_ALL: _("all contacts of the company"),
    SCOPE_TEAM: _("contacts their reports-to team represents or coordinates"),
    SCOPE_OWN: _("contacts they represent"),
    SCOPE_COORDINATED: _("contacts they coordinate or whose representative they serve"),
    SCOPE_CUSTOMERS_DEALERS: _("customers, dealers and agents of the company"),
    SCOPE_BRANCH_CUSTOMERS: _("customers of their branch"),
    SCOPE_NONE: _("none"),
}
# To whom a role may re-assign the contacts it may assign (the "Assign" column).
ASSIGN_COMPANY = "company"
ASSIGN_TEAM = "team"
ASSIGN_NONE = ""
ASSIGN_LABELS = {
    ASSIGN_COMPANY: _("to anyone in the company"),
    ASSIGN_TEAM: _("within their team"),
    ASSIGN_NONE: _("no"),
}


@dataclass(frozen=True)
class ContactRights:
    """What a role may do with contacts: one row of the user guide's table."""

    scope: str = SCOPE_NONE
    add: bool = False
    change: bool = False
    delete: bool = False
    export: bool = False
    imports: bool = False
    assign: str = ASSIGN_NONE
    commission: bool = False


# --- the table -----------------------------------------------------------------------------------

ANY = "*"  # any department kind, or any job role, in `DefaultRole.given_to`
# An employee without a department holds the roles of their job in sales (job roles such as
# representative and coordinator are sales jobs unless a department says otherwise).
NO_DEPARTMENT = Dept.SALES
STAFF_JOBS = (Job.SUPERVISOR, Job.REPRESENTATIVE, Job.COORDINATOR)


@dataclass(frozen=True)
class DefaultRole:
    """One default role: who receives it, what it holds, and what that comes to."""

    name: str
    label: Promise
    # (department kind, job role) pairs whose holders receive the role; ANY matches any.
    given_to: tuple[tuple[str, str], ...]
    permissions: tuple[str, ...] = ()
    # Every permission of these apps ("app") or models ("app.model") on top of `permissions`.
    all_permissions_of: tuple[str, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    contacts: ContactRights = ContactRights()


def _staff(kind: str) -> tuple[tuple[str, str], ...]:
    return tuple((kind, job) for job in STAFF_JOBS)


# Departments whose work needs no contacts yet: manager and staff see the organization only,
# until their modules give them a reason.
_NO_CONTACTS = [
    (
        Dept.WAREHOUSE,
        WAREHOUSE_MANAGER,
        _("Warehouse manager"),
        WAREHOUSE_STAFF,
        _("Warehouse staff"),
    ),
    (Dept.QC, QC_MANAGER, _("Quality control manager"), QC_STAFF, _("Quality control staff")),
    (Dept.RND, RND_MANAGER, _("R&D manager"), RND_STAFF, _("R&D staff")),
    (Dept.HR, HR_MANAGER, _("HR manager"), HR_STAFF, _("HR staff")),
]
# Departments that serve customers after the sale: they look customers of their branch up.
_BRANCH_CUSTOMERS = [
    (
        Dept.CUSTOMER_SERVICE,
        CUSTOMER_SERVICE_MANAGER,
        _("Customer service manager"),
        CUSTOMER_SERVICE_STAFF,
        _("Customer service staff"),
    ),
    (
        Dept.COLLECTION,
        COLLECTION_MANAGER,
        _("Collection manager"),
        COLLECTION_STAFF,
        _("Collection staff"),
    ),
    (
        Dept.MAINTENANCE,
        MAINTENANCE_MANAGER,
        _("Maintenance manager"),
        MAINTENANCE_STAFF,
        _("Maintenance staff"),
    ),
]
_BRANCH_CUSTOMER_RIGHTS = ContactRights(scope=SCOPE_BRANCH_CUSTOMERS)
_EVERYTHING = ContactRights(
    scope=SCOPE_ALL,
    add=True,
    change=True,
    delete=True,
    export=True,
    imports=True,
    assign=ASSIGN_COMPANY,
    commission=True,
)

DEFAULT_ROLES: tuple[DefaultRole, ...] = (
    DefaultRole(
        ADMINISTRATOR,
        _("Administrator"),
        given_to=((ANY, Job.ADMINISTRATOR),),
        all_permissions_of=(
            "core",
            "org",
            "access",
            "contacts",
            "portal",
            "auth.user",
            "auth.group",
            "auth.permission",
        ),
        rules=(ALL_CONTACTS,),
        contacts=_EVERYTHING,
    ),
    # Every business right; administering access (roles, rules, accounts) stays with
    # administrators.
    DefaultRole(
        GENERAL_MANAGER,
        _("General manager"),
        given_to=((Dept.MANAGEMENT, Job.MANAGER),),
        permissions=("access.view_audit",),
        all_permissions_of=("org", "contacts"),
        rules=(RuleSpec("All contacts of the company", CONTACT_ACTIONS, all_records=True),),
        contacts=_EVERYTHING,
    ),
    DefaultRole(
        SALES_MANAGER,
        _("Sales manager"),
        given_to=((Dept.SALES, Job.MANAGER),),
        permissions=(*ORG_LOOKUPS, *MASTER_LOOKUPS, *CONTACT_MANAGE),
        rules=(
            RuleSpec("All contacts of the company", ("view", "change", "export", "assign"), True),
        ),
        contacts=ContactRights(
            scope=SCOPE_ALL,
            add=True,
            change=True,
            export=True,
            imports=True,
            assign=ASSIGN_COMPANY,
            commission=True,
        ),
    ),
    DefaultRole(
        SUPERVISOR,
        _("Supervisor"),
        given_to=((Dept.SALES, Job.SUPERVISOR),),
        permissions=(*ORG_LOOKUPS, *MASTER_LOOKUPS, *CONTACT_WRITE, "contacts.assign_contact"),
        rules=(
            RuleSpec(
                "My team's contacts",
                ("view", "change", "assign"),
                conditions=({"field": "representative", "operator": "is_me_or_team"},),
            ),
            RuleSpec(
                "Contacts my team coordinates",
                ("view", "change"),
                conditions=({"field": "coordinator", "operator": "is_me_or_team"},),
            ),
        ),
        contacts=ContactRights(scope=SCOPE_TEAM, add=True, change=True, assign=ASSIGN_TEAM),
    ),
    DefaultRole(
        REPRESENTATIVE,
        _("Representative"),
        given_to=((Dept.SALES, Job.REPRESENTATIVE),),
        permissions=(*ORG_LOOKUPS, *MASTER_LOOKUPS, *CONTACT_WRITE),
        rules=(
            RuleSpec(
                "My contacts",
                ("view", "change"),
                conditions=({"field": "representative", "operator": "is_me"},),
            ),
        ),
        contacts=ContactRights(scope=SCOPE_OWN, add=True, change=True),
    ),
    DefaultRole(
        COORDINATOR,
        _("Coordinator"),
        given_to=((Dept.SALES, Job.COORDINATOR),),
        permissions=(*ORG_LOOKUPS, *MASTER_LOOKUPS, *CONTACT_EDIT),
        rules=(
            RuleSpec(
                "Contacts I coordinate",
                ("view", "change"),
                conditions=({"field": "coordinator", "operator": "is_me"},),
            ),
            RuleSpec(
                "Contacts of the representatives I serve",
                ("view", "change"),
                conditions=({"field": "representative", "operator": "coordinated_by_me"},),
            ),
        ),
        contacts=ContactRights(scope=SCOPE_COORDINATED, change=True),
    ),
    *(
        role
        for kind, manager, manager_label, staff, staff_label in _BRANCH_CUSTOMERS
        for role in (
            DefaultRole(
                manager,
                manager_label,
                given_to=((kind, Job.MANAGER),),
                permissions=CONTACT_VIEWER,
                rules=(BRANCH_CUSTOMERS,),
                contacts=_BRANCH_CUSTOMER_RIGHTS,
            ),
            DefaultRole(
                staff,
                staff_label,
                given_to=_staff(kind),
                permissions=CONTACT_VIEWER,
                rules=(BRANCH_CUSTOMERS,),
                contacts=_BRANCH_CUSTOMER_RIGHTS,
            ),
        )
    ),
    # Accounts settle with customers, dealers and agents: they see all of them, export them and
    # see the dealers' commission rates, but change nothing.
    DefaultRole(
        ACCOUNTS_MANAGER,
        _("Accounts manager"),
        given_to=((Dept.ACCOUNTS, Job.MANAGER),),
        permissions=(*CONTACT_VIEWER, "contacts.export_contact", "contacts.view_commission"),
        rules=(
            RuleSpec(
                "Customers, dealers and agents of the company",
                ("view", "export"),
                conditions=(
                    {
                        "field": "contact_type",
                        "operator": "in",
                        "codes": ("customer", "dealer", "agent"),
                    },
                ),
            ),
        ),
        contacts=ContactRights(scope=SCOPE_CUSTOMERS_DEALERS, export=True, commission=True),
    ),
    DefaultRole(
        ACCOUNTS_STAFF,
        _("Accounts staff"),
        given_to=_staff(Dept.ACCOUNTS),
        permissions=CONTACT_VIEWER,
        rules=(BRANCH_CUSTOMERS,),
        contacts=_BRANCH_CUSTOMER_RIGHTS,
    ),
    DefaultRole(
        CASHIER,
        _("Cashier"),
        given_to=((ANY, Job.CASHIER),),
        permissions=CONTACT_VIEWER,
        rules=(BRANCH_CUSTOMERS,),
        contacts=_BRANCH_CUSTOMER_RIGHTS,
    ),
    *(
        role
        for kind, manager, manager_label, staff, staff_label in _NO_CONTACTS
        for role in (
            DefaultRole(manager, manager_label, ((kind, Job.MANAGER),), ORG_LOOKUPS),
            DefaultRole(staff, staff_label, _staff(kind), ORG_LOOKUPS),
        )
    ),
    DefaultRole(
        WAREHOUSE_KEEPER, _("Warehouse keeper"), ((ANY, Job.WAREHOUSE_KEEPER),), ORG_LOOKUPS
    ),
    DefaultRole(CUSTODIAN, _("Custodian"), ((ANY, Job.CUSTODIAN),), ORG_LOOKUPS),
    DefaultRole(TECHNICIAN, _("Technician"), ((ANY, Job.TECHNICIAN),), ORG_LOOKUPS),
    DefaultRole(MANAGEMENT_STAFF, _("Management staff"), _staff(Dept.MANAGEMENT), ORG_LOOKUPS),
    DefaultRole(STAFF, _("Staff"), ((Dept.OTHER, ANY),), ORG_LOOKUPS),
    # The portal grants its external users their own records through portal accounts.
    DefaultRole(PORTAL_CUSTOMER, _("Portal customer"), ()),
    DefaultRole(PORTAL_DEALER, _("Portal dealer"), ()),
    DefaultRole(PORTAL_AGENT, _("Portal agent"), ()),
)
DEFAULT_ROLE_BY_NAME = {role.name: role for role in DEFAULT_ROLES}
ROLE_LABELS = {role.name: role.label for role in DEFAULT_ROLES}
_GIVEN_TO = {pair: role.name for role in DEFAULT_ROLES for pair in role.given_to}


def role_label(name: str) -> str:
    """The translated label of a default role, or the group name of any other group."""
    return str(ROLE_LABELS.get(name, name))


def default_roles_for(department_kind: str | None, job_roles: Iterable[str]) -> list[str]:
    """The default roles of an employee of this department kind holding these job roles.

    Per job role, the most specific entry wins: this department and job, then any department
    and this job, then this department and any job, then "Staff".
    """
    kind = department_kind or NO_DEPARTMENT
    names: list[str] = []
    for job in job_roles:
        name = (
            _GIVEN_TO.get((kind, job))
            or _GIVEN_TO.get((ANY, job))
            or _GIVEN_TO.get((kind, ANY))
            or STAFF
        )
        if name not in names:
            names.append(name)
    return names


def employee_default_roles(employee) -> list[str]:
    """The default roles the employee's department and job roles call for."""
    kind = employee.department.kind if employee.department_id else None
    return default_roles_for(kind, [role.code for role in employee.roles.all()])


# --- making them ---------------------------------------------------------------------------------


def _all_permissions_of(labels: Iterable[str]) -> Q:
    condition = Q(pk__in=[])
    for label in labels:
        app_label, _dot, model = label.partition(".")
        if model:
            condition |= Q(content_type__app_label=app_label, content_type__model=model)
        else:
            condition |= Q(content_type__app_label=app_label)
    return condition


def _lookup(dotted: set[tuple[str, str]]) -> dict[tuple[str, str], Permission]:
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _code in dotted},
        codename__in={code for _app, code in dotted},
    ).select_related("content_type")
    return {(p.content_type.app_label, p.codename): p for p in found}


def _resolve(codes: set[str]) -> dict[str, Permission]:
    """Permission rows by dotted name; creates missing rows (before post_migrate has run)."""
    dotted = {tuple(code.split(".", 1)) for code in codes}
    by_key = _lookup(dotted)
    if dotted - by_key.keys():
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        by_key = _lookup(dotted)
    missing = dotted - by_key.keys()
    if missing:
        names = ", ".join(sorted(f"{app}.{code}" for app, code in missing))
        raise LookupError(f"Unknown permissions in the default roles: {names}")
    return {f"{app}.{code}": perm for (app, code), perm in by_key.items()}


def role_permissions(role: DefaultRole, resolved: dict[str, Permission]) -> list[Permission]:
    """The permission rows `role` holds by its definition."""
    held = {resolved[code].pk: resolved[code] for code in role.permissions}
    if role.all_permissions_of:
        for permission in Permission.objects.filter(_all_permissions_of(role.all_permissions_of)):
            held.setdefault(permission.pk, permission)
    return list(held.values())


@transaction.atomic
def ensure_default_roles(*, reset: bool = True) -> dict[str, Group]:
    """Create the default role groups, or bring their permissions back to the definition.

    With `reset=False` (every migrate) only missing roles are created, so an administrator's
    changes to a default role survive upgrades.
    """
    resolved = _resolve({code for role in DEFAULT_ROLES for code in role.permissions})
    groups: dict[str, Group] = {}
    for role in DEFAULT_ROLES:
        group, created = Group.objects.get_or_create(name=role.name)
        if created or reset:
            group.permissions.set(role_permissions(role, resolved))
        groups[role.name] = group
    return groups


# --- the user guide's table ----------------------------------------------------------------------


def _given_to_text(role: DefaultRole) -> str:
    by_kind: dict[str, list[str]] = {}
    for kind, job in role.given_to:
        by_kind.setdefault(kind, []).append(job)
    parts = []
    for kind, jobs in by_kind.items():
        where = str(_("any department")) if kind == ANY else str(Dept(kind).label)
        if ANY in jobs:
            parts.append(str(_("%(department)s: everyone") % {"department": where}))
            continue
        names = ", ".join(str(Job(job).label).lower() for job in jobs)
        parts.append(f"{where}: {names}")
    return "; ".join(parts)


def contact_rights_table() -> list[list[str]]:
    """The user guide's table of default roles (header first), in the active language."""
    yes, no = str(_("yes")), str(_("no"))
    header = [
        _("Role"),
        _("Given to"),
        _("Sees"),
        _("Add"),
        _("Change"),
        _("Delete"),
        _("Export"),
        _("Import"),
        _("Assign"),
        _("Commission"),
    ]
    rows = [[str(cell) for cell in header]]
    for role in DEFAULT_ROLES:
        if role.name in PORTAL_ROLES:
            continue
        rights = role.contacts
        rows.append(
            [
                str(role.label),
                _given_to_text(role),
                str(SCOPE_LABELS[rights.scope]),
                *(
                    yes if flag else no
                    for flag in (rights.add, rights.change, rights.delete, rights.export)
                ),
                yes if rights.imports else no,
                str(ASSIGN_LABELS[rights.assign]),
                yes if rights.commission else no,
            ]
        )
    return rows


def contact_rights_markdown() -> str:
    """`contact_rights_table` as the Markdown table docs/user/access.md holds."""
    rows = contact_rights_table()
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)
