"""The default roles: one Django group per kind of user, holding the model permissions it needs.

Group names are the English role names below and stay stable, because code and data refer to
them; people see the translated label. Administrators may add their own groups; the default ones
are brought back to this definition by `ensure_default_roles` (the demo loader calls it).
"""

from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tawasul.org.choices import JobRoleCode

ADMINISTRATOR = "Administrator"
SALES_MANAGER = "Sales manager"
SUPERVISOR = "Supervisor"
REPRESENTATIVE = "Representative"
COORDINATOR = "Coordinator"
CUSTODIAN = "Custodian"
WAREHOUSE_KEEPER = "Warehouse keeper"
CASHIER = "Cashier"
TECHNICIAN = "Technician"
PORTAL_CUSTOMER = "Portal customer"
PORTAL_DEALER = "Portal dealer"
PORTAL_AGENT = "Portal agent"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    SALES_MANAGER: _("Sales manager"),
    SUPERVISOR: _("Supervisor"),
    REPRESENTATIVE: _("Representative"),
    COORDINATOR: _("Coordinator"),
    CUSTODIAN: _("Custodian"),
    WAREHOUSE_KEEPER: _("Warehouse keeper"),
    CASHIER: _("Cashier"),
    TECHNICIAN: _("Technician"),
    PORTAL_CUSTOMER: _("Portal customer"),
    PORTAL_DEALER: _("Portal dealer"),
    PORTAL_AGENT: _("Portal agent"),
}
PORTAL_ROLES = (PORTAL_CUSTOMER, PORTAL_DEALER, PORTAL_AGENT)

# The default role of an employee holding a job role (a manager of any department gets the
# manager's role set; record rules narrow it to what the department handles).
JOB_ROLE_GROUPS = {
    JobRoleCode.ADMINISTRATOR: ADMINISTRATOR,
    JobRoleCode.MANAGER: SALES_MANAGER,
    JobRoleCode.SUPERVISOR: SUPERVISOR,
    JobRoleCode.REPRESENTATIVE: REPRESENTATIVE,
    JobRoleCode.COORDINATOR: COORDINATOR,
    JobRoleCode.CUSTODIAN: CUSTODIAN,
    JobRoleCode.WAREHOUSE_KEEPER: WAREHOUSE_KEEPER,
    JobRoleCode.CASHIER: CASHIER,
    JobRoleCode.TECHNICIAN: TECHNICIAN,
}

# Apps whose every permission the administrator holds, and the auth models it manages.
ADMIN_APPS = ("core", "org", "access", "contacts", "portal")
ADMIN_AUTH_MODELS = ("user", "group", "permission")

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
ORG_MODELS = ("company", "branch", "department", "employee")
# Records that live inside a contact; editing a contact adds, changes and removes them.
CONTACT_PARTS = ("contactperson", "address", "phone", "email", "dealerprofile")


def _perms(app_label: str, actions: Iterable[str], models: Iterable[str]) -> list[str]:
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]


STAFF_LOOKUPS = [
    *_perms("contacts", ["view"], MASTER_MODELS),
    *_perms("org", ["view"], ORG_MODELS),
    "org.view_jobrole",
]
CONTACT_READ = [
    "contacts.view_contact",
    "contacts.view_lifecyclechange",
    *_perms("contacts", ["view"], CONTACT_PARTS),
]
CONTACT_WRITE = [
    *CONTACT_READ,
    "contacts.add_contact",
    "contacts.change_contact",
    *_perms("contacts", ["add", "change", "delete"], CONTACT_PARTS),
]
CONTACT_MANAGE = [
    *CONTACT_WRITE,
    "contacts.export_contact",
    "contacts.assign_contact",
    "contacts.import_contact",
    "contacts.view_commission",
    *_perms("contacts", ["view", "add", "change"], ["importjob"]),
    # Managers keep the sales link values; contact types stay with administrators.
    *_perms("contacts", ["add", "change"], [m for m in MASTER_MODELS if m != "contacttype"]),
]

# Permissions of every default role but the administrator's, which holds everything.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    SALES_MANAGER: [*STAFF_LOOKUPS, *CONTACT_MANAGE],
    SUPERVISOR: [*STAFF_LOOKUPS, *CONTACT_WRITE],
    REPRESENTATIVE: [*STAFF_LOOKUPS, *CONTACT_WRITE],
    COORDINATOR: [*STAFF_LOOKUPS, *CONTACT_WRITE],
    CUSTODIAN: [*STAFF_LOOKUPS, *CONTACT_READ],
    WAREHOUSE_KEEPER: [*STAFF_LOOKUPS, *CONTACT_READ],
    CASHIER: [*STAFF_LOOKUPS, *CONTACT_READ],
    TECHNICIAN: [*STAFF_LOOKUPS, *CONTACT_READ],
    # The portal grants its external users their own records through portal accounts.
    PORTAL_CUSTOMER: [],
    PORTAL_DEALER: [],
    PORTAL_AGENT: [],
}


def role_label(name: str) -> str:
    """The translated label of a default role, or the group name of any other group."""
    return str(ROLE_LABELS.get(name, name))


def _administrator_permissions() -> list[Permission]:
    condition = Q(content_type__app_label__in=ADMIN_APPS) | Q(
        content_type__app_label="auth", content_type__model__in=ADMIN_AUTH_MODELS
    )
    return list(Permission.objects.filter(condition))


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


@transaction.atomic
def ensure_default_roles(*, reset: bool = True) -> dict[str, Group]:
    """Create the default role groups, or bring their permissions back to the definition.

    With `reset=False` (every migrate) only missing roles are created, so an administrator's
    changes to a default role survive upgrades.
    """
    wanted = {code for codes in ROLE_PERMISSIONS.values() for code in codes}
    permissions = _resolve(wanted)
    groups: dict[str, Group] = {}
    for name in ROLE_LABELS:
        group, created = Group.objects.get_or_create(name=name)
        if not created and not reset:
            groups[name] = group
            continue
        if name == ADMINISTRATOR:
            group.permissions.set(_administrator_permissions())
        else:
            group.permissions.set([permissions[code] for code in ROLE_PERMISSIONS[name]])
        groups[name] = group
    return groups
