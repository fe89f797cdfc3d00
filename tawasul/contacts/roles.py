"""The contacts module's part of the default roles: permissions, record rules and rights.

The roles themselves (names, who receives them, the organization every member of staff sees)
are the access app's table (`tawasul.access.roles`); `register` gives each role what it holds
over contacts, and `ContactRights` says what that comes to: the user guide's table, which
`tawasul/access/tests/test_default_roles.py` checks role by role against real behaviour.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from tawasul.access import roles as access_roles
from tawasul.access.roles import (
    ACCOUNTS_MANAGER,
    ACCOUNTS_STAFF,
    ADMINISTRATOR,
    CASHIER,
    COLLECTION_MANAGER,
    COLLECTION_STAFF,
    COORDINATOR,
    CUSTOMER_SERVICE_MANAGER,
    CUSTOMER_SERVICE_STAFF,
    GENERAL_MANAGER,
    MAINTENANCE_MANAGER,
    MAINTENANCE_STAFF,
    REPRESENTATIVE,
    SALES_MANAGER,
    SUPERVISOR,
    RuleSpec,
)

CONTACT = "contacts.contact"  # the model the default rules govern

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
# Records that live inside a contact; editing a contact adds, changes and removes them.
CONTACT_PARTS = ("contactperson", "address", "phone", "email", "dealerprofile")


def _perms(actions: Iterable[str], models: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"contacts.{action}_{model}" for model in models for action in actions)


# The values contacts are classified by; only roles that see contacts need them.
MASTER_LOOKUPS = _perms(["view"], MASTER_MODELS)
CONTACT_READ = (
    "contacts.view_contact",
    "contacts.view_lifecyclechange",
    *_perms(["view"], CONTACT_PARTS),
)
CONTACT_EDIT = (
    *CONTACT_READ,
    "contacts.change_contact",
    *_perms(["add", "change", "delete"], CONTACT_PARTS),
)
CONTACT_WRITE = (*CONTACT_EDIT, "contacts.add_contact")
CONTACT_MANAGE = (
    *CONTACT_WRITE,
    "contacts.export_contact",
    "contacts.assign_contact",
    "contacts.import_contact",
    "contacts.view_commission",
    *_perms(["view", "add", "change"], ["importjob"]),
    # Managers keep the sales link values; contact types stay with administrators.
    *_perms(["add", "change"], [m for m in MASTER_MODELS if m != "contacttype"]),
)
# What a role that looks contacts up holds (the organization comes with every staff role).
CONTACT_VIEWER = (*MASTER_LOOKUPS, *CONTACT_READ)

# --- the default record rules --------------------------------------------------------------------

CONTACT_ACTIONS = ("view", "change", "delete", "export", "assign")


def rule(name: str, actions, all_records: bool = False, conditions=()) -> RuleSpec:
    """A default record rule over contacts."""
    return RuleSpec(name, tuple(actions), all_records, tuple(conditions), model=CONTACT)


CUSTOMER_TYPE = {"field": "contact_type", "operator": "in", "codes": ("customer",)}
MY_BRANCH = {"field": "branch", "operator": "is_my_branch"}
ALL_CONTACTS = rule(gettext_noop("All contacts"), CONTACT_ACTIONS, all_records=True)
BRANCH_CUSTOMERS = rule(
    gettext_noop("Customers of my branch"), ("view",), conditions=(MY_BRANCH, CUSTOMER_TYPE)
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
    """What a role may do with contacts: one row of the user guide's table (`role.contacts`)."""

    scope: str = SCOPE_NONE
    add: bool = False
    change: bool = False
    delete: bool = False
    export: bool = False
    imports: bool = False
    assign: str = ASSIGN_NONE
    commission: bool = False


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

# --- the table: what each default role holds over contacts -------------------------------------

# role -> (permissions, "every permission of", rules, rights)
PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[RuleSpec, ...], ContactRights]] = {
    ADMINISTRATOR: ((), (), (ALL_CONTACTS,), _EVERYTHING),
    GENERAL_MANAGER: (
        (),
        ("contacts",),
        (rule(gettext_noop("All contacts of the company"), CONTACT_ACTIONS, all_records=True),),
        _EVERYTHING,
    ),
    SALES_MANAGER: (
        (*MASTER_LOOKUPS, *CONTACT_MANAGE),
        (),
        (
            rule(
                gettext_noop("All contacts of the company"),
                ("view", "change", "export", "assign"),
                True,
            ),
        ),
        ContactRights(
            scope=SCOPE_ALL,
            add=True,
            change=True,
            export=True,
            imports=True,
            assign=ASSIGN_COMPANY,
            commission=True,
        ),
    ),
    SUPERVISOR: (
        (*MASTER_LOOKUPS, *CONTACT_WRITE, "contacts.assign_contact"),
        (),
        (
            rule(
                gettext_noop("My team's contacts"),
                ("view", "change", "assign"),
                conditions=({"field": "representative", "operator": "is_me_or_team"},),
            ),
            rule(
                gettext_noop("Contacts my team coordinates"),
                ("view", "change"),
                conditions=({"field": "coordinator", "operator": "is_me_or_team"},),
            ),
        ),
        ContactRights(scope=SCOPE_TEAM, add=True, change=True, assign=ASSIGN_TEAM),
    ),
    REPRESENTATIVE: (
        (*MASTER_LOOKUPS, *CONTACT_WRITE),
        (),
        (
            rule(
                gettext_noop("My contacts"),
                ("view", "change"),
                conditions=({"field": "representative", "operator": "is_me"},),
            ),
        ),
        ContactRights(scope=SCOPE_OWN, add=True, change=True),
    ),
    COORDINATOR: (
        (*MASTER_LOOKUPS, *CONTACT_EDIT),
        (),
        (
            rule(
                gettext_noop("Contacts I coordinate"),
                ("view", "change"),
                conditions=({"field": "coordinator", "operator": "is_me"},),
            ),
            rule(
                gettext_noop("Contacts of the representatives I serve"),
                ("view", "change"),
                conditions=({"field": "representative", "operator": "coordinated_by_me"},),
            ),
        ),
        ContactRights(scope=SCOPE_COORDINATED, change=True),
    ),
    # Departments that serve customers after the sale look customers of their branch up.
    **{
        name: (CONTACT_VIEWER, (), (BRANCH_CUSTOMERS,), _BRANCH_CUSTOMER_RIGHTS)
        for name in (
            CUSTOMER_SERVICE_MANAGER,
            CUSTOMER_SERVICE_STAFF,
            COLLECTION_MANAGER,
            COLLECTION_STAFF,
            MAINTENANCE_MANAGER,
            MAINTENANCE_STAFF,
        )
    },
    # Accounts settle with customers, dealers and agents: they see all of them, export them and
    # see the dealers' commission rates, but change nothing.
    ACCOUNTS_MANAGER: (
        (*CONTACT_VIEWER, "contacts.export_contact", "contacts.view_commission"),
        (),
        (
            rule(
                gettext_noop("Customers, dealers and agents of the company"),
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
        ContactRights(scope=SCOPE_CUSTOMERS_DEALERS, export=True, commission=True),
    ),
    ACCOUNTS_STAFF: (CONTACT_VIEWER, (), (BRANCH_CUSTOMERS,), _BRANCH_CUSTOMER_RIGHTS),
    CASHIER: (CONTACT_VIEWER, (), (BRANCH_CUSTOMERS,), _BRANCH_CUSTOMER_RIGHTS),
}


def register(registry) -> None:
    """Give the default roles their part over contacts (`core.registry.Registry.role_part`)."""
    registry.role_rights("contacts", ContactRights(), names_from=__name__)
    for role, (permissions, all_of, rules, rights) in PARTS.items():
        registry.role_part(
            role,
            permissions=permissions,
            all_permissions_of=all_of,
            rules=rules,
            rights={"contacts": rights},
        )


# --- the user guide's table ----------------------------------------------------------------------


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
    for role in access_roles.default_roles():
        if role.name in access_roles.PORTAL_ROLES:
            continue
        rights = role.contacts
        rows.append(
            [
                str(role.label),
                access_roles.given_to_text(role),
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
