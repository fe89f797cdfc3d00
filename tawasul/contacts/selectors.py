"""Reads of contacts, always starting from the access-scoped queryset."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tawasul.access.links import Visibility, mask_links
from tawasul.access.querysets import action_permission, get_restricted_or_404
from tawasul.access.registry import governed
from tawasul.access.rules import link_values_q
from tawasul.core.pagination import capped_count
from tawasul.core.search import ranked_sort, text_filter
from tawasul.core.timeline import Change, event_source, history_source
from tawasul.org.models import Employee

from .links import SINGLE_LINKS
from .models import Address, Contact, ContactPerson, DealerProfile, Email, LifecycleChange, Phone

# The names a search ranks its matches by (an exact name first; see core.search.text_filter).
RANKED_NAMES = ("name_normalized", "name_ar_normalized")
# Every record a contact links to by a single-valued link field (`links.LINK_FIELDS`), joined
# wherever a whole contact is shown (its page, the export).
LINK_RELATED = SINGLE_LINKS
LIST_RELATED = ("contact_type", "category", "area", "representative", "branch")


def contact_list(*, user, action: str = "view") -> QuerySet[Contact]:
    """Contacts the user may see, with what list rows show joined in."""
    return Contact.objects.restrict(user, action).select_related(*LIST_RELATED)


def contact_search(*, user, query: str) -> QuerySet[Contact]:
    """Contacts the user may see that match `query`, best matches first (see `text_filter`)."""
    found = text_filter(contact_list(user=user), query, rank_by=RANKED_NAMES)
    return found.select_related("contact_type").order_by(ranked_sort(found, "name"), "pk")


def contact_dashboard_counts(*, user) -> dict:
    """Counts for the home widget: my contacts by lifecycle, capped so they never scan far."""
    employee = getattr(user, "employee", None)
    mine = contact_list(user=user)
    if employee is not None:
        mine = mine.filter(representative=employee)
    total, more = capped_count(mine)
    counts = {"my_count": total, "my_count_more": more, "team_count": None}
    team = employee.subordinates().values("pk") if employee is not None else None
    if team is not None and team.exists():
        # Managers also see what their team (any depth) represents, among what they may see.
        theirs = contact_list(user=user).filter(representative__in=team)
        counts["team_count"], counts["team_count_more"] = capped_count(theirs)
    return counts


def contact_detail(*, user, pk: int) -> Contact:
    """One contact with everything its page shows, or 404 alike for missing and forbidden."""
    queryset = Contact.objects.select_related(
        *LINK_RELATED, "dealer_profile", "created_by"
    ).prefetch_related(
        "product_groups",
        "persons__phones",
        "persons__emails",
        "addresses__area",
        "phones",
        "emails",
        "dealer_profile__territories",
    )
    contact = get_restricted_or_404(queryset, user, "view", pk=pk)
    return contact_mask_links(user=user, contacts=[contact], children=True)[0]


def contact_mask_links(*, user, contacts, fields=None, children: bool = False) -> list[Contact]:
    """Loaded contacts with every linked record the user may not view shown as "(not visible
    to you)" (see `tawasul.access.links`); with `children`, also their addresses' areas and
    dealers' territories (when loaded)."""
    visibility = Visibility(user)
    contacts = mask_links(user, contacts, fields=fields, visibility=visibility)
    if children:
        addresses = [a for c in contacts for a in c.addresses.all()]
        mask_links(user, addresses, fields=["area"], visibility=visibility)
        profiles = [c.dealer_profile for c in contacts if _loaded_profile(c)]
        mask_links(user, profiles, fields=["territories"], visibility=visibility)
    return contacts


def _loaded_profile(contact: Contact) -> bool:
    try:
        return contact.dealer_profile is not None
    except ObjectDoesNotExist:
        return False


def contact_served_customers(*, user, contact: Contact) -> QuerySet[Contact]:
    """Customers a dealer or agent serves, among those the user may see."""
    return contact_list(user=user).filter(dealer=contact).order_by("name", "pk")[:50]


def register_timeline(register_source) -> None:
    """A contact's timeline (`core.timeline`) holds, besides its own changes, those of its dealer
    terms, persons, addresses, phones and e-mails, and its lifecycle moves.

    `register_source(model_label, source)` is the registry's `timeline_source` (module.py)."""
    # Dealer terms are named by their kind only (their text is the contact's name).
    register_source(
        "contacts.Contact",
        history_source(
            DealerProfile, "contact", subject=lambda row: DealerProfile._meta.verbose_name
        ),
    )
    for model in (ContactPerson, Address, Phone, Email):
        register_source("contacts.Contact", history_source(model, "contact"))

    stage = Contact._meta.get_field("lifecycle")

    def lifecycle_move(row: LifecycleChange) -> dict:
        return {
            "title": _("Moved in the lifecycle"),
            "reason": row.reason,
            "changes": [
                Change(
                    field=stage.verbose_name,
                    old=row.get_from_stage_display() if row.from_stage else None,
                    new=row.get_to_stage_display(),
                )
            ],
        }

    register_source(
        "contacts.Contact",
        event_source(
            LifecycleChange,
            "contact",
            lifecycle_move,
            when="changed_at",
            who="changed_by",
            # The first stage is the contact's creation, which its history tells.
            condition=~Q(from_stage=""),
        ),
    )


def employee_assignable_list(*, user, field: str, action: str = "assign") -> QuerySet:
    """Active employees the user may put in a contact's `field` (representative, coordinator
    or manager) by `action`: "assign" for re-assigning existing contacts (the rule the
    services' assign check applies), "add" for a new contact. Nothing when the user holds no
    such right; pickers offer exactly these, so a choice is never refused only after submit."""
    visible = Employee.objects.restrict(user, "view").filter(is_active=True)
    if field not in ("representative", "coordinator", "manager"):
        return visible.none()
    if user.is_superuser:
        return visible
    if not user.has_perm(action_permission(Contact, action)):
        return visible.none()
    condition = link_values_q(user, governed(Contact), action, field)
    if condition is None:
        return visible.none()
    return visible.filter(condition)
