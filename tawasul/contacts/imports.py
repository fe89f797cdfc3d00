"""Import contacts from CSV and XLSX files: the contacts' row mapper for the generic importer.

The generic importer (`tawasul.core.importer`) reads the file, guesses and checks the mapping,
runs the check or the import in batches with progress, and keeps the job and its report. This
module says what is particular to contacts:

- `COLUMNS` (`TARGETS`): what a column may feed. One column per contact field; link fields
  (type, category, area, industry, segment, size, product groups, referral source, branch) are
  matched by code or by English or Arabic name, employees by employee code, linked contacts
  (dealer, referring contact) by contact code; phones and e-mails, of one kind each ("Phone
  (work)") or of none, may be chosen for several columns and a cell may hold several values
  separated by ";" or ","; addresses and persons are numbered groups of columns ("Address 1:
  line 1", "Person 2: phone"). A file exported from Tawasul (`fileformat`) is recognised column
  by column and imports back.
- `_build`: how a row becomes the arguments of `services.contact_create`; `_Pass.handle`: the
  duplicates (within the file and against existing contacts) and the write through
  `contact_create` / `contact_update`; `_locate`: which column fed a service error's path.
- `ContactImporter`: the declaration the generic services run with; the `import_job_*`
  functions below are those services for contacts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tawasul.core.history import stamp_history
from tawasul.core.importer import runner
from tawasul.core.importer.columns import Columns, Target
from tawasul.core.importer.jobs import Importer
from tawasul.core.importer.progress import job_progress
from tawasul.core.importer.reading import RawRow
from tawasul.core.importer.rows import RowReport, record_errors
from tawasul.core.importer.runner import (
    BATCHES_OR_UNDO,
    DUPLICATES_KEPT,
    ImportPass,
    Outcome,
    error_counts,
)
from tawasul.core.text import normalize_name
from tawasul.org.models import Branch, Company, Employee

from . import fileformat
from .choices import AddressKind, ContactKind, EmailKind, Lifecycle, PhoneKind
from .models import (
    Address,
    Area,
    Contact,
    ContactCategory,
    ContactPerson,
    ContactType,
    Email,
    ImportJob,
    Industry,
    Phone,
    ProductGroup,
    ReferralSource,
    Segment,
    Size,
)
from .phones import phone_parse, phone_region, phone_to_e164
from .services import (
    DUPLICATE_REASONS,
    DuplicateMatch,
    contact_create,
    contact_find_duplicates,
    contact_update,
)

logger = logging.getLogger(__name__)

# Numbered groups of columns a file may hold (shared with the export, see `fileformat`).
PERSON_SLOTS = fileformat.PERSON_SLOTS
ADDRESS_SLOTS = fileformat.ADDRESS_SLOTS
# Groups offered in the mapping selects when the file's headers use fewer.
PERSON_SLOTS_OFFERED = 3
ADDRESS_SLOTS_OFFERED = 2
# Separators between several values in one cell (phones, e-mails, product groups).
MULTI_VALUE_SPLIT = re.compile(r"[;,\u060c\u061b\n]+")
_INDIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")


# --- targets: the fields a column can feed ------------------------------------------------


_CONTACT = _("Contact")
_CLASSIFICATION = _("Classification")
_RESPONSIBLE = _("Responsibility")
_COMMUNICATION = _("Phones and e-mails")


# fmt: off
def _t(key: str, label: Any, group: Any, aliases: str, multiple: bool = False) -> Target:
    """A target whose header aliases are written as one "|"-separated string; only the notes
    keep their line breaks."""
    return Target(
        key, label, group, tuple(a.strip() for a in aliases.split("|")), multiple,
        multiline=key == "notes",
    )


def _build_targets() -> list[Target]:
    targets = [
        _t("code", _("Code"), _CONTACT,
           "code|contact code|customer code|client code|account code|"
           "كود|رمز|كود العميل|رمز العميل|رقم العميل"),
        _t("name", _("Name"), _CONTACT,
           "name|contact name|contact|company|company name|customer|customer name|client|"
           "client name|account name|full name|english name|name en|name english|"
           "اسم|اسم العميل|اسم الشركة|الاسم بالانجليزي|الاسم الانجليزي|اسم جهة الاتصال"),
        _t("name_ar", _("Arabic name"), _CONTACT,
           "arabic name|name ar|name arabic|name in arabic|"
           "الاسم العربي|الاسم بالعربي|الاسم بالعربيه|الاسم باللغه العربيه"),
        _t("kind", _("Organisation or individual"), _CONTACT,
           "kind|organisation or individual|organization or individual|entity type|"
           "نوع الكيان|فرد او منشاه|منشاه او فرد|الصفه"),
        _t("contact_type", _("Contact type"), _CONTACT,
           "type|contact type|customer type|relationship|"
           "النوع|نوع العميل|نوع جهة الاتصال|نوع العلاقه"),
        _t("category", _("Category"), _CONTACT,
           "category|contact category|customer category|الفئه|التصنيف|فئة العميل"),
        _t("tax_number", _("Tax number"), _CONTACT,
           "tax number|tax no|tax id|vat|vat number|vat no|trn|الرقم الضريبي|رقم ضريبي"),
        _t("website", _("Website"), _CONTACT,
           "website|web site|web|url|homepage|الموقع|الموقع الالكتروني|موقع الويب"),
        _t("notes", _("Notes"), _CONTACT,
           "notes|note|comments|comment|remarks|ملاحظات|ملاحظه"),
        _t("lifecycle", _("Lifecycle"), _CONTACT,
           "lifecycle|life cycle|lifecycle stage|stage|status|المرحله|الحاله|دورة الحياه"),
        _t("rejection_reason", _("Rejection reason"), _CONTACT,
           "rejection reason|reason for rejection|سبب الرفض"),
        _t("area", _("Area"), _CLASSIFICATION,
           "area|region|territory|zone|district|المنطقه|الحي|النطاق"),
        _t("industry", _("Industry"), _CLASSIFICATION,
           "industry|sector|activity|الصناعه|القطاع|النشاط|المجال"),
        _t("segment", _("Segment"), _CLASSIFICATION,
           "segment|market segment|الشريحه|شريحة السوق"),
        _t("size", _("Size"), _CLASSIFICATION, "size|company size|الحجم|حجم الشركه"),
        _t("product_groups", _("Product groups"), _CLASSIFICATION,
           "product groups|product group|products|مجموعات المنتجات|مجموعة المنتجات|المنتجات",
           multiple=True),
        _t("referral_source", _("Referral source"), _CLASSIFICATION,
           "referral source|source|lead source|referral|campaign|"
           "مصدر الاحاله|المصدر|مصدر العميل|الحمله"),
        _t("branch", _("Branch (code or name)"), _RESPONSIBLE,
           "branch|branch code|branch name|الفرع|كود الفرع"),
        _t("representative", _("Representative (employee code)"), _RESPONSIBLE,
           "representative|rep|sales rep|sales representative|salesman|representative code|"
           "المندوب|مندوب المبيعات|كود المندوب"),
        _t("coordinator", _("Coordinator (employee code)"), _RESPONSIBLE,
           "coordinator|coordinator code|المنسق|كود المنسق"),
        _t("manager", _("Manager (employee code)"), _RESPONSIBLE,
           "manager|account manager|manager code|المدير|مدير الحساب"),
        _t("phone", _("Phone"), _COMMUNICATION,
           "phone|phones|phone number|telephone|tel|mobile|mobile number|cell|whatsapp|"
           "الهاتف|رقم الهاتف|الجوال|رقم الجوال|الموبايل|التليفون|الهواتف|واتساب",
           multiple=True),
        _t("email", _("E-mail"), _COMMUNICATION,
           "email|emails|e mail|email address|mail|البريد الالكتروني|البريد|الايميل",
           multiple=True),
        # Of one kind (the export writes a column per kind); "Phone"/"E-mail" take the default.
        *[_t(f"phone_{kind}", fileformat.phone_label(kind), _COMMUNICATION,
             "fax|fax number|فاكس|رقم الفاكس" if kind == PhoneKind.FAX else "", multiple=True)
          for kind in PhoneKind.values],
        *[_t(f"email_{kind}", fileformat.email_label(kind), _COMMUNICATION, "", multiple=True)
          for kind in EmailKind.values],
        _t("referred_by_contact", _("Referred by contact (code)"), _CLASSIFICATION,
           "referred by contact|referring contact|referrer code|كود المحيل|جهة الاحاله"),
        _t("referred_by_employee", _("Referred by (employee code)"), _CLASSIFICATION,
           "referred by employee|referred by representative|referred by"),
        _t("dealer", _("Served by dealer or agent (code)"), _RESPONSIBLE,
           "dealer|agent|dealer code|served by|الموزع|الوكيل|كود الموزع"),
    ]
    # (field, label, English words, Arabic words); "" is the group name alone ("Address 2").
    # Labels from the file format, so that the export's headers and these targets agree.
    address_labels = dict(fileformat.ADDRESS_FIELDS)
    address_fields = [
        ("kind", address_labels["kind"], "kind|type", "نوع"),
        ("line1", address_labels["line1"], "|line 1|street", "|سطر 1"),
        ("line2", address_labels["line2"], "line 2", "سطر 2"),
        ("city", address_labels["city"], "city", "المدينه"),
        ("area", address_labels["area"], "area", "المنطقه"),
        ("postal_code", address_labels["postal_code"], "postal code|zip|zip code|postcode",
         "الرمز البريدي"),
        ("country", address_labels["country"], "country|country code", "الدوله|رمز الدوله"),
        ("latitude", address_labels["latitude"], "latitude|lat", "خط العرض"),
        ("longitude", address_labels["longitude"], "longitude|long|lng|lon", "خط الطول"),
    ]
    for n in range(1, ADDRESS_SLOTS + 1):
        group = format_lazy(_("Address {n}"), n=n)
        for name, label, english_words, arabic_words in address_fields:
            english, arabic = english_words.split("|"), arabic_words.split("|")
            aliases = [f"address {n} {w}" for w in english]
            aliases += [f"العنوان {n} {w}" for w in arabic]
            aliases += [f"{w} العنوان {n}" for w in arabic if w]
            if n == 1:
                aliases += [f"address {w}" for w in english] + [f"العنوان {w}" for w in arabic]
                if name == "line1":
                    aliases += ["street address", "عنوان الشارع"]
                elif name in {"city", "postal_code", "country", "latitude", "longitude"}:
                    aliases += english + arabic
            label = fileformat.address_label(n, label)
            targets.append(_t(f"address{n}_{name}", label, group, "|".join(aliases)))
    person_labels = dict(fileformat.PERSON_FIELDS)
    person_fields = [
        ("name", person_labels["name"], "|name", "|اسم"),
        ("name_ar", person_labels["name_ar"], "arabic name|name ar", "الاسم العربي"),
        ("title", person_labels["title"], "title|job title|position",
         "المسمى|المسمى الوظيفي|الوظيفه"),
        ("department", person_labels["department"], "department", "القسم|الاداره"),
        ("phone", person_labels["phone"], "phone|mobile|tel", "الهاتف|الجوال"),
        ("email", person_labels["email"], "email|e mail", "البريد|البريد الالكتروني|الايميل"),
    ]
    for n in range(1, PERSON_SLOTS + 1):
        group = format_lazy(_("Person {n}"), n=n)
        english_prefixes = [f"person {n}", f"contact person {n}", f"contact {n}"]
        arabic_prefixes = [f"الشخص {n}", f"الشخص المسؤول {n}", f"جهة الاتصال {n}"]
        if n == 1:
            english_prefixes += ["person", "contact person"]
            arabic_prefixes += ["الشخص", "الشخص المسؤول", "مسؤول الاتصال"]
        for name, label, english_words, arabic_words in person_fields:
            aliases = []
            for prefixes, words in (
                (english_prefixes, english_words.split("|")),
                (arabic_prefixes, arabic_words.split("|")),
            ):
                aliases += [f"{p} {w}" for p in prefixes for w in words]
                aliases += [f"{w} {p}" for p in prefixes for w in words if w]
            label = fileformat.person_label(n, label)
            targets.append(_t(f"person{n}_{name}", label, group, "|".join(aliases)))
    return targets
# fmt: on


TARGETS: list[Target] = _build_targets()
TARGET_BY_KEY: dict[str, Target] = {t.key: t for t in TARGETS}

COLUMNS = Columns(
    TARGETS,
    known_headers=fileformat.header_targets,
    slots={"address": ADDRESS_SLOTS_OFFERED, "person": PERSON_SLOTS_OFFERED},
)


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A default mapping (column index as text -> target key) guessed from the header names."""
    return COLUMNS.guess(headers)


def target_choices(columns: dict[str, str] | None = None) -> list[tuple[Any, Any]]:
    """Choices for a mapping select: "skip", then the targets grouped as in `TARGETS`; address
    and person groups up to the highest one `columns` uses and one more."""
    return COLUMNS.choices(columns)


# --- resolving link values ------------------------------------------------------------------


def _key(text: str) -> str:
    return normalize_name(text)


class _Lookup:
    """Records of one kind of master data found by code or by English or Arabic name."""

    def __init__(self, objects, codes: bool = False) -> None:
        self.by_key: dict[str, list[Any]] = {}
        for obj in objects:
            keys = {_key(obj.name), _key(getattr(obj, "name_ar", "") or "")}
            if codes and getattr(obj, "code", ""):
                keys.add(_key(obj.code))
            for key in keys - {""}:
                self.by_key.setdefault(key, []).append(obj)

    def find(self, value: str, what: Any) -> Any:
        matches = self.by_key.get(_key(value), [])
        if len({m.pk for m in matches}) > 1:
            raise ValidationError(
                gettext("“%(value)s” matches several %(what)s; use its code or a distinct name.")
                % {"value": value, "what": what}
            )
        if not matches:
            raise ValidationError(
                gettext(
                    "No %(what)s is called “%(value)s”. Add it under master data first, or fix the value."
                )
                % {"what": what, "value": value}
            )
        obj = matches[0]
        if getattr(obj, "is_active", True) is False:
            raise ValidationError(
                gettext("“%(value)s” is no longer in use (inactive).") % {"value": value}
            )
        return obj


class _AreaLookup:
    """Areas by name, or by a path such as "Riyadh / Olaya" when a name is used twice."""

    def __init__(self, areas) -> None:
        self.areas = {a.pk: a for a in areas}
        self.by_key: dict[str, list[Area]] = {}
        for area in self.areas.values():
            for key in {_key(area.name), _key(area.name_ar)} - {""}:
                self.by_key.setdefault(key, []).append(area)

    def _ancestors(self, area: Area) -> list[Area]:
        chain = []
        parent_id = area.parent_id
        while parent_id and parent_id in self.areas and len(chain) < 20:
            chain.append(self.areas[parent_id])
            parent_id = self.areas[parent_id].parent_id
        return chain

    def _matches(self, area: Area, key: str) -> bool:
        return key in {_key(area.name), _key(area.name_ar)}

    def find(self, value: str) -> Area:
        parts = [p for p in (_key(s) for s in re.split(r"[/>\\]", value)) if p]
        candidates = self.by_key.get(parts[-1], []) if parts else []
        result = []
        for area in candidates:
            wanted = list(reversed(parts[:-1]))
            for ancestor in self._ancestors(area):
                if wanted and self._matches(ancestor, wanted[0]):
                    wanted.pop(0)
            if not wanted:
                result.append(area)
        if not result:
            raise ValidationError(
                gettext(
                    "No area is called “%(value)s”. Add it under master data first, or fix the value."
                )
                % {"value": value}
            )
        if len(result) > 1:
            example = result[0]
            parent = self.areas.get(example.parent_id)
            raise ValidationError(
                gettext(
                    "“%(value)s” matches several areas; write it with its parent, for example “%(example)s”."
                )
                % {
                    "value": value,
                    "example": f"{parent.name} / {example.name}" if parent else example.name,
                }
            )
        if not result[0].is_active:
            raise ValidationError(
                gettext("“%(value)s” is no longer in use (inactive).") % {"value": value}
            )
        return result[0]


def _choice_words(choices, extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    words: dict[str, str] = {}
    for language in ("en", "ar"):
        with translation.override(language):
            for value, label in choices:
                words.setdefault(_key(str(label)), value)
    for value, synonyms in extra.items():
        words.setdefault(_key(value), value)
        for word in synonyms:
            words.setdefault(_key(word), value)
    return words


KIND_WORDS = {
    ContactKind.ORGANISATION: (
        "organization",
        "company",
        "business",
        "org",
        "منشأة",
        "منشاه",
        "شركة",
        "مؤسسة",
        "جهة",
    ),
    ContactKind.INDIVIDUAL: ("person", "individual", "private", "فرد", "شخص", "أفراد"),
}
LIFECYCLE_WORDS = {
    Lifecycle.TARGET: ("target", "new", "هدف", "مستهدف"),
    Lifecycle.PROSPECT: ("prospect", "lead", "عميل محتمل", "محتمل"),
    Lifecycle.CUSTOMER: ("customer", "client", "عميل"),
    Lifecycle.REJECTED: ("rejected", "lost", "مرفوض"),
    Lifecycle.RECOVERED: ("recovered", "مسترد", "مستعاد"),
}


class _Resolver:
    """Everything a row needs from the database, loaded once per run."""

    def __init__(self, company: Company, actor=None) -> None:
        self.company = company
        self.actor = actor
        by_company = {"company": company}
        self.types = _Lookup(ContactType.objects.filter(**by_company), codes=True)
        grouped: dict[int, list[ContactCategory]] = {}
        for category in ContactCategory.objects.filter(**by_company):
            grouped.setdefault(category.contact_type_id, []).append(category)
        self.categories: dict[int, _Lookup] = {k: _Lookup(v) for k, v in grouped.items()}
        self.areas = _AreaLookup(Area.objects.filter(**by_company))
        self.masters = {
            "industry": (_Lookup(Industry.objects.filter(**by_company)), _("industry")),
            "segment": (_Lookup(Segment.objects.filter(**by_company)), _("segment")),
            "size": (_Lookup(Size.objects.filter(**by_company)), _("size")),
            "referral_source": (
                _Lookup(ReferralSource.objects.filter(**by_company)),
                _("referral source"),
            ),
        }
        self.product_groups = _Lookup(ProductGroup.objects.filter(**by_company))
        self.branches = _Lookup(Branch.objects.filter(**by_company), codes=True)
        self.employees: dict[str, list[Employee]] = {}
        for employee in Employee.objects.filter(**by_company):
            self.employees.setdefault(employee.code.strip().casefold(), []).append(employee)
        self.kinds = _choice_words(ContactKind.choices, KIND_WORDS)
        self.stages = _choice_words(Lifecycle.choices, LIFECYCLE_WORDS)
        self.address_kinds = _choice_words(AddressKind.choices, {})
        self.region = phone_region(company)
        self.contacts: dict[str, Contact] = {}

    def contact_type(self, value: str) -> ContactType:
        return self.types.find(value, _("contact type"))

    def category(self, value: str, contact_type: ContactType) -> ContactCategory:
        lookup = self.categories.get(contact_type.pk, _Lookup([]))
        return lookup.find(value, format_lazy(_("category of “{type}”"), type=contact_type))

    def employee(self, value: str) -> Employee:
        matches = self.employees.get(value.strip().casefold(), [])
        if not matches:
            raise ValidationError(
                gettext("No employee has the code “%(value)s”.") % {"value": value}
            )
        if not matches[0].is_active:
            raise ValidationError(
                gettext("Employee “%(value)s” is no longer active.") % {"value": value}
            )
        return matches[0]

    def contact(self, value: str) -> Contact:
        """A contact of the company by its code, among those the importing user may view (a
        hidden one answers as a missing one). Found ones are kept; a missing one is looked up
        again, since an earlier row of the file may create it."""
        code = value.strip()
        if code not in self.contacts:
            found = (
                Contact.objects.restrict(self.actor, "view")
                .filter(company=self.company, code=code)
                .select_related("contact_type")
                .first()
            )
            if found is None:
                raise ValidationError(
                    gettext("No contact you can see has the code “%(value)s”.") % {"value": value}
                )
            self.contacts[code] = found
        return self.contacts[code]

    def choice(self, words: dict[str, str], value: str) -> str:
        found = words.get(_key(value))
        if found is None:
            raise ValidationError(
                gettext("“%(value)s” is not one of the allowed values.") % {"value": value}
            )
        return found


# --- one row --------------------------------------------------------------------------------


# --- one row --------------------------------------------------------------------------------


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _split(value: str) -> list[str]:
    return [v.strip() for v in MULTI_VALUE_SPLIT.split(value) if v.strip()]


def _kinded(row: RowReport, base: str, kinds) -> Iterator[tuple[int, str, str]]:
    """(column, cell, kind) of the columns feeding `base` ("phone": kind "") and its kinds
    ("phone_work": kind "work"), in column order."""
    found = [(c, v, "") for c, v in row.values.get(base, [])]
    for kind in kinds:
        found += [(c, v, kind) for c, v in row.values.get(f"{base}_{kind}", [])]
    return iter(sorted(found, key=lambda item: item[0]))


_NAME_LIST_SPLIT = re.compile(r"[;\u061b\n]+")
_NAME_SPLIT = re.compile(r"[,\u060c]+")


def _split_names(cell: str, lookup: _Lookup) -> list[str]:
    """Names in a cell: separated by ";" (as exported) or by ","; a part that is a known name
    as a whole stays whole, so "Paints, coatings" may be one product group."""
    names = []
    for part in (p.strip() for p in _NAME_LIST_SPLIT.split(cell)):
        if not part or fileformat.hidden_value(part):
            continue  # "(not visible to you)": a group the exporting user could not see
        if _key(part) in lookup.by_key:
            names.append(part)
        else:
            names += [p.strip() for p in _NAME_SPLIT.split(part) if p.strip()]
    return names


def _clean_email(value: str) -> str:
    address = value.strip().lower()
    validate_email(address)
    return address


def _build(row: RowReport, resolver: _Resolver, default_type: ContactType | None) -> dict[str, Any]:
    """The keyword arguments of `contact_create` for one row; problems go to `row.errors`."""
    data: dict[str, Any] = {}
    for key in ("code", "name", "name_ar", "tax_number", "notes", "rejection_reason"):
        if key in row.values:
            data[key] = row.get(key)
    website = row.get("website")
    if website:
        data["website"] = website if "://" in website else f"https://{website}"

    def resolve(key: str, finder) -> Any:
        value = row.get(key)
        if not value or fileformat.hidden_value(value):
            # "(not visible to you)": a link the exporting user could not see stays empty.
            return None
        try:
            return finder(value)
        except ValidationError as exc:
            for message in _messages(exc):
                row.add(key, message)
            return None

    if row.get("kind"):
        kind = resolve("kind", lambda v: resolver.choice(resolver.kinds, v))
        if kind:
            data["kind"] = kind
    if row.get("lifecycle"):
        stage = resolve("lifecycle", lambda v: resolver.choice(resolver.stages, v))
        if stage:
            data["lifecycle"] = stage

    contact_type = resolve("contact_type", resolver.contact_type)
    if contact_type is None and (
        not row.get("contact_type") or fileformat.hidden_value(row.get("contact_type"))
    ):
        contact_type = default_type
        if contact_type is None:
            row.add("contact_type", gettext("Give the contact type."))
    if contact_type is not None:
        data["contact_type"] = contact_type
        category = resolve("category", lambda v: resolver.category(v, contact_type))
        if category is not None:
            data["category"] = category

    area = resolve("area", resolver.areas.find)
    if area is not None:
        data["area"] = area
    for key, (lookup, what) in resolver.masters.items():
        obj = resolve(key, lambda v, lookup=lookup, what=what: lookup.find(v, what))
        if obj is not None:
            data[key] = obj
    branch = resolve("branch", lambda v: resolver.branches.find(v, _("branch")))
    if branch is not None:
        data["branch"] = branch
    for key in ("representative", "coordinator", "manager", "referred_by_employee"):
        employee = resolve(key, resolver.employee)
        if employee is not None:
            data[key] = employee
    for key in ("dealer", "referred_by_contact"):
        linked = resolve(key, resolver.contact)
        if linked is not None:
            data[key] = linked

    kwargs: dict[str, Any] = {"data": data}

    groups = []
    for column, cell in row.values.get("product_groups", []):
        for value in _split_names(cell, resolver.product_groups):
            try:
                groups.append(resolver.product_groups.find(value, _("product group")))
            except ValidationError as exc:
                row.add("product_groups", exc.messages[0], column, value)
    if groups:
        kwargs["product_groups"] = list({g.pk: g for g in groups}.values())

    phones, phone_columns = [], []
    for column, cell, kind in _kinded(row, "phone", PhoneKind.values):
        for value in _split(cell):
            try:
                phone_to_e164(value, resolver.region)
            except ValidationError as exc:
                row.add(f"phone_{kind}" if kind else "phone", exc.messages[0], column, value)
                continue
            # A column that does not say which kind: the number does (a landline is no mobile).
            kind = kind or _phone_kind(value, resolver.region)
            phones.append({"number": value, **({"kind": kind} if kind else {})})
            phone_columns.append(column)
    if phones:
        kwargs["phones"] = phones
    emails, email_columns = [], []
    for column, cell, kind in _kinded(row, "email", EmailKind.values):
        for value in _split(cell):
            try:
                address = _clean_email(value)
            except ValidationError:
                row.add(
                    f"email_{kind}" if kind else "email",
                    gettext("“%(value)s” is not an e-mail address.") % {"value": value},
                    column,
                    value,
                )
                continue
            emails.append({"address": address, **({"kind": kind} if kind else {})})
            email_columns.append(column)
    if emails:
        kwargs["emails"] = emails

    addresses, address_slots = [], []
    for n in range(1, ADDRESS_SLOTS + 1):
        prefix = f"address{n}_"
        if not any(
            row.get(prefix + f)
            for f in ("line1", "line2", "city", "area", "postal_code", "latitude", "longitude")
        ):
            continue
        address: dict[str, Any] = {
            f: row.get(prefix + f) for f in ("line1", "line2", "city", "postal_code")
        }
        if row.get(prefix + "country"):
            address["country"] = row.get(prefix + "country").strip().upper()
        if row.get(prefix + "kind"):
            address_kind = resolve(
                prefix + "kind", lambda v: resolver.choice(resolver.address_kinds, v)
            )
            if address_kind:
                address["kind"] = address_kind
        valid = True  # a city or an area alone is an address (`Address.clean`)
        for f, bound in (("latitude", 90), ("longitude", 180)):
            raw = row.get(prefix + f)
            if not raw:
                continue
            try:
                number = Decimal(raw.translate(_INDIC_DIGITS).replace(",", "."))
                address[f] = number.quantize(Decimal("0.000001"))
            except (InvalidOperation, ValueError):
                row.add(prefix + f, gettext("“%(value)s” is not a number.") % {"value": raw})
                valid = False
                continue
            if not -bound <= number <= bound:
                row.add(
                    prefix + f,
                    gettext("Give a value between %(low)s and %(high)s.")
                    % {"low": -bound, "high": bound},
                )
                valid = False
        if row.get(prefix + "area"):
            address_area = resolve(prefix + "area", resolver.areas.find)
            if address_area is not None:
                address["area"] = address_area
        if not valid:
            continue
        addresses.append(address)
        address_slots.append(n)
    if addresses:
        kwargs["addresses"] = addresses

    persons, person_slots = [], []
    for n in range(1, PERSON_SLOTS + 1):
        prefix = f"person{n}_"
        fields = ("name", "name_ar", "title", "department", "phone", "email")
        if not any(row.get(prefix + f) for f in fields):
            continue
        person: dict[str, Any] = {
            f: row.get(prefix + f) for f in ("name", "name_ar", "title", "department")
        }
        person_phones = []
        for value in _split(row.get(prefix + "phone")):
            try:
                phone_to_e164(value, resolver.region)
                person_phones.append(value)
            except ValidationError as exc:
                row.add(prefix + "phone", exc.messages[0], value=value)
        person_emails = []
        for value in _split(row.get(prefix + "email")):
            try:
                person_emails.append(_clean_email(value))
            except ValidationError:
                row.add(
                    prefix + "email",
                    gettext("“%(value)s” is not an e-mail address.") % {"value": value},
                    value=value,
                )
        person["phones"] = person_phones
        person["emails"] = person_emails
        if not person["name"]:
            row.add(prefix + "name", gettext("A contact person needs a name."))
            continue
        if not persons:
            person["is_primary"] = True
        persons.append(person)
        person_slots.append(n)
    if persons:
        kwargs["persons"] = persons

    kwargs["_where"] = {
        "phones": phone_columns,
        "emails": email_columns,
        "addresses": address_slots,
        "persons": person_slots,
    }
    return kwargs


def _phone_kind(value: str, region: str) -> str:
    """The kind of phone a number is, when the numbering plan says: mobile or landline (work)."""
    try:
        number_type = phonenumbers.number_type(phone_parse(value, region))
    except ValidationError:
        return ""
    if number_type == phonenumbers.PhoneNumberType.FIXED_LINE:
        return PhoneKind.WORK
    if number_type == phonenumbers.PhoneNumberType.MOBILE:
        return PhoneKind.MOBILE
    return ""  # fixed line or mobile (as in the US), toll-free, VoIP...: the default kind


# A path into the lists the service was given: list, row index, field (and a value's index).
_INDEXED = re.compile(r"^(phones|emails|addresses|persons)\.(\d+)(?:\.([a-z_]+))?(?:\.\d+)?$")


def _locate(where: dict[str, list[Any]]):
    """The `rows.Locate` of one row: a service error's path (`code`, `phones.0`,
    `persons.1.phones`, `addresses.0.line1`) -> (target, column, message). `where` says which
    column fed each phone and e-mail and which numbered group each address and person came
    from, in the order the service was given them (see `_build`)."""

    def locate(path: str, message: str) -> tuple[str, int | None, str]:
        if path in ("", NON_FIELD_ERRORS):
            return "", None, message
        match = _INDEXED.match(path)
        if match is None:
            return path, None, message
        kind, index, sub = match.group(1), int(match.group(2)), match.group(3)
        slots = where.get(kind, [])
        slot = slots[index] if index < len(slots) else None
        if kind in {"phones", "emails"}:
            return kind[:-1], slot, message
        prefix = f"{'address' if kind == 'addresses' else 'person'}{slot or 1}_"
        if sub in {"phones", "emails"}:
            return prefix + sub[:-1], None, message
        if sub and prefix + sub in TARGET_BY_KEY:
            return prefix + sub, None, message
        # The whole row, or a field no column feeds: the group's first column.
        return prefix + ("line1" if kind == "addresses" else "name"), None, message

    return locate


# --- running a check or an import -------------------------------------------------------------

MATCHES_SHOWN = 5
# Fields an update from a file never changes: the code identifies the contact, and the lifecycle
# moves only through its own service with its rules and reasons.
_NOT_UPDATED = {"code", "lifecycle", "rejection_reason"}


@dataclass
class _Before:
    """What an update changed on an existing contact, to put back if the run is undone."""

    pk: int
    data: dict[str, Any]
    groups: list[int]
    children: dict[Any, set[int]]


class _FileKeys:
    """The duplicate keys of the rows read so far, to find a row repeated within the file."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], int] = {}

    def match(self, keys: set[tuple[str, str]]) -> tuple[int | None, list[str]]:
        rows = [self.first[key] for key in keys if key in self.first]
        if not rows:
            return None, []
        earliest = min(rows)
        reasons = {key[0] for key in keys if self.first.get(key) == earliest}
        return earliest, [r for r in DUPLICATE_REASONS if r in reasons]

    def add(self, keys: set[tuple[str, str]], number: int) -> None:
        for key in keys:
            self.first.setdefault(key, number)


class _Pass(ImportPass):
    """One pass over a job's rows: check each, find its duplicates, write it as `mode` says."""

    columns = COLUMNS

    def __init__(self, *, seen: dict[str, list[int]] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        job, actor = self.job, self.actor
        self.company = job.company
        self.default_type = None
        if job.mapping.get("contact_type"):
            self.default_type = ContactType.objects.filter(
                company=job.company, pk=job.mapping["contact_type"]
            ).first()
        self.resolver = _Resolver(job.company, actor=actor)
        self.stand_in_type = (
            self.default_type or ContactType.objects.filter(company=job.company).first()
        )
        self.policy = job.duplicate_policy
        self.keys = _FileKeys()
        self.codes: dict[str, int] = {}
        # Row number -> the contact it created, updated or was skipped for; 0 when the row
        # created a contact in a check batch that has since been rolled back.
        self.row_contact: dict[int, int] = {}
        self.batch_created: list[tuple[int, Contact]] = []
        self.rolled_back: list[Contact] = []  # created by check batches since rolled back
        self.run_created: set[int] = set()
        self.undo_updates: list[_Before] = []
        # Existing contact -> the row of this file that updates it: one row per contact.
        self.updated_by: dict[int, int] = {}
        # When importing after a check: the contacts it showed per row, the only ones an
        # update may change (None: a check, which is what shows them).
        self.seen = seen

    def forget_batch(self) -> None:
        """After a check batch is rolled back: its rows' contacts exist no more, but later rows
        may still name them (as a dealer or referrer, by code), as they will when imported."""
        known = getattr(self.resolver, "contacts", None)
        for number, contact in self.batch_created:
            self.row_contact[number] = 0
            self.rolled_back.append(contact)
            if known is not None:
                known.setdefault(contact.code, contact)
        self.batch_created = []
        self.run_created = set()

    # -- one row --

    def handle(self, row: RowReport, record: RawRow) -> None:
        """Build the row's contact, find its duplicates, and write it as the policy says."""
        kwargs = _build(row, self.resolver, self.default_type)
        where = kwargs.pop("_where")
        keys = self._keys(kwargs)
        earlier, earlier_reasons = self.keys.match(keys)
        self.keys.add(keys, row.number)
        matches = [] if row.errors else self._matches(kwargs)
        if matches:
            self.outcome.seen[str(row.number)] = [m.contact.pk for m in matches]
        code = row.get("code")
        if self.policy == ImportJob.DuplicatePolicy.CREATE and code:
            if code in self.codes:
                row.add(
                    "code",
                    gettext("This code is already used in row %(row)s of this file.")
                    % {"row": self.codes[code]},
                )
            self.codes.setdefault(code, row.number)
        target: Contact | None = None
        action, repeats = "create", None
        if (earlier or matches) and not row.errors:
            if self.policy == ImportJob.DuplicatePolicy.SKIP:
                action = "skip"
            elif self.policy == ImportJob.DuplicatePolicy.UPDATE:
                action, target, repeats = self._update_target(
                    row, earlier, earlier_reasons, matches
                )
            self._note_duplicate(row, action, earlier, earlier_reasons, matches, target, repeats)
        if row.errors:
            # Still through the service, rolled back, so that the report lists the row's other
            # problems too.
            self._write(row, kwargs, where, None, "create")
            return
        if action in {"skip", "repeat"}:
            self.outcome.skipped += 1
            contact_pk = self.row_contact.get(earlier) if earlier else None
            if contact_pk is None and len(matches) == 1:
                contact_pk = matches[0].contact.pk
            if contact_pk is not None:
                self.row_contact[row.number] = contact_pk
            return
        self._write(row, kwargs, where, target, action)

    def _keys(self, kwargs: dict[str, Any]) -> set[tuple[str, str]]:
        data = kwargs["data"]
        keys = {("name", normalize_name(data.get(n))) for n in ("name", "name_ar")}
        keys.add(("code", (data.get("code") or "").strip().casefold()))
        for phone in _row_phones(kwargs):
            try:
                keys.add(("phone", phone_to_e164(phone, self.resolver.region)))
            except ValidationError:
                continue
        keys |= {("email", address) for address in _row_emails(kwargs)}
        return {(reason, value) for reason, value in keys if value}

    def _matches(self, kwargs: dict[str, Any]) -> list[Any]:
        data = kwargs["data"]
        found = contact_find_duplicates(
            user=self.actor,
            company=self.company,
            code=data.get("code") or None,
            name=data.get("name"),
            name_ar=data.get("name_ar"),
            phones=_row_phones(kwargs),
            emails=_row_emails(kwargs),
            limit=MATCHES_SHOWN + min(len(self.run_created), 50),
        )
        # Contacts written by this run are rows of the same file: `_FileKeys` reports those.
        found = [m for m in found if m.contact.pk not in self.run_created]
        code = (data.get("code") or "").strip()
        if code and not any("code" in m.reasons for m in found):
            # Ordered by how many reasons match, a contact matching by its code alone may fall
            # beyond the limit; it is the one an update goes to, so it is always shown.
            same_code = (
                Contact.objects.restrict(self.actor, "view")
                .filter(company=self.company, code=code)
                .exclude(pk__in=self.run_created)
                .first()
            )
            if same_code is not None:
                found.insert(0, DuplicateMatch(contact=same_code, reasons=("code",)))
        by_code = [m for m in found if "code" in m.reasons]
        return by_code + [m for m in found if "code" not in m.reasons][: MATCHES_SHOWN - 1]

    def _update_target(
        self, row: RowReport, earlier: int | None, earlier_reasons: list[str], matches: list[Any]
    ) -> tuple[str, Contact | None, int | None]:
        """(action, the contact to update, the earlier row it repeats) of a duplicate row when
        duplicates update their contact.

        - A row whose code is a contact's code updates that contact, whatever else it matches.
        - A row matching several contacts and none by code is reported, not updated.
        - A row is never applied to a contact it reaches only through another row of the file:
          it repeats that row ("repeat", skipped and reported), as does a row whose contact an
          earlier row of the file already updates.
        - After a check, only a contact the check showed for this row may be updated.
        """
        by_code = [m.contact for m in matches if "code" in m.reasons]
        if by_code:
            candidate = by_code[0]
        elif earlier is not None and "code" in earlier_reasons:
            return "repeat", None, earlier  # the code of an earlier row, new to the database
        elif len(matches) > 1:
            row.add(
                "",
                gettext(
                    "This row matches several contacts (%(codes)s), so it is not clear which to "
                    "update. Give the code of the one to update, or choose to skip duplicates "
                    "or to import them anyway."
                )
                % {"codes": ", ".join(m.contact.code for m in matches)},
            )
            return "ambiguous", None, None
        elif matches:
            candidate = matches[0].contact
        elif earlier is not None:
            return "repeat", None, earlier  # matches only another row of this file
        else:
            return "create", None, None
        first = self.updated_by.get(candidate.pk)
        if first is not None:
            return "repeat", None, first
        if self.seen is not None and candidate.pk not in self.seen.get(str(row.number), ()):
            row.add(
                "",
                gettext(
                    "This row now matches %(code)s, which the check did not show for it; check "
                    "the file again before updating."
                )
                % {"code": candidate.code},
            )
            return "unseen", None, None
        return "update", candidate, None

    def _note_duplicate(
        self, row, action, earlier, earlier_reasons, matches, target, repeats=None
    ) -> None:
        if len(self.outcome.duplicates) >= DUPLICATES_KEPT:
            return
        self.outcome.duplicates.append(
            {
                "row": row.number,
                "name": row.get("name")[:200],
                "action": action,
                "earlier_row": earlier,
                "earlier_reasons": earlier_reasons,
                "target": target.pk if target is not None else None,
                "repeats": repeats,
                "matches": [
                    {
                        "id": m.contact.pk,
                        "code": m.contact.code,
                        "name": m.contact.name,
                        "name_ar": m.contact.name_ar,
                        "reasons": list(m.reasons),
                    }
                    for m in matches
                ],
            }
        )

    def _write(self, row: RowReport, kwargs, where, target: Contact | None, action: str) -> None:
        """Create or update the row's contact in a savepoint; keep it if the row has no problem."""
        if target is None and "contact_type" not in kwargs["data"] and self.stand_in_type:
            # The row already has its type error; a stand-in type lets the service report the
            # row's other problems too (the row is rolled back anyway).
            kwargs["data"]["contact_type"] = self.stand_in_type
        if self.rolled_back:
            # A link to a contact an earlier check batch created: it exists again only when the
            # file is imported, where the link is checked; here the rest of the row is.
            gone = {id(c) for c in self.rolled_back}
            data = kwargs["data"]
            for key in [k for k, v in data.items() if id(v) in gone]:
                del data[key]
        savepoint = transaction.savepoint()
        contact = before = None
        try:
            if target is not None:
                region = self.resolver.region
                arguments, where = _update_arguments(target, kwargs, where, row, region)
                before = self._before(target, arguments) if self.mode == BATCHES_OR_UNDO else None
                contact = contact_update(
                    actor=self.actor,
                    contact=target,
                    reason=gettext("Imported from %(file)s") % {"file": self.job.original_name},
                    **arguments,
                )
            else:
                if "contact_type" not in kwargs["data"]:
                    raise ValidationError({})  # no type in the company: nothing to check
                contact = contact_create(actor=self.actor, company=self.company, **kwargs)
        except (ValidationError, PermissionDenied, IntegrityError, DataError) as exc:
            transaction.savepoint_rollback(savepoint)
            if isinstance(exc, ValidationError):
                record_errors(row, exc, _locate(where))
            elif isinstance(exc, PermissionDenied) and target is not None:
                row.add(
                    "",
                    gettext(
                        "You may not change %(code)s, which this row matches; choose to skip "
                        "duplicates or to import them anyway."
                    )
                    % {"code": target.code},
                )
            elif isinstance(exc, PermissionDenied):
                row.add("", str(exc) or gettext("You may not add this contact."))
            else:
                row.add("", gettext("The database refused this row: %(error)s") % {"error": exc})
        except Exception:
            # A fault in the code, not in the file: report the row and keep going.
            transaction.savepoint_rollback(savepoint)
            logger.exception("Contact import %s: row %s failed", self.job.pk, row.number)
            row.add("", gettext("This row could not be checked because of an unexpected error."))
        if row.errors:
            if contact is not None:
                transaction.savepoint_rollback(savepoint)
            self.fail(row)
            return
        transaction.savepoint_commit(savepoint)
        self.row_contact[row.number] = contact.pk
        if target is None:
            self.run_created.add(contact.pk)
            self.batch_created.append((row.number, contact))
        if action == "update":
            self.outcome.updated += 1
            self.updated_by[target.pk] = row.number
        else:
            self.outcome.created += 1
        if before is not None:
            self.undo_updates.append(before)

    def fail(self, row: RowReport) -> None:
        duplicates = self.outcome.duplicates
        if duplicates and duplicates[-1]["row"] == row.number:
            duplicates[-1]["action"] = "failed"
        super().fail(row)

    # -- undoing a run written batch by batch --

    def _before(self, contact: Contact, arguments: dict[str, Any]) -> _Before:
        return _Before(
            pk=contact.pk,
            data={name: getattr(contact, name) for name in arguments["data"]},
            groups=list(contact.product_groups.values_list("pk", flat=True)),
            children={
                model: set(model.objects.filter(contact=contact).values_list("pk", flat=True))
                for model in (Phone, Email, Address, ContactPerson)
            },
        )

    def undo(self) -> None:
        """Delete the contacts this run created and put back what it changed, batch by batch."""
        created = sorted(self.run_created)
        for start in range(0, len(created), runner.BATCH_ROWS):
            with transaction.atomic():
                for contact in Contact.objects.filter(
                    pk__in=created[start : start + runner.BATCH_ROWS]
                ):
                    stamp_history(contact, self.actor).delete()
        reason = gettext("Import of %(file)s undone") % {"file": self.job.original_name}
        for before in reversed(self.undo_updates):
            with transaction.atomic():
                contact = Contact.objects.get(pk=before.pk)
                for model, kept in before.children.items():
                    for child in model.objects.filter(contact=contact).exclude(pk__in=kept):
                        stamp_history(child, self.actor).delete()
                contact_update(
                    actor=self.actor,
                    contact=contact,
                    data=before.data,
                    product_groups=ProductGroup.objects.filter(pk__in=before.groups),
                    reason=reason,
                )


def _row_phones(kwargs: dict[str, Any]) -> list[str]:
    phones = [p["number"] for p in kwargs.get("phones", [])]
    return phones + [n for person in kwargs.get("persons", []) for n in person.get("phones", [])]


def _row_emails(kwargs: dict[str, Any]) -> list[str]:
    emails = [e["address"] for e in kwargs.get("emails", [])]
    return emails + [a for person in kwargs.get("persons", []) for a in person.get("emails", [])]


def _address_key(address: dict[str, Any]) -> tuple[str, ...]:
    return tuple(normalize_name(str(address.get(f) or "")) for f in ("line1", "line2", "city"))


def _update_arguments(contact: Contact, kwargs: dict[str, Any], where, row: RowReport, region: str):
    """`contact_update`'s arguments that bring a file's row into an existing contact, losing
    nothing: the row's filled-in fields are set (never the code or the lifecycle stage; the
    type only from the row, not the default type for new rows); phones, e-mails, addresses,
    persons and product groups the contact lacks are added to those it has."""
    data = {k: v for k, v in kwargs["data"].items() if k not in _NOT_UPDATED}
    if not row.get("contact_type"):
        data.pop("contact_type", None)
    arguments: dict[str, Any] = {"data": data}
    new_where: dict[str, list[Any]] = {}
    groups = kwargs.get("product_groups") or []
    current_groups = list(contact.product_groups.all())
    if any(g.pk not in {c.pk for c in current_groups} for g in groups):
        arguments["product_groups"] = current_groups + [
            g for g in groups if g.pk not in {c.pk for c in current_groups}
        ]
    numbers = set(Phone.objects.filter(contact=contact).values_list("number", flat=True))
    new_phones, new_columns = [], []
    for phone, column in zip(kwargs.get("phones", []), where.get("phones", []), strict=False):
        number = phone_to_e164(phone["number"], region)
        if number not in numbers:
            numbers.add(number)
            new_phones.append(phone)
            new_columns.append(column)
    if new_phones:
        kept = Phone.objects.filter(contact=contact, person__isnull=True)
        existing = [{"id": p.pk, "number": p.number, "kind": p.kind} for p in kept]
        arguments["phones"] = existing + new_phones
        new_where["phones"] = [None] * len(existing) + new_columns
    addresses = set(Email.objects.filter(contact=contact).values_list("address", flat=True))
    new_emails, new_columns = [], []
    for email, column in zip(kwargs.get("emails", []), where.get("emails", []), strict=False):
        if email["address"] not in addresses:
            addresses.add(email["address"])
            new_emails.append(email)
            new_columns.append(column)
    if new_emails:
        kept = Email.objects.filter(contact=contact, person__isnull=True)
        existing = [{"id": e.pk, "address": e.address, "kind": e.kind} for e in kept]
        arguments["emails"] = existing + new_emails
        new_where["emails"] = [None] * len(existing) + new_columns
    current = list(Address.objects.filter(contact=contact))
    seen = {_address_key(vars(a)) for a in current}
    new_addresses, new_slots = [], []
    for address, slot in zip(kwargs.get("addresses", []), where.get("addresses", []), strict=False):
        if _address_key(address) not in seen:
            seen.add(_address_key(address))
            new_addresses.append(address)
            new_slots.append(slot)
    if new_addresses:
        fields = ("kind", "line1", "line2", "city", "area", "postal_code", "country")
        existing = [
            {
                "id": a.pk,
                **{f: getattr(a, f) for f in fields},
                "latitude": a.latitude,
                "longitude": a.longitude,
            }
            for a in current
        ]
        arguments["addresses"] = existing + new_addresses
        new_where["addresses"] = [None] * len(existing) + new_slots
    people = list(ContactPerson.objects.filter(contact=contact))
    names = {normalize_name(p.name) for p in people}
    new_persons, new_slots = [], []
    for person, slot in zip(kwargs.get("persons", []), where.get("persons", []), strict=False):
        if normalize_name(person["name"]) not in names:
            names.add(normalize_name(person["name"]))
            person = {**person, "is_primary": not people and not new_persons}
            new_persons.append(person)
            new_slots.append(slot)
    if new_persons:
        fields = ("name", "name_ar", "title", "department", "is_primary")
        existing = [{"id": p.pk, **{f: getattr(p, f) for f in fields}} for p in people]
        arguments["persons"] = existing + new_persons
        new_where["persons"] = [None] * len(existing) + new_slots
    return arguments, new_where


def _counted(singular: str, plural: str, count: int) -> str:
    return ngettext(singular, plural, count) % {"count": f"{count:,}"}


def _summary(outcome: Outcome, job: ImportJob, dry_run: bool) -> tuple[str, str]:
    """The job's status and the one-paragraph message of a finished check or import."""
    problems, rows = error_counts(outcome.errors)
    counted = {
        "problems": ngettext("%(n)s problem", "%(n)s problems", problems) % {"n": problems},
        "rows": ngettext("%(n)s row", "%(n)s rows", rows) % {"n": rows},
    }
    nothing = gettext("Nothing was imported: %(problems)s in %(rows)s.") % counted
    valid_rows = job.error_policy == ImportJob.ErrorPolicy.VALID_ROWS
    counts = []
    if outcome.updated:
        counts.append(
            _counted(
                "%(count)s existing contact updated.",
                "%(count)s existing contacts updated.",
                outcome.updated,
            )
        )
    if outcome.skipped:
        counts.append(
            _counted(
                "%(count)s duplicate row skipped.",
                "%(count)s duplicate rows skipped.",
                outcome.skipped,
            )
        )
    if dry_run:
        if outcome.errors and not valid_rows:
            return ImportJob.Status.VALIDATED, nothing
        if outcome.errors:
            text = (
                gettext(
                    "Check: %(rows)s with problems will be left out (%(problems)s); the other rows "
                    "can be imported."
                )
                % counted
            )
        elif not counts:
            text = ngettext(
                "Check passed: the %(count)s row can be imported. Nothing was written yet.",
                "Check passed: all %(count)s rows can be imported. Nothing was written yet.",
                outcome.rows,
            ) % {"count": outcome.rows}
        else:
            text = gettext("Check passed. Nothing was written yet.")
        new = _counted("%(count)s new contact.", "%(count)s new contacts.", outcome.created)
        if counts or outcome.errors:
            text = " ".join([text, new, *counts])
        return ImportJob.Status.VALIDATED, text
    if outcome.errors and not outcome.written:
        return ImportJob.Status.FAILED, nothing
    text = _counted("Imported %(count)s contact.", "Imported %(count)s contacts.", outcome.created)
    parts = [text, *counts]
    if outcome.errors:
        parts.append(
            ngettext(
                "%(n)s row with problems was not imported (see the report).",
                "%(n)s rows with problems were not imported (see the report).",
                rows,
            )
            % {"n": rows}
        )
    return ImportJob.Status.IMPORTED, " ".join(parts)


# --- the importer's declaration and its services ----------------------------------------------

UPDATE_NEEDS_CHECK = _(
    "Check the file before updating existing contacts: an update changes only the contacts the "
    "check showed."
)


class ContactImporter(Importer):
    """Contacts through the generic importer: `_Pass` per row, `contact_create` per contact."""

    job_model = ImportJob
    columns = COLUMNS
    pass_class = _Pass
    permission = "contacts.import_contact"
    permission_message = _("You may not import contacts.")
    default_name = "contacts"

    def initial_mapping(self) -> dict[str, Any]:
        return {"contact_type": None}

    def check_mapping(
        self, *, job, first_column: dict[str, int], errors: dict[str, list], options: dict
    ) -> dict[str, Any]:
        """A name column is required; the type comes from a column or one for all rows."""
        contact_type = options.get("contact_type")
        if "name" not in first_column:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                gettext("Choose the column that holds the contact's name.")
            )
        if contact_type is not None and contact_type.company_id != job.company_id:
            errors["contact_type"] = [gettext("This value belongs to another company.")]
        elif contact_type is None and "contact_type" not in first_column:
            errors["contact_type"] = [
                gettext("Choose a contact type for all rows, or a column that holds it.")
            ]
        return {"contact_type": contact_type.pk if contact_type else None}

    def before_start(self, *, job, dry_run: bool) -> None:
        if dry_run:
            # What the check shows is all an update may change (see `_Pass._update_target`).
            job.mapping.pop("seen", None)
        elif job.duplicate_policy == ImportJob.DuplicatePolicy.UPDATE and "seen" not in job.mapping:
            raise ValidationError(UPDATE_NEEDS_CHECK)

    def before_run(self, *, job, actor, dry_run: bool) -> None:
        if not actor.has_perm("contacts.add_contact"):
            raise ValidationError(gettext("You may not add contacts, so nothing can be imported."))

    def pass_options(self, *, job, dry_run: bool) -> dict[str, Any]:
        """An import after a check may update only the contacts it showed (`seen`); an update
        without a check is refused."""
        if dry_run:
            return {"seen": None}
        seen = job.mapping.get("seen")
        if seen is None and job.duplicate_policy == ImportJob.DuplicatePolicy.UPDATE:
            raise ValidationError(UPDATE_NEEDS_CHECK)
        return {"seen": seen or {}}

    def after_run(self, *, job, outcome: Outcome, dry_run: bool) -> None:
        if dry_run:
            job.mapping["seen"] = outcome.seen

    def summary(self, outcome: Outcome, job, dry_run: bool) -> tuple[str, str]:
        return _summary(outcome, job, dry_run)

    def enqueue(self, job_id: int, dry_run: bool) -> None:
        from .tasks import import_contacts_task  # a cycle: the task calls this module's service

        import_contacts_task(job_id, dry_run)


IMPORTER = ContactImporter()


def import_job_create(*, actor, company: Company, uploaded_file) -> ImportJob:
    """Check an uploaded file (size, format, encoding, header, rows) and keep it as a new job."""
    return IMPORTER.create(actor=actor, company=company, uploaded_file=uploaded_file)


def import_job_set_mapping(
    *,
    actor,
    job: ImportJob,
    columns: dict[int, str],
    contact_type: ContactType | None = None,
    duplicate_policy: str | None = None,
    error_policy: str | None = None,
) -> ImportJob:
    """Store which column feeds which field, and the policies for duplicates and for rows with
    problems (None: unchanged); errors are keyed `column_<index>`, `contact_type` or the
    policy's name."""
    return IMPORTER.set_mapping(
        actor=actor,
        job=job,
        columns=columns,
        duplicate_policy=duplicate_policy,
        error_policy=error_policy,
        contact_type=contact_type,
    )


def import_job_set_policies(
    *, actor, job: ImportJob, duplicate_policy: str | None = None, error_policy: str | None = None
) -> ImportJob:
    """Change what a job does with duplicates and with rows that have problems (None: keep)."""
    return IMPORTER.set_policies(
        actor=actor, job=job, duplicate_policy=duplicate_policy, error_policy=error_policy
    )


def import_job_start(*, actor, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue a dry run or the import of a mapped job; the task starts after commit."""
    return IMPORTER.start(actor=actor, job=job, dry_run=dry_run)


def import_job_run(*, job_id: int, dry_run: bool) -> ImportJob | None:
    """Check (dry run) or import every row of a queued job, as the job's policies say.

    Safe to call twice: only a queued job is claimed, so a retried task does nothing.
    """
    return IMPORTER.run(job_id=job_id, dry_run=dry_run)


def import_job_progress(*, job: ImportJob) -> int:
    """Rows processed so far, read from the job row or the progress cache, whichever is ahead."""
    return job_progress(job)


def import_job_summary(job: ImportJob) -> str:
    """The one-paragraph result of a finished check or import, in the active language."""
    return IMPORTER.summary_of(job)


def import_job_fail_stale(*, now=None) -> int:
    """Mark jobs left running by a worker that died as failed (see `Importer.fail_stale`)."""
    return IMPORTER.fail_stale(now=now)


# --- files we hand out -------------------------------------------------------------------------


SAMPLE_COLUMNS = [
    "code",
    "name",
    "name_ar",
    "kind",
    "contact_type",
    "category",
    "area",
    "industry",
    "product_groups",
    "representative",
    "lifecycle",
    "phone",
    "email",
    "website",
    "tax_number",
    "address1_line1",
    "address1_city",
    "address1_latitude",
    "address1_longitude",
    "person1_name",
    "person1_title",
    "person1_phone",
    "person1_email",
    "person2_name",
    "person2_phone",
    "notes",
]


def import_sample_rows(*, company: Company | None) -> tuple[list[str], list[list[str]]]:
    """Header and two example rows for the sample CSV, using the company's own master data."""

    def first(model, attr: str = "name") -> str:
        if company is None:
            return ""
        obj = model.objects.filter(company=company, is_active=True).order_by("pk").first()
        return getattr(obj, attr, "") if obj else ""

    contact_type = first(ContactType, "code") or "customer"
    area, industry = first(Area), first(Industry)
    group = first(ProductGroup)
    header = [str(TARGET_BY_KEY[k].label) for k in SAMPLE_COLUMNS]
    example = {
        "code": "C-9001",
        "name": "Al Noor Trading",
        "name_ar": "النور للتجارة",
        "kind": str(ContactKind.ORGANISATION.label),
        "contact_type": contact_type,
        "area": area,
        "industry": industry,
        "product_groups": group,
        "lifecycle": str(Lifecycle.PROSPECT.label),
        "phone": "0112345678",
        "email": "info@alnoor.example",
        "website": "alnoor.example",
        "tax_number": "300000000000003",
        "address1_line1": "King Fahd Road",
        "address1_city": "Riyadh",
        "address1_latitude": "24.7136",
        "address1_longitude": "46.6753",
        "person1_name": "Omar Saleh",
        "person1_title": "Buyer",
        "person1_phone": "0501234567",
        "person1_email": "omar@alnoor.example",
        "person2_name": "Huda Ali",
        "person2_phone": "0551234567",
        "notes": "",
    }
    second = {
        "code": "C-9002",
        "name": "Sara Ahmed",
        "name_ar": "سارة أحمد",
        "kind": str(ContactKind.INDIVIDUAL.label),
        "contact_type": contact_type,
        "area": area,
        "lifecycle": str(Lifecycle.TARGET.label),
        "phone": "0509876543; 0112233445",
        "email": "sara@example.com",
        "address1_line1": "Olaya Street",
        "address1_city": "Riyadh",
    }
    return header, [[row.get(k, "") for k in SAMPLE_COLUMNS] for row in (example, second)]
