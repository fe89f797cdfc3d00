"""The default roles: one Django group per kind of user, in one declarative table.

`BASE_ROLES` says, for every default role, who receives it (department kind × job role) and
what comes with it whatever the modules add; each module gives roles its part in its
`module.py` (`registry.role_part`: model permissions, record rules over its models in every
company, and a summary of what that comes to, such as the contacts module's `ContactRights`,
the user guide's table, which `test_default_roles` checks role by role against real behaviour).
`default_roles()` (also `DEFAULT_ROLES`) puts them together; `ensure_default_roles` and
`default_rules.ensure_default_rules` read only that.

Group names are the English role names below and stay stable, because code and data refer to
them; people see the translated label. Administrators may add their own groups and adjust the
default ones; `ensure_default_roles` brings the default ones back to this definition (the demo
loader calls it).
"""

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tawasul.core.registry import get_registry
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

ORG_MODELS = ("company", "branch", "department", "employee", "jobrole")


def _perms(app_label: str, actions: Iterable[str], models: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"{app_label}.{action}_{model}" for model in models for action in actions)


# Every member of staff sees the organization (colleagues, branches, departments): pickers of
# employees and the team pages need it, and it is what an internal directory shows anyway.
ORG_LOOKUPS = _perms("org", ["view"], ORG_MODELS)


@dataclass(frozen=True)
class RuleSpec:
    """A default record rule over `model` ("app_label.modelname", a governed model).

    A condition names its values either as record ids (`values`) or, for master data that every
    company holds under fixed codes (such as built-in types), as `codes`, looked up in each
    company when its rules are made.
    """

    name: str
    actions: tuple[str, ...]
    all_records: bool = False
    conditions: tuple[dict, ...] = ()
    model: str = ""


# --- the table -----------------------------------------------------------------------------------

ANY = "*"  # any department kind, or any job role, in `DefaultRole.given_to`
# An employee without a department holds the roles of their job in sales (job roles such as
# representative and coordinator are sales jobs unless a department says otherwise).
NO_DEPARTMENT = Dept.SALES
STAFF_JOBS = (Job.SUPERVISOR, Job.REPRESENTATIVE, Job.COORDINATOR)


@dataclass(frozen=True)
class DefaultRole:
    """One default role: who receives it, what it holds, and what that comes to.

    `rights` holds each module's summary of what the role may do with its records, by the kind
    the module declared (`registry.role_rights`); `role.<kind>` reads it (`role.contacts`).
    """

    name: str
    label: Promise
    # (department kind, job role) pairs whose holders receive the role; ANY matches any.
    given_to: tuple[tuple[str, str], ...]
    permissions: tuple[str, ...] = ()
    # Every permission of these apps ("app") or models ("app.model") on top of `permissions`.
    all_permissions_of: tuple[str, ...] = ()
    rules: tuple[RuleSpec, ...] = ()
    rights: dict = field(default_factory=dict, compare=False)

    def __getattr__(self, name: str):
        rights = self.__dict__.get("rights") or {}
        if name in rights:
            return rights[name]
        raise AttributeError(name)


def _staff(kind: str) -> tuple[tuple[str, str], ...]:
    return tuple((kind, job) for job in STAFF_JOBS)


# Departments with a manager role and a staff role, each named and labelled.
_DEPARTMENT_ROLES = [
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
_LATER_DEPARTMENT_ROLES = [
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


def _department_roles(table) -> tuple[DefaultRole, ...]:
    return tuple(
        role
        for kind, manager, manager_label, staff, staff_label in table
        for role in (
            DefaultRole(manager, manager_label, ((kind, Job.MANAGER),), ORG_LOOKUPS),
            DefaultRole(staff, staff_label, _staff(kind), ORG_LOOKUPS),
        )
    )


# The roles as access knows them: who receives each, and what comes with every role whatever
# the modules add (the organization for staff; administering access for administrators). The
# modules give the roles their part in their module.py (`registry.role_part`), and
# `default_roles` puts the two together.
BASE_ROLES: tuple[DefaultRole, ...] = (
    # Every permission of every module; the module apps are added by `default_roles`.
    DefaultRole(
        ADMINISTRATOR,
        _("Administrator"),
        given_to=((ANY, Job.ADMINISTRATOR),),
        all_permissions_of=("core", "org", "access"),
    ),
    # Every business right; administering access (roles, rules, accounts) stays with
    # administrators.
    DefaultRole(
        GENERAL_MANAGER,
        _("General manager"),
        given_to=((Dept.MANAGEMENT, Job.MANAGER),),
        permissions=("access.view_audit",),
        all_permissions_of=("org",),
    ),
    DefaultRole(SALES_MANAGER, _("Sales manager"), ((Dept.SALES, Job.MANAGER),), ORG_LOOKUPS),
    DefaultRole(SUPERVISOR, _("Supervisor"), ((Dept.SALES, Job.SUPERVISOR),), ORG_LOOKUPS),
    DefaultRole(
        REPRESENTATIVE, _("Representative"), ((Dept.SALES, Job.REPRESENTATIVE),), ORG_LOOKUPS
    ),
    DefaultRole(COORDINATOR, _("Coordinator"), ((Dept.SALES, Job.COORDINATOR),), ORG_LOOKUPS),
    *_department_roles(_DEPARTMENT_ROLES),
    DefaultRole(
        ACCOUNTS_MANAGER, _("Accounts manager"), ((Dept.ACCOUNTS, Job.MANAGER),), ORG_LOOKUPS
    ),
    DefaultRole(ACCOUNTS_STAFF, _("Accounts staff"), _staff(Dept.ACCOUNTS), ORG_LOOKUPS),
    DefaultRole(CASHIER, _("Cashier"), ((ANY, Job.CASHIER),), ORG_LOOKUPS),
    *_department_roles(_LATER_DEPARTMENT_ROLES),
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
ROLE_LABELS = {role.name: role.label for role in BASE_ROLES}
_GIVEN_TO = {pair: role.name for role in BASE_ROLES for pair in role.given_to}
# Administrators administer accounts and roles, besides every module.
_ADMINISTRATOR_AUTH = ("auth.user", "auth.group", "auth.permission")


def _assemble() -> tuple[DefaultRole, ...]:
    registry = get_registry()
    parts: dict[str, list] = {}
    for part in registry.role_parts:
        if part.role not in ROLE_LABELS:
            raise LookupError(f"{part.app}: no default role {part.role!r}")
        parts.setdefault(part.role, []).append(part)
    modules = tuple(label for label in registry.modules if label not in ("core", "org", "access"))
    assembled = []
    for base in BASE_ROLES:
        permissions = list(base.permissions)
        all_of = list(base.all_permissions_of)
        rules = list(base.rules)
        rights = dict(registry.role_rights_defaults)
        if base.name == ADMINISTRATOR:
            all_of += [*modules, *_ADMINISTRATOR_AUTH]
        for part in parts.get(base.name, ()):
            permissions += part.permissions
            all_of += [label for label in part.all_permissions_of if label not in all_of]
            rules += part.rules
            rights.update(part.rights)
        assembled.append(
            replace(
                base,
                permissions=tuple(permissions),
                all_permissions_of=tuple(all_of),
                rules=tuple(rules),
                rights=rights,
            )
        )
    return tuple(assembled)


_ASSEMBLED: tuple[DefaultRole, ...] | None = None


def default_roles() -> tuple[DefaultRole, ...]:
    """Every default role with what each module gives it (`registry.role_part`), in the order of
    `BASE_ROLES`; a role's permissions, rules and rights come base first, then by module in
    layer order."""
    global _ASSEMBLED
    if _ASSEMBLED is None:
        _ASSEMBLED = _assemble()
    return _ASSEMBLED


def __getattr__(name: str):
    """`DEFAULT_ROLES` and `DEFAULT_ROLE_BY_NAME` (assembled on first use, after every module has
    registered), and the names of the modules' role vocabularies (`registry.role_rights`'s
    `names_from`), for code that imported them from here before they moved."""
    if name == "DEFAULT_ROLES":
        return default_roles()
    if name == "DEFAULT_ROLE_BY_NAME":
        return {role.name: role for role in default_roles()}
    if not name.startswith("__"):
        for dotted in get_registry().role_modules:
            module = importlib.import_module(dotted)
            if name in vars(module):
                return vars(module)[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    dotted = {(code.partition(".")[0], code.partition(".")[2]) for code in codes}
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
    roles = default_roles()
    resolved = _resolve({code for role in roles for code in role.permissions})
    groups: dict[str, Group] = {}
    for role in roles:
        group, created = Group.objects.get_or_create(name=role.name)
        if created or reset:
            group.permissions.set(role_permissions(role, resolved))
        groups[role.name] = group
    return groups


# --- the user guide's tables --------------------------------------------------------------------


def given_to_text(role: DefaultRole) -> str:
    """Who receives `role`, in the active language ("Sales: supervisor, representative")."""
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
