"""The contacts file: one list of columns that the export writes and the import reads back.

A file exported from Tawasul imports again unchanged: every column below says how its value is
read from a contact and which import target (`imports.TARGETS`) takes it back; the import's
column guesser knows every header written here, in English and Arabic (`header_targets`), and
a round-trip test (`tests/test_export_roundtrip.py`) holds the two together.

Layout (one sheet, the same in CSV and XLSX; docs/user/import.md, "The Tawasul file format"):

- one row per contact; link fields by code where the record has one (contact type, branch,
  employees, dealer and referring contact), else by name (area, industry, ..., product groups);
- several values of one kind in one cell, separated by "; " (phones, e-mails, product groups);
- a contact's own phones and e-mails one column per kind ("Phone (work)"); persons' phones and
  e-mails only in their person's columns;
- addresses and persons as numbered groups of columns ("Address 2: city", "Person 1: name"),
  as many groups as the contact with the most has (at most `ADDRESS_SLOTS` and
  `PERSON_SLOTS`); the first person is the primary one;
- columns the import skips: employees' names beside their codes, and the creation time.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from tawasul.access.links import Visibility, is_hidden, mask_links
from tawasul.core.importer.columns import header_key
from tawasul.core.text import normalize_name
from tawasul.core.widgets import HIDDEN_LABEL

from .choices import AddressKind, ContactKind, EmailKind, Lifecycle, PhoneKind
from .models import Address, Area, Contact, ContactPerson, Email, Phone
from .selectors import LINK_RELATED

# How many addresses and persons a file can carry per contact (numbered groups of columns).
ADDRESS_SLOTS = 5
PERSON_SLOTS = 10

# The fields of an address and of a person group, with their header words ("Address 1: city").
ADDRESS_FIELDS: list[tuple[str, Any]] = [
    ("kind", _("kind")),
    ("line1", _("line 1")),
    ("line2", _("line 2")),
    ("city", _("city")),
    ("area", _("area")),
    ("postal_code", _("postal code")),
    ("country", _("country")),
    ("latitude", _("latitude")),
    ("longitude", _("longitude")),
]
PERSON_FIELDS: list[tuple[str, Any]] = [
    ("name", _("name")),
    ("name_ar", _("Arabic name")),
    ("title", _("title")),
    ("department", _("department")),
    ("phone", _("phone")),
    ("email", _("e-mail")),
]
MULTI_VALUE_JOIN = "; "


def address_label(n: int, label: Any) -> Any:
    return format_lazy(_("Address {n}: {field}"), n=n, field=label)


def person_label(n: int, label: Any) -> Any:
    return format_lazy(_("Person {n}: {field}"), n=n, field=label)


def phone_label(kind: str) -> Any:
    return format_lazy(_("Phone ({kind})"), kind=PhoneKind(kind).label)


def email_label(kind: str) -> Any:
    return format_lazy(_("E-mail ({kind})"), kind=EmailKind(kind).label)


@dataclass(frozen=True)
class Column:
    """One column of the contacts file."""

    key: str  # stable name of the column, e.g. "representative" or "person2_phone"
    label: Any  # the header, translated at write time
    target: str | None  # the import target that reads it back; None: the import skips it
    read: Callable[[Contact, ExportContext], Any]  # the cell's value for one contact
    width: int = 16  # XLSX column width, in characters
    text: bool = True  # a text column (numbers and dates are written as such)


def _code(name: str) -> Callable[[Contact, ExportContext], str]:
    def read(contact: Contact, ctx: ExportContext) -> str:
        related = getattr(contact, name)
        return related.code if related is not None else ""

    return read


def _named(name: str) -> Callable[[Contact, ExportContext], str]:
    def read(contact: Contact, ctx: ExportContext) -> str:
        related = getattr(contact, name)
        return str(related) if related is not None else ""

    return read


def _attr(name: str) -> Callable[[Contact, ExportContext], Any]:
    return lambda contact, ctx: getattr(contact, name)


def _phones(kind: str) -> Callable[[Contact, ExportContext], str]:
    def read(contact: Contact, ctx: ExportContext) -> str:
        return MULTI_VALUE_JOIN.join(p.number for p in ctx.parts.phones if p.kind == kind)

    return read


def _emails(kind: str) -> Callable[[Contact, ExportContext], str]:
    def read(contact: Contact, ctx: ExportContext) -> str:
        return MULTI_VALUE_JOIN.join(e.address for e in ctx.parts.emails if e.kind == kind)

    return read


def _product_groups(contact: Contact, ctx: ExportContext) -> str:
    return MULTI_VALUE_JOIN.join(sorted(str(g) for g in contact.product_groups.all()))


def _area(contact: Contact, ctx: ExportContext) -> str:
    return ctx.area_label(contact.area)


def _address(n: int, name: str) -> Callable[[Contact, ExportContext], Any]:
    def read(contact: Contact, ctx: ExportContext) -> Any:
        addresses = ctx.parts.addresses
        if len(addresses) < n:
            return None
        address = addresses[n - 1]
        if name == "kind":
            return ctx.choice(AddressKind, address.kind)
        if name == "area":
            return ctx.area_label(address.area)
        return getattr(address, name)

    return read


def _person(n: int, name: str) -> Callable[[Contact, ExportContext], Any]:
    def read(contact: Contact, ctx: ExportContext) -> Any:
        persons = ctx.parts.persons  # the primary person first (model ordering)
        if len(persons) < n:
            return None
        person, phones, emails = persons[n - 1]
        if name == "phone":
            return MULTI_VALUE_JOIN.join(p.number for p in phones)
        if name == "email":
            return MULTI_VALUE_JOIN.join(e.address for e in emails)
        return getattr(person, name)

    return read


def contact_columns(
    *,
    persons: int = PERSON_SLOTS,
    addresses: int = ADDRESS_SLOTS,
    phone_kinds: Iterable[str] | None = None,
    email_kinds: Iterable[str] | None = None,
) -> list[Column]:
    """The columns of a contacts file with room for `persons` persons, `addresses` addresses
    and the given kinds of phones and e-mails (every kind by default)."""
    phone_kinds = [k for k in PhoneKind.values if phone_kinds is None or k in set(phone_kinds)]
    email_kinds = [k for k in EmailKind.values if email_kinds is None or k in set(email_kinds)]
    columns = [
        Column("code", _("Code"), "code", _attr("code"), 12),
        Column("name", _("Name"), "name", _attr("name"), 32),
        Column("name_ar", _("Arabic name"), "name_ar", _attr("name_ar"), 32),
        Column(
            "kind",
            _("Organisation or individual"),
            "kind",
            lambda c, ctx: ctx.choice(ContactKind, c.kind),
            14,
        ),
        Column("contact_type", _("Contact type"), "contact_type", _code("contact_type"), 14),
        Column("category", _("Category"), "category", _named("category"), 18),
        Column(
            "lifecycle",
            _("Lifecycle"),
            "lifecycle",
            lambda c, ctx: ctx.choice(Lifecycle, c.lifecycle),
        ),
        Column(
            "rejection_reason",
            _("Rejection reason"),
            "rejection_reason",
            _attr("rejection_reason"),
            24,
        ),
    ]
    columns += [
        Column(f"phone_{k}", phone_label(k), f"phone_{k}", _phones(k), 18) for k in phone_kinds
    ]
    columns += [
        Column(f"email_{k}", email_label(k), f"email_{k}", _emails(k), 28) for k in email_kinds
    ]
    columns += [
        Column("website", _("Website"), "website", _attr("website"), 28),
        Column("tax_number", _("Tax number"), "tax_number", _attr("tax_number"), 18),
        Column("area", _("Area"), "area", _area, 20),
        Column("industry", _("Industry"), "industry", _named("industry"), 18),
        Column("segment", _("Segment"), "segment", _named("segment")),
        Column("size", _("Size"), "size", _named("size"), 12),
        Column("product_groups", _("Product groups"), "product_groups", _product_groups, 28),
        Column(
            "referral_source", _("Referral source"), "referral_source", _named("referral_source")
        ),
        Column(
            "referred_by_contact",
            _("Referred by contact (code)"),
            "referred_by_contact",
            _code("referred_by_contact"),
        ),
        Column(
            "referred_by_employee",
            _("Referred by (employee code)"),
            "referred_by_employee",
            _code("referred_by_employee"),
        ),
        Column("dealer", _("Served by dealer or agent (code)"), "dealer", _code("dealer")),
        Column("branch", _("Branch (code or name)"), "branch", _code("branch"), 12),
    ]
    for name, code_label, name_label in (
        ("representative", _("Representative (employee code)"), _("Representative name")),
        ("coordinator", _("Coordinator (employee code)"), _("Coordinator name")),
        ("manager", _("Manager (employee code)"), _("Manager name")),
    ):
        columns.append(Column(name, code_label, name, _code(name), 14))
        columns.append(Column(f"{name}_name", name_label, None, _named(name), 24))
    columns.append(Column("notes", _("Notes"), "notes", _attr("notes"), 40))
    for n in range(1, addresses + 1):
        for name, label in ADDRESS_FIELDS:
            key = f"address{n}_{name}"
            number = name in {"latitude", "longitude"}
            width = {"line1": 30, "line2": 24, "country": 8}.get(name, 12 if number else 16)
            columns.append(
                Column(key, address_label(n, label), key, _address(n, name), width, not number)
            )
    for n in range(1, persons + 1):
        for name, label in PERSON_FIELDS:
            key = f"person{n}_{name}"
            width = {"name": 24, "name_ar": 24, "email": 28}.get(name, 16)
            columns.append(Column(key, person_label(n, label), key, _person(n, name), width))
    columns.append(
        Column("created", _("Created"), None, _attr("created_at"), 18, text=False),
    )
    return columns


def header_targets() -> dict[str, str | None]:
    """Every header the export may write, in English and Arabic, in its comparison form
    (`key`), mapped to the import target that reads it back (None: not imported)."""
    index: dict[str, str | None] = {}
    columns = contact_columns()
    for language in ("en", "ar"):
        with override(language):
            for column in columns:
                index.setdefault(header_key(str(column.label)), column.target)
    return index


def hidden_value(value: str) -> bool:
    """Whether a cell holds the label written for a link the exporting user could not see."""
    return normalize_name(value) in _hidden_labels()


@functools.cache
def _hidden_labels() -> frozenset[str]:
    labels = set()
    for language in ("en", "ar"):
        with override(language):
            labels.add(normalize_name(str(HIDDEN_LABEL)))
    return frozenset(labels - {""})


# --- writing a file -----------------------------------------------------------------------------

EXPORT_RELATED = LINK_RELATED
EXPORT_PREFETCH = (
    "product_groups",
    "phones",
    "emails",
    "addresses",
    "persons__phones",
    "persons__emails",
)
BATCH = 500


@dataclass
class _Parts:
    """A contact's own phones and e-mails, addresses, and persons with theirs, as listed."""

    phones: list[Phone]
    emails: list[Email]
    addresses: list[Address]
    persons: list[tuple[ContactPerson, list[Phone], list[Email]]]


class ExportContext:
    """What the columns need besides the contact: the user's view of areas (named alone when
    the name is unique in the company, else with their parents, as the import reads them)."""

    def __init__(self, *, user, company_id: int | None) -> None:
        self.user = user
        self.areas: dict[int, Area] = {}
        keys: dict[str, int] = {}
        if company_id is not None:
            for area in Area.objects.filter(company_id=company_id).only(
                "pk", "name", "name_ar", "parent_id"
            ):
                self.areas[area.pk] = area
                for key in {normalize_name(area.name), normalize_name(area.name_ar)} - {""}:
                    keys[key] = keys.get(key, 0) + 1
        self._area_keys = keys
        self._labels: dict[int, str] = {}
        self._choices: dict[tuple[type, str], str] = {}
        self.parts = _Parts([], [], [], [])

    def choice(self, choices, value: str) -> str:
        """The label of a choice in the active language, translated once per export."""
        key = (choices, value)
        if key not in self._choices:
            self._choices[key] = str(dict(choices.choices).get(value, value))
        return self._choices[key]

    def read(self, contact: Contact) -> None:
        """Sort the contact's loaded children once, for all the columns of its row."""
        phones, emails = contact.phones.all(), contact.emails.all()
        self.parts = _Parts(
            phones=[p for p in phones if p.person_id is None],
            emails=[e for e in emails if e.person_id is None],
            addresses=list(contact.addresses.all()),
            persons=[
                (p, list(p.phones.all()), list(p.emails.all())) for p in contact.persons.all()
            ],
        )

    def area_label(self, area) -> str:
        if area is None:
            return ""
        if is_hidden(area) or area.pk not in self.areas:
            return str(area)
        if area.pk not in self._labels:
            label = str(self.areas[area.pk])
            if self._area_keys.get(normalize_name(label), 0) > 1:
                chain, parent_id = [label], self.areas[area.pk].parent_id
                while parent_id in self.areas and len(chain) < 20:
                    chain.append(str(self.areas[parent_id]))
                    parent_id = self.areas[parent_id].parent_id
                label = " / ".join(reversed(chain))
            self._labels[area.pk] = label
        return self._labels[area.pk]


def export_columns(queryset: QuerySet[Contact]) -> list[Column]:
    """The columns for exporting `queryset`: as many address and person groups as the contact
    with the most needs, and the kinds of phones and e-mails its contacts have."""
    keys = queryset.values("pk")
    most_persons = (
        ContactPerson.objects.filter(contact__in=keys)
        .values("contact")
        .annotate(n=Count("pk"))
        .aggregate(most=Max("n"))["most"]
    )
    most_addresses = (
        Address.objects.filter(contact__in=keys)
        .values("contact")
        .annotate(n=Count("pk"))
        .aggregate(most=Max("n"))["most"]
    )
    phone_kinds = (
        Phone.objects.filter(contact__in=keys, person__isnull=True)
        .values_list("kind", flat=True)
        .distinct()
    )
    email_kinds = (
        Email.objects.filter(contact__in=keys, person__isnull=True)
        .values_list("kind", flat=True)
        .distinct()
    )
    return contact_columns(
        persons=min(most_persons or 0, PERSON_SLOTS),
        addresses=min(most_addresses or 0, ADDRESS_SLOTS),
        phone_kinds=set(phone_kinds),
        email_kinds=set(email_kinds),
    )


def export_rows(
    queryset: QuerySet[Contact], columns: list[Column], *, user, company_id: int | None
) -> Iterator[list[Any]]:
    """The cells of each contact of `queryset`, in an order the import can read in one pass.

    Contacts that other exported contacts name as their dealer or referrer come first (those
    that link to each other in the order of the links), then every other contact by name: a
    row never names a contact that a later row creates. Linked records the user may not view
    are written as "(not visible to you)", which the import leaves empty.
    """
    ctx = ExportContext(user=user, company_id=company_id)
    keys = queryset.values("pk")
    linked = Q(pk__in=queryset.filter(dealer__isnull=False).values("dealer_id")) | Q(
        pk__in=queryset.filter(referred_by_contact__isnull=False).values("referred_by_contact_id")
    )
    base = queryset.select_related(*EXPORT_RELATED).prefetch_related(*EXPORT_PREFETCH)
    first = _linked_order(
        list(
            Contact.objects.filter(pk__in=keys)
            .filter(linked)
            .values_list("pk", "name", "dealer_id", "referred_by_contact_id")
        )
    )
    for start in range(0, len(first), BATCH):
        chunk = first[start : start + BATCH]
        by_pk = {c.pk: c for c in base.filter(pk__in=chunk)}
        yield from _cells([by_pk[pk] for pk in chunk if pk in by_pk], columns, ctx)
    rest = base.exclude(linked).order_by("name", "pk")
    batch: list[Contact] = []
    for contact in rest.iterator(chunk_size=BATCH):
        batch.append(contact)
        if len(batch) >= BATCH:
            yield from _cells(batch, columns, ctx)
            batch = []
    yield from _cells(batch, columns, ctx)


def _linked_order(rows: list[tuple[int, str, int | None, int | None]]) -> list[int]:
    """Keys of contacts others link to, each after the ones it links to, by name where the
    links leave a choice (a cycle of links, which no order satisfies, goes last)."""
    names = {pk: name for pk, name, _d, _r in rows}
    waiting: dict[int, int] = {}  # how many of its targets a contact still waits for
    dependants: dict[int, list[int]] = {}
    for pk, _name, *targets in rows:
        mine = {t for t in targets if t is not None and t != pk and t in names}
        waiting[pk] = len(mine)
        for target in mine:
            dependants.setdefault(target, []).append(pk)
    ready = [(names[pk], pk) for pk, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _name, pk = heapq.heappop(ready)
        order.append(pk)
        for dependant in dependants.get(pk, []):
            waiting[dependant] -= 1
            if waiting[dependant] == 0:
                heapq.heappush(ready, (names[dependant], dependant))
    done = set(order)
    order += sorted((pk for pk in names if pk not in done), key=lambda pk: (names[pk], pk))
    return order


def _cells(batch: list[Contact], columns: list[Column], ctx: ExportContext) -> Iterator[list[Any]]:
    if not batch:
        return
    visibility = Visibility(ctx.user)
    mask_links(ctx.user, batch, visibility=visibility)
    addresses = [a for c in batch for a in c.addresses.all()]
    mask_links(ctx.user, addresses, fields=["area"], visibility=visibility)
    for contact in batch:
        ctx.read(contact)
        yield [column.read(contact, ctx) for column in columns]
