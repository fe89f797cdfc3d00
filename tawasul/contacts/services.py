"""Every write to contacts and their master data goes through these functions."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tawasul.access.querysets import verify_within
from tawasul.core import events
from tawasul.core.countries import country_code
from tawasul.core.documents import record_event, transition
from tawasul.core.errors import error_path, nest_error
from tawasul.core.history import stamp_history
from tawasul.core.services import sequence_next
from tawasul.core.text import joined_digits, normalize_name
from tawasul.org.models import Company, Employee

from .choices import DEALER_TYPE_CODES, LIFECYCLE_VERBS, Lifecycle
from .links import SINGLE_LINKS
from .models import (
    Address,
    Area,
    Contact,
    ContactCategory,
    ContactPerson,
    DealerProfile,
    Email,
    Phone,
    ProductGroup,
)
from .phones import phone_region, phone_search_forms, phone_to_e164

# A contact's single-valued links (`links.LINK_FIELDS`), checked to belong to its company.
COMPANY_LINKS = list(SINGLE_LINKS)
# A contact's own writable fields, in the order the API shows them (the API serializer uses
# this list too): plain facts, every company link, and the lifecycle.
CONTACT_FIELDS = [
    "code",
    "kind",
    "name",
    "name_ar",
    "tax_number",
    "website",
    "notes",
    *COMPANY_LINKS,
    "lifecycle",
    "rejection_reason",
]


events.declare("contact.created", "a contact was created (contact_id, actor_id)")
events.declare(
    "contact.lifecycle_changed",
    "a contact moved through the lifecycle (contact_id, actor_id, old, new)",
)
events.declare("contact.assigned", "contacts were re-assigned (contact_ids, actor_id, fields)")

# --- helpers -------------------------------------------------------------------------------


def _check_links(contact: Contact) -> None:
    if contact.contact_type_id is None:
        raise ValidationError({"contact_type": _("This field is required.")})
    errors: dict[str, str] = {}
    for name in COMPANY_LINKS:
        related = getattr(contact, name)
        if related is not None and related.company_id != contact.company_id:
            errors[name] = _("This value belongs to another company.")
    if contact.category_id and contact.category.contact_type_id != contact.contact_type_id:
        errors["category"] = _("This category belongs to another contact type.")
    if contact.dealer_id:
        if contact.dealer_id == contact.pk:
            errors["dealer"] = _("A contact cannot serve itself.")
        elif contact.dealer.contact_type.code not in DEALER_TYPE_CODES:
            errors["dealer"] = _("Choose a dealer or an agent.")
    if contact.referred_by_contact_id and contact.referred_by_contact_id == contact.pk:
        errors["referred_by_contact"] = _("A contact cannot refer itself.")
    if errors:
        raise ValidationError(errors)


def _check_visible_links(actor, contact: Contact, names) -> None:
    """A write may only link to contacts the actor can see (dealer, referring contact)."""
    if actor is None:
        return
    errors = {}
    for name in ("dealer", "referred_by_contact"):
        target = getattr(contact, f"{name}_id")
        if name in names and target is not None:
            if not Contact.objects.restrict(actor, "view").filter(pk=target).exists():
                errors[name] = _("Choose a contact you can see.")
    if errors:
        raise ValidationError(errors)


def _verify_access(actor, contact: Contact, action: str) -> None:
    """After a write, the contact must still be within the actor's rights, else roll back."""
    verify_within(actor, contact, action, _("You may not save this contact with these values."))


class SearchColumns(NamedTuple):
    """A contact's derived columns, in the model's order (the demo loader inserts them so)."""

    name_normalized: str
    name_ar_normalized: str
    search_text: str


def contact_search_columns(
    *,
    code: str,
    name: str,
    name_ar: str = "",
    tax_number: str = "",
    phones=(),
    emails=(),
    persons=(),
) -> SearchColumns:
    """The derived columns from a contact's values; phones in E.164, persons as `(name,
    name_ar)` pairs. The one definition of what a contact search and a duplicate check match;
    the service, the demo loader and the re-normalising migration all use it."""
    parts = [code, joined_digits(code), name, name_ar, tax_number, joined_digits(tax_number)]
    for number in phones:
        parts.extend(phone_search_forms(number))
    parts.extend(emails)
    parts.extend(n for pair in persons for n in pair)
    return SearchColumns(
        normalize_name(name),
        normalize_name(name_ar),
        normalize_name(" ".join(p for p in parts if p)),
    )


def contact_refresh_search(*, contact: Contact) -> None:
    """Rebuild the derived name and search columns from the contact and its children."""
    columns = contact_search_columns(
        code=contact.code,
        name=contact.name,
        name_ar=contact.name_ar,
        tax_number=contact.tax_number,
        phones=Phone.objects.filter(contact=contact).values_list("number", flat=True),
        emails=Email.objects.filter(contact=contact).values_list("address", flat=True),
        persons=ContactPerson.objects.filter(contact=contact).values_list("name", "name_ar"),
    )
    Contact.objects.filter(pk=contact.pk).update(**columns._asdict())
    for field, value in columns._asdict().items():
        setattr(contact, field, value)


def _clean_phone(raw: str, region: str, where: str) -> str:
    """`raw` in E.164; refused at the error path `where` (e.g. "phones.0.number")."""
    try:
        return phone_to_e164(raw, region)
    except ValidationError as exc:
        raise nest_error(exc, where)


def _clean_email(raw: str, where: str) -> str:
    value = (raw or "").strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError({where: _("“%(value)s” is not an e-mail address.") % {"value": raw}})
    return value


def _values(obj) -> dict[str, Any]:
    """A record's column values, to tell whether saving it would change anything."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _delete_child(obj, actor) -> None:
    stamp_history(obj, actor)
    obj.delete()


def _unknown_row(prefix: str, index: int) -> ValidationError:
    return ValidationError({error_path(prefix, index, "id"): _("Unknown id.")})


def _sync(
    model,
    contact: Contact,
    rows: list[dict[str, Any]] | None,
    build,
    actor=None,
    existing: dict[int, Any] | None = None,
    prefix: str = "",
) -> list:
    """Make `contact`'s children of `model` equal to `rows` (id: update, none: create); an
    unknown id is refused at `prefix.<row>.id`."""
    if rows is None:
        return list(model.objects.filter(contact=contact))
    if existing is None:
        existing = {obj.pk: obj for obj in model.objects.filter(contact=contact)}
    kept, seen = [], set()
    for index, row in enumerate(rows):
        row = dict(row)
        pk = row.pop("id", None)
        delete = row.pop("_delete", False)
        if pk is not None and pk not in existing:
            raise _unknown_row(prefix, index)
        if delete:
            continue
        obj = existing.get(pk) if pk is not None else model(contact=contact)
        seen.add(pk)
        kept.append(build(obj, row, index))
    for pk, obj in existing.items():
        if pk not in seen:
            _delete_child(obj, actor)
    return kept


def _save_child(obj, actor, fields: dict[str, Any], where: tuple[str, int]):
    """Validate and save one child row, only when a value really changed: simple-history writes
    a "Changed" row on every save, so an untouched phone or address must not be saved. Its
    errors are refused at its row (`where`: list name and index, e.g. `("persons", 0)`)."""
    before = _values(obj) if obj.pk else None
    for name, value in fields.items():
        setattr(obj, name, value)
    stamp_history(obj, actor)
    try:
        obj.full_clean(exclude=["contact", "person"])
    except ValidationError as exc:
        raise nest_error(exc, *where)
    if before is None or _values(obj) != before:
        obj.save()
    return obj


def _sync_person_values(model, field: str, *, actor, contact, person, values: list[str]) -> None:
    """Make a person's phones (or e-mails) equal to `values`, touching only what differs."""
    wanted = list(dict.fromkeys(values))
    for obj in model.objects.filter(person=person).order_by("pk"):
        value = getattr(obj, field)
        if value in wanted:
            wanted.remove(value)
        else:
            _delete_child(obj, actor)
    for value in wanted:
        obj = model(contact=contact, person=person, **{field: value})
        stamp_history(obj, actor)
        obj.save()


def _sync_children(
    *,
    actor,
    contact: Contact,
    persons: list[dict] | None,
    addresses: list[dict] | None,
    phones: list[dict] | None,
    emails: list[dict] | None,
) -> None:
    region = phone_region(contact.company)

    if persons is not None:
        persons = [dict(row) for row in persons]
        live = [row for row in persons if not row.get("_delete")]
        # One primary person: the first one marked, else the first one.
        first = next((i for i, row in enumerate(live) if row.get("is_primary")), 0)
        for i, row in enumerate(live):
            row["is_primary"] = i == first
        existing = {p.pk: p for p in ContactPerson.objects.filter(contact=contact)}
        primary_id = live[first].get("id") if live else None
        # The primary flag moves before any row is saved, so that the one-primary constraint
        # never sees two; the rows keep their old flag in memory, so the change is recorded.
        demoted = [pk for pk, p in existing.items() if p.is_primary and pk != primary_id]
        if demoted:
            ContactPerson.objects.filter(pk__in=demoted).update(is_primary=False)

        def build_person(obj, row, index):
            where = ("persons", index)
            person_phones = row.pop("phones", None)
            person_emails = row.pop("emails", None)
            if not (row.get("name") or "").strip():
                raise ValidationError(
                    {error_path(*where, "name"): _("A contact person needs a name.")}
                )
            person = _save_child(obj, actor, row, where)
            if person_phones is not None:
                numbers = [
                    _clean_phone(raw, region, error_path(*where, "phones"))
                    for raw in person_phones
                    if raw
                ]
                _sync_person_values(
                    Phone, "number", actor=actor, contact=contact, person=person, values=numbers
                )
            if person_emails is not None:
                addresses_ = [
                    _clean_email(raw, error_path(*where, "emails")) for raw in person_emails if raw
                ]
                _sync_person_values(
                    Email, "address", actor=actor, contact=contact, person=person, values=addresses_
                )
            return person

        _sync(ContactPerson, contact, persons, build_person, actor, existing, "persons")

    if addresses is not None:

        def build_address(obj, row, index):
            where = ("addresses", index)
            area = row.get("area")
            if area is not None and area.company_id != contact.company_id:
                raise ValidationError(
                    {error_path(*where, "area"): _("This area belongs to another company.")}
                )
            if "country" in row:
                try:
                    row["country"] = country_code(row["country"])
                except ValidationError as exc:
                    raise nest_error(exc, *where, "country")
            return _save_child(obj, actor, row, where)

        _sync(Address, contact, addresses, build_address, actor, prefix="addresses")

    if phones is not None:

        def build_phone(obj, row, index):
            where = ("phones", index)
            row["number"] = _clean_phone(
                row.get("number", ""), region, error_path(*where, "number")
            )
            return _save_child(obj, actor, row, where)

        # Contact-level phones only; persons' phones are synced with their person.
        existing_contact_level = Phone.objects.filter(contact=contact, person__isnull=True)
        _sync_subset(Phone, contact, existing_contact_level, phones, build_phone, actor, "phones")

    if emails is not None:

        def build_email(obj, row, index):
            where = ("emails", index)
            row["address"] = _clean_email(row.get("address", ""), error_path(*where, "address"))
            return _save_child(obj, actor, row, where)

        existing_contact_level = Email.objects.filter(contact=contact, person__isnull=True)
        _sync_subset(Email, contact, existing_contact_level, emails, build_email, actor, "emails")


def _sync_subset(model, contact, existing_qs, rows, build, actor=None, prefix: str = "") -> None:
    existing = {obj.pk: obj for obj in existing_qs}
    seen = set()
    for index, row in enumerate(rows):
        row = dict(row)
        pk = row.pop("id", None)
        delete = row.pop("_delete", False)
        if pk is not None and pk not in existing:
            raise _unknown_row(prefix, index)
        if delete:
            continue
        seen.add(pk)
        build(existing.get(pk) if pk is not None else model(contact=contact), row, index)
    for pk, obj in existing.items():
        if pk not in seen:
            _delete_child(obj, actor)


def _save_dealer_profile(*, actor, contact: Contact, dealer: dict[str, Any] | None) -> None:
    if dealer is None:
        return
    if contact.contact_type.code not in DEALER_TYPE_CODES:
        raise ValidationError({"dealer_profile": _("Only dealers and agents have dealer terms.")})
    dealer = dict(dealer)
    territories = dealer.pop("territories", None)
    profile = DealerProfile.objects.filter(contact=contact).first()
    before = _values(profile) if profile is not None else None
    if profile is None:
        profile = DealerProfile(contact=contact)
    for name, value in dealer.items():
        setattr(profile, name, value)
    stamp_history(profile, actor)
    try:
        profile.full_clean(exclude=["contact"])
    except ValidationError as exc:
        raise nest_error(exc, "dealer_profile")
    if before is None or _values(profile) != before:
        profile.save()
    if territories is not None:
        if any(area.company_id != contact.company_id for area in territories):
            raise ValidationError(
                {"dealer_profile.territories": _("This area belongs to another company.")}
            )
        profile.territories.set(territories)


def code_refused_message() -> str:
    """The answer for a code already taken, by any contact, visible to the user or not: it
    neither says that a contact holds it nor hints which (docs/user/contacts.md)."""
    return _("This code cannot be used; leave it empty to number automatically.")


# Columns whose change alone is no change of the contact (derived, or kept by the save itself).
_UNTRACKED = {"updated_at", *SearchColumns._fields}


def _save_contact(
    contact: Contact, actor, reason: str | None = None, before: dict[str, Any] | None = None
) -> None:
    """Validate and save the contact; with `before` (its values as read), only if one changed,
    since simple-history writes a "Changed" row on every save."""
    contact.name_normalized = normalize_name(contact.name)
    contact.name_ar_normalized = normalize_name(contact.name_ar)
    _check_links(contact)
    # Codes are compared without regard to case ("c-001" is "C-001" to whoever reads it); the
    # database's constraint holds the exact spelling.
    if (
        contact.code
        and Contact.objects.filter(company_id=contact.company_id, code__iexact=contact.code)
        .exclude(pk=contact.pk)
        .exists()
    ):
        raise ValidationError({"code": code_refused_message()})
    # A code taken in the same spelling is refused at `code` by the model's constraint, with
    # the same answer (`ConstraintFieldErrors`).
    contact.full_clean(exclude=["company", "created_by", *SearchColumns._fields])
    if before is not None:
        after = _values(contact)
        if all(after[k] == v for k, v in before.items() if k not in _UNTRACKED):
            return
    stamp_history(contact, actor, reason)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise ValidationError({"code": code_refused_message()})


# --- services ------------------------------------------------------------------------------


@transaction.atomic
def contact_create(
    *,
    actor,
    company: Company,
    data: dict[str, Any],
    product_groups: Iterable | None = None,
    persons: list[dict] | None = None,
    addresses: list[dict] | None = None,
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    dealer_profile: dict[str, Any] | None = None,
) -> Contact:
    """Create a contact with its children in one transaction; all or nothing."""
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    contact = Contact(company=company, created_by=actor if getattr(actor, "pk", None) else None)
    for name, value in data.items():
        setattr(contact, name, value)
    if not contact.code:
        contact.code = f"C-{sequence_next(company_id=company.pk, kind='contact'):06d}"
    if contact.lifecycle == Lifecycle.REJECTED and not contact.rejection_reason:
        raise ValidationError({"rejection_reason": _("Say why the contact is rejected.")})
    _check_visible_links(actor, contact, data.keys())
    _save_contact(contact, actor)
    if product_groups is not None:
        groups = list(product_groups)
        if any(g.company_id != company.pk for g in groups):
            raise ValidationError({"product_groups": _("This value belongs to another company.")})
        contact.product_groups.set(groups)
    _sync_children(
        actor=actor,
        contact=contact,
        persons=persons,
        addresses=addresses,
        phones=phones,
        emails=emails,
    )
    _save_dealer_profile(actor=actor, contact=contact, dealer=dealer_profile)
    record_event(contact, actor=actor, verb="create", to_status=contact.lifecycle)
    contact_refresh_search(contact=contact)
    _verify_access(actor, contact, "add")
    events.emit("contact.created", contact_id=contact.pk, actor_id=getattr(actor, "pk", None))
    return contact


@transaction.atomic
def contact_update(
    *,
    actor,
    contact: Contact,
    data: dict[str, Any],
    product_groups: Iterable | None = None,
    persons: list[dict] | None = None,
    addresses: list[dict] | None = None,
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    dealer_profile: dict[str, Any] | None = None,
    reason: str = "",
) -> Contact:
    """Update a contact and, where given, replace its children; all or nothing."""
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in unknown})
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _verify_access(actor, contact, "change")
    before = _values(contact)
    new_stage = data.pop("lifecycle", contact.lifecycle)
    changed = {name for name, value in data.items() if getattr(contact, name) != value}
    reassigned = {name: data[name] for name in ASSIGNABLE if name in changed}
    _check_assign(actor, [contact.pk], reassigned, after=False)
    for name, value in data.items():
        setattr(contact, name, value)
    _check_visible_links(actor, contact, changed)
    if not contact.code:
        raise ValidationError({"code": _("This field cannot be blank.")})
    _save_contact(contact, actor, reason or None, before=before)
    _check_assign(actor, [contact.pk], reassigned, after=True)
    if product_groups is not None:
        groups = list(product_groups)
        if any(g.company_id != contact.company_id for g in groups):
            raise ValidationError({"product_groups": _("This value belongs to another company.")})
        contact.product_groups.set(groups)
    _sync_children(
        actor=actor,
        contact=contact,
        persons=persons,
        addresses=addresses,
        phones=phones,
        emails=emails,
    )
    _save_dealer_profile(actor=actor, contact=contact, dealer=dealer_profile)
    if new_stage != contact.lifecycle:
        contact = contact_set_lifecycle(
            actor=actor,
            contact=contact,
            stage=new_stage,
            reason=reason or data.get("rejection_reason", ""),
        )
    contact_refresh_search(contact=contact)
    _verify_access(actor, contact, "change")
    if reassigned:
        # One contact re-assigned by editing it is a re-assignment like a bulk one.
        events.emit(
            "contact.assigned",
            contact_ids=[contact.pk],
            actor_id=getattr(actor, "pk", None),
            fields=sorted(reassigned),
        )
    return contact


def contact_set_lifecycle(*, actor, contact: Contact, stage: str, reason: str = "") -> Contact:
    """Move a contact through the lifecycle (`core.documents.transition` with the verb of
    `stage`, see contacts.lifecycle); rejecting needs a reason, recovering leaves rejected.
    Returns the contact as saved; moving to its own stage changes nothing."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        _verify_access(actor, contact, "change")
        if stage == contact.lifecycle:
            return contact
        if stage not in Lifecycle.values:
            raise ValidationError({"lifecycle": _("Unknown lifecycle stage.")})
        return transition(contact, LIFECYCLE_VERBS[stage], actor, remark=(reason or "").strip())


ASSIGNABLE = ("representative", "coordinator", "manager")


def _check_assign(actor, ids: list[int], assignees: dict[str, Any], *, after: bool) -> None:
    """Re-assigning needs the assign right over the contacts as they were (`after=False`) and
    as they end up (`after=True`): the receiving representative, coordinator or manager must
    keep each contact within the actor's assign rules. With the default rules a supervisor
    re-assigns within their team and a sales manager to anyone in the company."""
    if actor is None or not assignees or not ids:
        return
    if Contact.objects.restrict(actor, "assign").filter(pk__in=ids).count() == len(set(ids)):
        return
    if not after:
        message = _("You may not re-assign this contact.")
        raise ValidationError({name: message for name in assignees})
    raise ValidationError(
        {
            name: _("You may not assign contacts to this employee.")
            if value is not None
            else _("You may not clear this assignment.")
            for name, value in assignees.items()
        }
    )


def _locked(contacts: QuerySet[Contact]):
    """Lock the chosen contacts in key order. The choice (often with access conditions that
    join other tables) stays in a subquery, so the lock touches the contacts table alone."""
    return Contact.objects.select_for_update().filter(pk__in=contacts.values("pk")).order_by("pk")


@transaction.atomic
def contact_bulk_assign(
    *, actor, contacts: QuerySet[Contact], reason: str = "", **assignees: Employee | None
) -> int:
    """Re-assign the representative, coordinator or manager of many contacts at once."""
    unknown = set(assignees) - set(ASSIGNABLE)
    if unknown or not assignees:
        raise ValidationError({"field": _("Choose what to assign.")})
    locked = list(_locked(contacts))
    ids = [contact.pk for contact in locked]
    _check_assign(actor, ids, assignees, after=False)
    for contact in locked:
        for name, employee in assignees.items():
            if employee is not None and employee.company_id != contact.company_id:
                raise ValidationError({name: _("This employee belongs to another company.")})
            setattr(contact, name, employee)
        stamp_history(contact, actor, reason or _("Bulk re-assignment"))
        contact.save()
    _check_assign(actor, ids, assignees, after=True)
    for contact in locked:
        _verify_access(actor, contact, "change")
    count = len(locked)
    events.emit(
        "contact.assigned",
        contact_ids=ids,
        actor_id=getattr(actor, "pk", None),
        fields=sorted(assignees),
    )
    return count


@transaction.atomic
def contact_bulk_set_category(*, actor, contacts: QuerySet[Contact], category) -> int:
    """Move many contacts to one category; each must be of the category's contact type."""
    count = 0
    for contact in _locked(contacts):
        if category is not None and (
            category.contact_type_id != contact.contact_type_id
            or category.company_id != contact.company_id
        ):
            raise ValidationError(
                {
                    "category": _("“%(cat)s” does not fit contact %(code)s.")
                    % {"cat": category, "code": contact.code}
                }
            )
        contact.category = category
        stamp_history(contact, actor)
        contact.save()
        _verify_access(actor, contact, "change")
        count += 1
    return count


@transaction.atomic
def contact_delete(*, actor, contact: Contact) -> None:
    """Delete a contact the actor may delete."""
    if (
        actor is not None
        and not Contact.objects.restrict(actor, "delete").filter(pk=contact.pk).exists()
    ):
        raise PermissionDenied
    stamp_history(contact, actor)
    contact.delete()


# What a duplicate shares with the values checked, strongest first.
DUPLICATE_REASONS = {
    "code": _lazy("same code"),
    "name": _lazy("same name"),
    "phone": _lazy("same phone"),
    "email": _lazy("same e-mail"),
}
# Candidates looked up per kind of match before the access check narrows them.
DUPLICATE_CANDIDATES = 500


@dataclass(frozen=True)
class DuplicateMatch:
    """A contact the user may see that shares a code, name, phone or e-mail with new values."""

    contact: Contact
    reasons: tuple[str, ...]  # keys of DUPLICATE_REASONS, strongest first

    @property
    def pk(self) -> int:
        return self.contact.pk

    @property
    def reason_labels(self) -> list[str]:
        return [str(DUPLICATE_REASONS[r]) for r in self.reasons]


def contact_duplicate_values(
    *,
    data: dict[str, Any],
    persons: Iterable[dict] | None = None,
    phones: Iterable[dict] | None = None,
    emails: Iterable[dict] | None = None,
) -> dict[str, Any]:
    """The keyword arguments of `contact_find_duplicates` for values shaped as `contact_create`
    takes them: the contact's phones and e-mails and those of its persons."""
    numbers = [row.get("number", "") for row in phones or ()]
    addresses = [row.get("address", "") for row in emails or ()]
    for person in persons or ():
        numbers.extend(person.get("phones") or ())
        addresses.extend(person.get("emails") or ())
    return {
        "code": data.get("code") or "",
        "name": data.get("name") or "",
        "name_ar": data.get("name_ar") or "",
        "phones": numbers,
        "emails": addresses,
    }


def contact_find_duplicates(
    *,
    user,
    company: Company,
    code: str | None = None,
    name: str | None = None,
    name_ar: str | None = None,
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[DuplicateMatch]:
    """Contacts of `company` that `user` may see and that may be the same as the given values.

    The one duplicate check of the contact page, the API and the import. A contact matches on
    its code; on its name or Arabic name, compared in the normalised form (`normalize_name`) and
    either way round (a new contact's Arabic name against an existing English name too); on a
    phone of the contact or of one of its persons (`phones` as typed or in E.164, read in the
    company's region; unreadable ones are skipped); or on an e-mail. Contacts the user may not
    see are never returned, so a warning cannot reveal them. Most reasons first, then by name.
    """
    region = phone_region(company)
    names = {normalize_name(n) for n in (name, name_ar)} - {""}
    numbers = set()
    for raw in phones:
        if raw:
            try:
                numbers.add(phone_to_e164(raw, region))
            except ValidationError:
                pass
    addresses = {(e or "").strip().lower() for e in emails} - {""}
    code = (code or "").strip()

    # One small lookup per kind, each on its own index and unordered (ordering by name would
    # tempt the planner into walking the company's name index), then one access check.
    found: dict[int, set[str]] = {}
    contacts = Contact.objects.filter(company=company).order_by()
    lookups = []
    if code:
        lookups.append(("code", contacts.filter(code=code).values_list("pk", flat=True)))
    if names:
        for column in ("name_normalized", "name_ar_normalized"):
            matching = contacts.filter(**{f"{column}__in": names})
            lookups.append(("name", matching.values_list("pk", flat=True)))
    if numbers:
        phone_rows = Phone.objects.filter(number__in=numbers, contact__company=company)
        lookups.append(("phone", phone_rows.order_by().values_list("contact_id", flat=True)))
    if addresses:
        email_rows = Email.objects.filter(address__in=addresses, contact__company=company)
        lookups.append(("email", email_rows.order_by().values_list("contact_id", flat=True)))
    for reason, keys in lookups:
        for pk in keys[:DUPLICATE_CANDIDATES]:
            found.setdefault(pk, set()).add(reason)
    found.pop(exclude_pk, None)
    if not found:
        return []
    visible = Contact.objects.restrict(user, "view").filter(pk__in=list(found)).order_by()
    matches = [
        DuplicateMatch(
            contact=contact, reasons=tuple(r for r in DUPLICATE_REASONS if r in found[contact.pk])
        )
        for contact in visible.select_related("contact_type")
    ]
    matches.sort(key=lambda m: (-len(m.reasons), m.contact.name, m.contact.pk))
    return matches[:limit]


def contact_stored_duplicate_values(contact: Contact) -> dict[str, Any]:
    """The values that identify `contact` as saved (its code, names, and the phones and
    e-mails of the contact and its persons, which all hang on the contact), as the keyword
    arguments of `contact_find_duplicates`."""
    return contact_duplicate_values(
        data={"code": contact.code, "name": contact.name, "name_ar": contact.name_ar},
        phones=[{"number": p.number} for p in contact.phones.all()],
        emails=[{"address": e.address} for e in contact.emails.all()],
    )


def contact_find_new_duplicates(
    *, user, contact: Contact, before: dict[str, Any], limit: int = 10, **values: Any
) -> list[DuplicateMatch]:
    """Possible duplicates that an edit of `contact` brings: matches (a contact and a reason)
    for `values` that the values it had before the edit (`before`, read by
    `contact_stored_duplicate_values` ahead of any form touching the instance) did not have. A
    contact long known to resemble another is not questioned again on every save; a changed
    name, code, phone or e-mail that matches someone new is."""
    matches = contact_find_duplicates(
        user=user, company=contact.company, exclude_pk=contact.pk, limit=limit, **values
    )
    if not matches:
        return []
    known = {
        (match.pk, reason)
        for match in contact_find_duplicates(
            user=user,
            company=contact.company,
            exclude_pk=contact.pk,
            limit=DUPLICATE_CANDIDATES,
            **before,
        )
        for reason in match.reasons
    }
    return [m for m in matches if any((m.pk, reason) not in known for reason in m.reasons)]


# --- master data ---------------------------------------------------------------------------


@transaction.atomic
def masterdata_save(*, actor, model, instance=None, **fields):
    """Create or update a link-field value (area, industry, segment, ...)."""
    obj = instance or model()
    action = "change" if obj.pk else "add"
    for name, value in fields.items():
        setattr(obj, name, value)
    if isinstance(obj, ContactCategory) and obj.contact_type_id:
        if obj.contact_type.company_id != obj.company_id:
            raise ValidationError({"contact_type": _("This type belongs to another company.")})
    if isinstance(obj, Area):
        if obj.parent_id and obj.parent.company_id != obj.company_id:
            raise ValidationError({"parent": _("This area belongs to another company.")})
        if obj.pk and obj.parent_id and obj.parent.path.startswith(obj.path):
            raise ValidationError({"parent": _("An area cannot sit inside itself.")})
    if isinstance(obj, ProductGroup):
        if obj.parent_id and obj.parent.company_id != obj.company_id:
            raise ValidationError({"parent": _("This group belongs to another company.")})
        if obj.pk and obj.parent_id and obj.parent.path.startswith(obj.path):
            raise ValidationError({"parent": _("A group cannot sit inside itself.")})
    tree = isinstance(obj, TREE_MODELS)
    stamp_history(obj, actor)
    obj.full_clean(exclude=["path"] if tree else None)
    obj.save()
    if tree:
        _tree_repath(obj)
    verify_within(actor, obj, action)
    return obj


@transaction.atomic
def masterdata_bulk_set_active(*, actor, values: QuerySet, active: bool) -> int:
    """Activate (`active`) or deactivate every value of `values` (read through `restrict`, one
    kind of master data) that is not so already, each through `masterdata_save` as its own
    button does; all of them or, on a refusal (ValidationError, PermissionDenied), none.
    Returns the number changed."""
    # Locked in key order, the choice kept in a subquery (as `_locked` does for contacts).
    model = values.model
    chosen = values.exclude(is_active=active).values("pk")
    changed = list(model.objects.select_for_update().filter(pk__in=chosen).order_by("pk"))
    for value in changed:
        masterdata_save(actor=actor, model=type(value), instance=value, is_active=active)
    return len(changed)


# Master data kept as a tree with a materialised `path` ("/3/17/"), which record rules'
# `in_subtree` and the catalog's group matching read.
TREE_MODELS = (Area, ProductGroup)


def _tree_repath(node: Area | ProductGroup) -> None:
    """Give `node` the path under its parent, and carry its subtree along when it moved."""
    model = type(node)
    old = node.path
    new = f"{node.parent.path if node.parent_id else '/'}{node.pk}/"
    if old == new:
        return
    if old and old != "/":
        model.objects.filter(path__startswith=old).update(
            path=Concat(Value(new), Substr("path", len(old) + 1))
        )
    else:
        model.objects.filter(pk=node.pk).update(path=new)
    node.path = new
