"""Reads of contacts, always starting from the access-scoped queryset."""

from django.db.models import QuerySet

from tawasul.core.pagination import capped_count
from tawasul.core.search import ranked_sort, text_filter

from .models import Contact, DealerProfile

# The names a search ranks its matches by (an exact name first; see core.search.text_filter).
RANKED_NAMES = ("name_normalized", "name_ar_normalized")
# Every record a contact links to by a single-valued link field, derived from the model so that a
# new link field is joined wherever a whole contact is shown (its page, the export).
LINK_RELATED = tuple(
    f.name
    for f in Contact._meta.concrete_fields
    if f.many_to_one and f.name not in ("company", "created_by")
)
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
    from tawasul.access.querysets import get_restricted_or_404

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
    from tawasul.access.links import Visibility, mask_links

    visibility = Visibility(user)
    contacts = mask_links(user, contacts, fields=fields, visibility=visibility)
    if children:
        addresses = [a for c in contacts for a in c.addresses.all()]
        mask_links(user, addresses, fields=["area"], visibility=visibility)
        profiles = [c.dealer_profile for c in contacts if _loaded_profile(c)]
        mask_links(user, profiles, fields=["territories"], visibility=visibility)
    return contacts


def _loaded_profile(contact: Contact) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return contact.dealer_profile is not None
    except ObjectDoesNotExist:
        return False


def contact_served_customers(*, user, contact: Contact) -> QuerySet[Contact]:
    """Customers a dealer or agent serves, among those the user may see."""
    return contact_list(user=user).filter(dealer=contact).order_by("name", "pk")[:50]


HISTORY_LIMIT = 50


def _change_rows(model, changes, labels: dict) -> list[dict]:
    """History changes as rows of field, before and after: links by their (access-checked)
    labels, choices by their display names."""
    rows = []
    for change in changes:
        field = model._meta.get_field(change.field)
        old, new = change.old, change.new
        if field.is_relation and field.many_to_one:
            old = labels.get((field.related_model, old), old)
            new = labels.get((field.related_model, new), new)
        elif field.choices:
            display = dict(field.choices)
            old, new = display.get(old, old), display.get(new, new)
        rows.append({"field": field.verbose_name, "old": old, "new": new})
    return rows


def contact_history(*, user, contact: Contact) -> list[dict]:
    """The contact's change history, newest first: who, when, and each field's before and after.

    Linked records are named only if `user` may view them today (`access.links.history_labels`).

    Changes to persons, addresses, phones and e-mails are merged into the same timeline.
    """
    from tawasul.access.links import history_labels

    from .models import Address, ContactPerson, Email, Phone

    entries = []
    records = list(
        contact.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_LIMIT + 1
        ]
    )
    # Each record is compared with the one before it; the oldest has nothing to compare with.
    # (Contacts loaded in bulk may have no history rows at all.)
    previous_records = [*records[1:], None] if records else []
    pairs = list(zip(records, previous_records, strict=True))[:HISTORY_LIMIT]
    all_changes = []
    for record, previous in pairs:
        if previous is None:
            all_changes.append((record, []))
            continue
        delta = record.diff_against(previous, foreign_keys_are_objs=False)
        all_changes.append((record, delta.changes))
    labels = history_labels(user, Contact, [c for _, changes in all_changes for c in changes])
    for record, changes in all_changes:
        rows = _change_rows(Contact, changes, labels)
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "kind": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "subject": None,
                "reason": record.history_change_reason,
                "changes": rows,
            }
        )
    for model in (DealerProfile, ContactPerson, Address, Phone, Email):
        entries.extend(_child_history(user, model, contact))
    # A save that changed nothing (before saves were skipped) is no event worth showing.
    entries = [e for e in entries if e["kind"] != "changed" or e["changes"] or e["reason"]]
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:HISTORY_LIMIT]


def _child_history(user, model, contact: Contact) -> list[dict]:
    """History entries of one kind of a contact's child records (dealer terms, persons,
    addresses, phones, e-mails), each change with its field, before and after."""
    from tawasul.access.links import history_labels

    records = list(
        model.history.filter(contact_id=contact.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    # Each change is compared with the same record's version before it: found among the rows
    # read, else read with one more query for all the records whose earlier version is older.
    previous: dict[int, object] = {}
    latest_older: dict[int, object] = {}
    for record in reversed(records):
        previous[record.history_id] = latest_older.get(record.id)
        latest_older[record.id] = record
    missing = {r.id for r in records if r.history_type == "~" and previous[r.history_id] is None}
    if missing:
        read = {r.history_id for r in records}
        older: dict[int, list] = {}
        for row in (
            model.history.filter(id__in=missing)
            .exclude(history_id__in=read)
            .order_by("-history_date", "-history_id")
        ):
            older.setdefault(row.id, []).append(row)
        for record in records:
            if record.history_type == "~" and previous[record.history_id] is None:
                previous[record.history_id] = next(
                    (
                        row
                        for row in older.get(record.id, [])
                        if (row.history_date, row.history_id)
                        < (record.history_date, record.history_id)
                    ),
                    None,
                )
    deltas = {}
    for record in records:
        before = previous[record.history_id]
        if record.history_type == "~" and before is not None:
            deltas[record.history_id] = record.diff_against(
                before, excluded_fields=["contact"], foreign_keys_are_objs=False
            ).changes
    labels = history_labels(user, model, [c for changes in deltas.values() for c in changes])
    entries = []
    for record in records:
        rows = _change_rows(model, deltas.get(record.history_id, []), labels)
        # Dealer terms are named by their contact; the others by their own text.
        subject = (
            model._meta.verbose_name
            if model is DealerProfile
            else f"{model._meta.verbose_name}: {record.instance}"
        )
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "kind": {"+": "added", "~": "changed", "-": "removed"}[record.history_type],
                "subject": subject,
                "reason": record.history_change_reason,
                "changes": rows,
            }
        )
    return entries


def employee_assignable_list(*, user, field: str, action: str = "assign") -> QuerySet:
    """Active employees the user may put in a contact's `field` (representative, coordinator
    or manager) by `action`: "assign" for re-assigning existing contacts (the rule the
    services' assign check applies), "add" for a new contact. Nothing when the user holds no
    such right; pickers offer exactly these, so a choice is never refused only after submit."""
    from tawasul.access.querysets import action_permission
    from tawasul.access.registry import governed
    from tawasul.access.rules import link_values_q
    from tawasul.org.models import Employee

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
