"""The contacts module's step of the demo company: its master data, the default rules that name
it, and its contacts (a step of `manage.py demo`, registered in `module.py`); and the bulk load
of leaner contacts by the million for benchmarks (`bulk_contacts_load`).

Everything is drawn from the demo's seeded `random.Random`, so two builds on empty databases
hold the same records. The first few hundred contacts go through the services the application
itself uses (`contact_create`, `contact_set_lifecycle`...); the others are written in bulk from
the same generated data, with their children, change history and lifecycle rows. Both fill the
derived search columns the way `contact_refresh_search` does.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from tawasul.access.default_rules import ensure_default_rules
from tawasul.contacts.choices import (
    DEALER_TYPE_CODES,
    SYSTEM_CONTACT_TYPES,
    AddressKind,
    AreaLevel,
    ContactKind,
    EmailKind,
    Lifecycle,
    PhoneKind,
    ReferralKind,
)
from tawasul.contacts.models import (
    Address,
    Area,
    Contact,
    ContactCategory,
    ContactPerson,
    ContactType,
    Email,
    Industry,
    LifecycleChange,
    Phone,
    ProductGroup,
    ReferralSource,
    Segment,
    Size,
)
from tawasul.contacts.phones import phone_region, phone_to_e164
from tawasul.contacts.services import (
    SearchColumns,
    contact_create,
    contact_search_columns,
    contact_set_lifecycle,
    masterdata_save,
)
from tawasul.core import clock
from tawasul.core.history import stamp_history
from tawasul.core.services import sequence_next
from tawasul.org.demo import MOBILE_DIGITS, SEED, STAFF
from tawasul.org.demo import mobile_number as _mobile
from tawasul.org.models import Company, Employee

Say = Callable[[str], None]

# Sales representatives and the cities (with the zones among them) they cover.
SALES_TERRITORIES: dict[str, list[str]] = {
    "rep.ahmed": ["Al Olaya", "Al Malaz", "Al Yasmin"],
    "rep.khalid": [
        "Al Naseem",
        "Al Sulay",
        "Al Khalidiyah",
        "Al Faisaliyah",
        "Al Shati",
        "Al Aqrabiyah",
        "Al Safra",
    ],
    "rep.faisal": ["Al Rawdah", "Al Safa", "Al Balad", "Al Hamra"],
    "rep.omar": ["Al Aziziyah", "Al Hawiyah", "Quba"],
}

# --- master data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    name_ar: str
    latitude: float
    longitude: float
    landline_prefix: str  # national digits after the leading 0, completed to 9 digits
    zones: tuple[tuple[str, str], ...]
    branch: str = "RUH"  # the branch that serves the city


COUNTRY = ("Saudi Arabia", "المملكة العربية السعودية")
# fmt: off
REGIONS: list[tuple[str, str, list[City]]] = [
    ("Riyadh Region", "منطقة الرياض", [
        City("Riyadh", "الرياض", 24.7136, 46.6753, "11", (
            ("Al Olaya", "العليا"), ("Al Malaz", "الملز"), ("Al Yasmin", "الياسمين"),
            ("Al Naseem", "النسيم"), ("Al Sulay", "السلي"))),
        City("Al Kharj", "الخرج", 24.1556, 47.3120, "11", (("Al Khalidiyah", "الخالدية"),)),
    ]),
    ("Makkah Region", "منطقة مكة المكرمة", [
        City("Jeddah", "جدة", 21.5433, 39.1728, "126", (
            ("Al Rawdah", "الروضة"), ("Al Safa", "الصفا"), ("Al Balad", "البلد"),
            ("Al Hamra", "الحمراء")), "JED"),
        City("Makkah", "مكة المكرمة", 21.3891, 39.8579, "125", (("Al Aziziyah", "العزيزية"),),
             "JED"),
        City("Taif", "الطائف", 21.2703, 40.4158, "127", (("Al Hawiyah", "الحوية"),), "JED"),
    ]),
    ("Eastern Province", "المنطقة الشرقية", [
        City("Dammam", "الدمام", 26.4207, 50.0888, "138", (
            ("Al Faisaliyah", "الفيصلية"), ("Al Shati", "الشاطئ"))),
        City("Khobar", "الخبر", 26.2172, 50.1971, "138", (("Al Aqrabiyah", "العقربية"),)),
    ]),
    ("Madinah Region", "منطقة المدينة المنورة", [
        City("Madinah", "المدينة المنورة", 24.5247, 39.5692, "148", (("Quba", "قباء"),), "JED"),
    ]),
    ("Qassim Region", "منطقة القصيم", [
        City("Buraidah", "بريدة", 26.3592, 43.9818, "163", (("Al Safra", "الصفراء"),)),
    ]),
]
# fmt: on

CATEGORIES: dict[str, list[tuple[str, str]]] = {
    "customer": [("Wholesale", "جملة"), ("Retail", "تجزئة"), ("Government", "جهة حكومية")],
    "prospect": [("Hot lead", "فرصة ساخنة"), ("Cold lead", "فرصة باردة")],
    "supplier": [("Local supplier", "مورد محلي"), ("Importer", "مستورد")],
    "dealer": [("Authorised dealer", "موزع معتمد"), ("Sub-dealer", "موزع فرعي")],
    "agent": [("Exclusive agent", "وكيل حصري"), ("Commission agent", "وكيل بالعمولة")],
    "competitor": [
        ("Direct competitor", "منافس مباشر"),
        ("Indirect competitor", "منافس غير مباشر"),
    ],
    "employee": [("Staff", "موظف حالي"), ("Former staff", "موظف سابق")],
}
# (English, Arabic, the activity in a company name, in English and Arabic)
INDUSTRIES = [
    ("Construction", "البناء والتشييد", "Contracting", "للمقاولات"),
    ("Healthcare", "الرعاية الصحية", "Medical", "الطبية"),
    ("Hospitality", "الضيافة", "Hotels", "للفنادق"),
    ("Retail", "تجارة التجزئة", "Trading", "للتجارة"),
    ("Manufacturing", "الصناعة", "Industries", "للصناعة"),
    ("Education", "التعليم", "Schools", "للمدارس"),
    ("Oil and gas", "النفط والغاز", "Energy", "للطاقة"),
    ("Food and beverage", "الأغذية والمشروبات", "Foods", "للأغذية"),
    ("Logistics", "الخدمات اللوجستية", "Logistics", "للخدمات اللوجستية"),
    ("Real estate", "العقارات", "Real Estate", "العقارية"),
]
SEGMENTS = [
    ("Enterprise", "الشركات الكبرى"),
    ("Small and medium business", "المنشآت الصغيرة والمتوسطة"),
    ("Government", "القطاع الحكومي"),
    ("Consumer", "الأفراد"),
]
CONSUMER_SEGMENT = "Consumer"
SIZES_MD = [
    ("Micro (1-9)", "متناهية الصغر (١-٩)"),
    ("Small (10-49)", "صغيرة (١٠-٤٩)"),
    ("Medium (50-249)", "متوسطة (٥٠-٢٤٩)"),
    ("Large (250+)", "كبيرة (٢٥٠+)"),
]
PRODUCT_GROUPS = [
    ("Air conditioners", "مكيفات الهواء"),
    ("Water heaters", "سخانات المياه"),
    ("Kitchen appliances", "أجهزة المطبخ"),
    ("Generators", "المولدات الكهربائية"),
    ("Spare parts", "قطع الغيار"),
    ("Maintenance contracts", "عقود الصيانة"),
]
REFERRAL_SOURCES = [
    ("Ramadan campaign", "حملة رمضان", ReferralKind.CAMPAIGN),
    ("National Day offers", "عروض اليوم الوطني", ReferralKind.CAMPAIGN),
    ("Summer cooling campaign", "حملة تكييف الصيف", ReferralKind.CAMPAIGN),
    ("Riyadh Building Exhibition", "معرض الرياض للبناء", ReferralKind.EXHIBITION),
    ("Jeddah HVAC Expo", "معرض جدة للتكييف", ReferralKind.EXHIBITION),
    ("Company website", "الموقع الإلكتروني", ReferralKind.WEBSITE),
    ("Showroom walk-in", "زيارة المعرض", ReferralKind.WALK_IN),
    ("Customer recommendation", "توصية عميل", ReferralKind.OTHER),
]

# --- names ---------------------------------------------------------------------------------

MALE_NAMES = [
    ("Ahmed", "أحمد"),
    ("Mohammed", "محمد"),
    ("Abdullah", "عبدالله"),
    ("Khalid", "خالد"),
    ("Faisal", "فيصل"),
    ("Omar", "عمر"),
    ("Saad", "سعد"),
    ("Majed", "ماجد"),
    ("Turki", "تركي"),
    ("Yousef", "يوسف"),
    ("Fahad", "فهد"),
    ("Sultan", "سلطان"),
    ("Nasser", "ناصر"),
    ("Ibrahim", "إبراهيم"),
    ("Ali", "علي"),
    ("Hassan", "حسن"),
    ("Saleh", "صالح"),
    ("Bandar", "بندر"),
    ("Nawaf", "نواف"),
    ("Ziyad", "زياد"),
    ("Mishal", "مشعل"),
    ("Rakan", "راكان"),
    ("Hamad", "حمد"),
    ("Tariq", "طارق"),
]
FEMALE_NAMES = [
    ("Sara", "سارة"),
    ("Noura", "نورة"),
    ("Huda", "هدى"),
    ("Reem", "ريم"),
    ("Lama", "لمى"),
    ("Amal", "أمل"),
    ("Fatimah", "فاطمة"),
    ("Maha", "مها"),
    ("Hind", "هند"),
    ("Aisha", "عائشة"),
    ("Mona", "منى"),
    ("Dalal", "دلال"),
    ("Latifa", "لطيفة"),
    ("Ghada", "غادة"),
]
FAMILIES = [
    ("Al-Otaibi", "العتيبي"),
    ("Al-Qahtani", "القحطاني"),
    ("Al-Ghamdi", "الغامدي"),
    ("Al-Zahrani", "الزهراني"),
    ("Al-Harbi", "الحربي"),
    ("Al-Shehri", "الشهري"),
    ("Al-Dosari", "الدوسري"),
    ("Al-Mutairi", "المطيري"),
    ("Al-Anazi", "العنزي"),
    ("Al-Shammari", "الشمري"),
    ("Al-Subaie", "السبيعي"),
    ("Al-Malki", "المالكي"),
    ("Al-Juhani", "الجهني"),
    ("Al-Yami", "اليامي"),
    ("Al-Rashidi", "الرشيدي"),
    ("Al-Qurashi", "القرشي"),
    ("Al-Amri", "العمري"),
    ("Al-Tamimi", "التميمي"),
    ("Al-Sharif", "الشريف"),
    ("Al-Balawi", "البلوي"),
]
BRANDS = [
    ("Al Noor", "النور"),
    ("Al Amal", "الأمل"),
    ("Al Waha", "الواحة"),
    ("Al Nakheel", "النخيل"),
    ("Al Jazeera", "الجزيرة"),
    ("Al Khaleej", "الخليج"),
    ("Al Yamamah", "اليمامة"),
    ("Al Fajr", "الفجر"),
    ("Al Majd", "المجد"),
    ("Al Rowad", "الرواد"),
    ("Al Safwa", "الصفوة"),
    ("Al Bayan", "البيان"),
    ("Al Tameer", "التعمير"),
    ("Al Hayat", "الحياة"),
    ("Al Ittihad", "الاتحاد"),
    ("Al Watan", "الوطن"),
    ("Al Sahra", "الصحراء"),
    ("Al Manar", "المنار"),
    ("Al Reef", "الريف"),
    ("Al Masa", "الماسة"),
]
LEGAL_FORMS = [("Co.", "شركة"), ("Est.", "مؤسسة"), ("Group", "مجموعة")]
PERSON_TITLES = [
    ("Purchasing manager", "Purchasing"),
    ("Owner", ""),
    ("Accountant", "Finance"),
    ("Operations manager", "Operations"),
    ("Procurement officer", "Purchasing"),
    ("Facilities manager", "Facilities"),
    ("General manager", "Management"),
]
STREETS = [
    "King Fahd Road",
    "King Abdulaziz Road",
    "Prince Sultan Street",
    "Olaya Street",
    "Tahlia Street",
    "Prince Mohammed bin Abdulaziz Road",
    "Makkah Road",
    "Madinah Road",
    "King Abdullah Road",
    "Al Amir Majed Street",
]
REJECTION_REASONS = [
    "Price too high compared to the competition",
    "Chose a competitor's offer",
    "No budget this year",
    "Could not be reached after several calls",
    "السعر مرتفع مقارنة بالمنافسين",
    "لا توجد ميزانية حالياً",
]
RECOVERY_REASON = "Came back after a new offer"
NOTES = [
    "Prefers visits on Sunday mornings.",
    "Pays by bank transfer; send invoices by e-mail.",
    "Interested in a maintenance contract for the whole building.",
    "يفضل التواصل عبر واتساب.",
    "يطلب عرض سعر قبل نهاية الربع.",
]
# Saudi mobile numbers: 05 followed by one of these digits and seven more.

# The share of each contact type in a demo of any size (every type gets at least one).
TYPE_SHARES = [
    ("customer", 48),
    ("prospect", 30),
    ("supplier", 6),
    ("dealer", 4),
    ("agent", 3),
    ("competitor", 4),
    ("employee", 5),
]
SALES_TYPES = {"customer", "prospect", "dealer", "agent", "competitor"}


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower().replace(" ", "-") if ch.isalnum() or ch == "-")


def _landline(rng: random.Random, city: City) -> str:
    rest = 9 - len(city.landline_prefix)
    return f"0{city.landline_prefix}{rng.randrange(10**rest):0{rest}d}"


def _vat_number(rng: random.Random) -> str:
    """A Saudi VAT registration number: fifteen digits, starting and ending with 3."""
    return f"3{rng.randrange(10**13):013d}3"


def person_name(rng: random.Random, female: bool | None = None) -> tuple[str, str]:
    """A full name (given, father's, family) in English and Arabic."""
    if female is None:
        female = rng.random() < 0.3
    first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    father = rng.choice(MALE_NAMES)
    family = rng.choice(FAMILIES)
    return (
        f"{first[0]} {father[0]} {family[0]}",
        f"{first[1]} {father[1]} {family[1]}",
    )


def organisation_name(rng: random.Random, industry: int) -> tuple[str, str]:
    """A company name in English and Arabic, built around an industry's activity."""
    _name, _name_ar, activity, activity_ar = INDUSTRIES[industry]
    form, form_ar = rng.choice(LEGAL_FORMS)
    if rng.random() < 0.35:
        family, family_ar = rng.choice(FAMILIES)
        return f"{family} {activity} {form}", f"{form_ar} {family_ar} {activity_ar}"
    brand, brand_ar = rng.choice(BRANDS)
    return f"{brand} {activity} {form}", f"{form_ar} {brand_ar} {activity_ar}"


def _languages(rng: random.Random, name: str, name_ar: str) -> tuple[str, str]:
    """Most records carry both names; some were entered in Arabic or in English only."""
    draw = rng.random()
    if draw < 0.25:
        return name_ar, ""
    if draw < 0.35:
        return name, ""
    return name, name_ar


def _by(actor, obj):
    """Mark who made `obj`, for its change history."""
    return stamp_history(obj, actor)


@dataclass
class _Rep:
    """What a representative's contacts inherit: branch, coordinator, manager, territory."""

    employee: Employee
    user: Any
    coordinator: Employee | None
    manager: Employee
    zones: list[Area]


class ContactsDemo:
    """The contacts step, reading the demo's organisation (company, users, employees, the seeded
    `rng`, the sizes) from the demo being built, which it stands for otherwise."""

    def __init__(self, demo) -> None:
        self.demo = demo
        self.types: dict[str, ContactType] = {}
        self.categories: dict[str, list[ContactCategory]] = {}
        self.cities: dict[str, City] = {}
        self.areas: dict[str, Area] = {}  # by English name: regions, cities, zones
        self.zone_city: dict[int, City] = {}  # zone id -> its city
        self.zone_region: dict[int, Area] = {}
        self.industries: list[Industry] = []
        self.segments: dict[str, Segment] = {}
        self.sizes: list[Size] = []
        self.product_groups: list[ProductGroup] = []
        self.referral_sources: list[ReferralSource] = []

    def __getattr__(self, name: str):
        if name == "demo":
            raise AttributeError(name)
        return getattr(self.demo, name)

    def build(self) -> None:
        step = time.perf_counter()
        self.build_master_data()
        # The default rules name the company's contact types (customers of my branch...).
        ensure_default_rules(self.company)
        self.say(_("Master data: %(seconds)s") % {"seconds": self.since(step)})
        step = time.perf_counter()
        self.build_contacts()
        self.say(
            _("%(count)s contacts: %(seconds)s")
            % {"count": self.contact_count, "seconds": self.since(step)}
        )

    # master data

    def _save(self, model, **fields):
        return masterdata_save(actor=None, model=model, company=self.company, **fields)

    def build_master_data(self) -> None:
        for code, name, name_ar in SYSTEM_CONTACT_TYPES:
            self.types[code] = self._save(
                ContactType, code=code, name=name, name_ar=name_ar, is_system=True
            )
            self.categories[code] = [
                self._save(ContactCategory, contact_type=self.types[code], name=n, name_ar=a)
                for n, a in CATEGORIES[code]
            ]
        country = self._save(Area, name=COUNTRY[0], name_ar=COUNTRY[1], level=AreaLevel.COUNTRY)
        for region_name, region_ar, cities in REGIONS:
            region = self._save(
                Area, name=region_name, name_ar=region_ar, level=AreaLevel.REGION, parent=country
            )
            self.areas[region_name] = region
            for city in cities:
                city_area = self._save(
                    Area,
                    name=city.name,
                    name_ar=city.name_ar,
                    level=AreaLevel.CITY,
                    parent=region,
                )
                self.areas[city.name] = city_area
                self.cities[city.name] = city
                for zone_name, zone_ar in city.zones:
                    zone = self._save(
                        Area,
                        name=zone_name,
                        name_ar=zone_ar,
                        level=AreaLevel.ZONE,
                        parent=city_area,
                    )
                    self.areas[zone_name] = zone
                    self.zone_city[zone.pk] = city
                    self.zone_region[zone.pk] = region
        self.industries = [
            self._save(Industry, name=n, name_ar=a) for n, a, _act, _act_ar in INDUSTRIES
        ]
        self.segments = {n: self._save(Segment, name=n, name_ar=a) for n, a in SEGMENTS}
        self.sizes = [self._save(Size, name=n, name_ar=a) for n, a in SIZES_MD]
        self.product_groups = [
            self._save(ProductGroup, name=n, name_ar=a) for n, a in PRODUCT_GROUPS
        ]
        self.referral_sources = [
            self._save(ReferralSource, name=n, name_ar=a, kind=k) for n, a, k in REFERRAL_SOURCES
        ]

    # contacts

    def _reps(self) -> list[_Rep]:
        reps = []
        for username, zones in SALES_TERRITORIES.items():
            employee = self.employees[username]
            coordinator = next(
                (self.employees[m.username] for m in STAFF if username in m.serves), None
            )
            reps.append(
                _Rep(
                    employee=employee,
                    user=self.users[username],
                    coordinator=coordinator,
                    manager=self.employees["sales.manager"],
                    zones=[self.areas[z] for z in zones],
                )
            )
        return reps

    def _type_sequence(self) -> list[str]:
        """Contact types for the demo's contacts: the shares above, at least one of each."""
        total = self.contact_count
        weight = sum(share for _code, share in TYPE_SHARES)
        counts = {code: max(1, total * share // weight) for code, share in TYPE_SHARES}
        counts["customer"] += max(0, total - sum(counts.values()))
        # Dealers and agents first, so that customers can be served by them.
        order = ["dealer", "agent"] + [c for c, _s in TYPE_SHARES if c not in DEALER_TYPE_CODES]
        rest = [code for code in order[2:] for _n in range(counts[code])]
        self.rng.shuffle(rest)
        return [code for code in order[:2] for _n in range(counts[code])] + rest

    def build_contacts(self) -> None:
        reps = self._reps()
        # A representative links a customer only to contacts they can see: their own.
        dealers_by_city: dict[tuple[str, int], list[Contact]] = {}
        customers: dict[int, list[Contact]] = {}
        pending: list[tuple[dict, Any]] = []
        admin = self.users["admin"]
        for index, code in enumerate(self._type_sequence()):
            if code in SALES_TYPES and code != "competitor":
                rep: _Rep | None = self.rng.choice(reps)
            else:
                rep = None
            zone = self.rng.choice(rep.zones if rep else [self.areas[z] for z in self._zones()])
            city = self.zone_city[zone.pk]
            spec = self._contact_spec(code, rep, zone, city, customers, dealers_by_city)
            actor = (
                rep.user
                if rep
                else (self.users["sales.manager"] if code == "competitor" else admin)
            )
            # Dealers and agents come first in the sequence and always go through the service.
            if index >= self.through_services and code not in DEALER_TYPE_CODES:
                pending.append((spec, actor))
                continue
            final_stage = spec.pop("final_stage")
            # The service consumes the territories from the terms it is given.
            territories = list(spec.get("dealer_profile", {}).get("territories", []))
            contact = contact_create(actor=actor, company=self.company, **spec)
            self._walk_lifecycle(actor, contact, final_stage)
            for territory in territories:
                key = (territory.name, contact.representative_id)
                dealers_by_city.setdefault(key, []).append(contact)
            if code == "customer":
                customers.setdefault(contact.representative_id, []).append(contact)
        if pending:
            self._bulk_create_contacts(pending)

    def _bulk_create_contacts(self, pending: list[tuple[dict, Any]]) -> None:
        """Write generated contacts with their children in bulk, as `contact_create` would.

        Phones go to E.164, e-mails to lower case, and the search columns list persons,
        phones and e-mails in the order the service reads them back (primary person first,
        then by name; children in the order they were created).
        """
        region = phone_region(self.company)
        rows = []
        for spec, actor in pending:
            contact = Contact(company=self.company, created_by=actor, **spec["data"])
            contact.code = f"C-{sequence_next(company_id=self.company.pk, kind='contact'):06d}"
            stamp_history(contact, actor)
            final_stage = spec["final_stage"]
            stages = [("", contact.lifecycle, "")]
            if final_stage in (Lifecycle.REJECTED, Lifecycle.RECOVERED):
                reason = self.rng.choice(REJECTION_REASONS)
                stages.append((contact.lifecycle, Lifecycle.REJECTED, reason))
                contact.lifecycle, contact.rejection_reason = Lifecycle.REJECTED, reason
                if final_stage == Lifecycle.RECOVERED:
                    stages.append((Lifecycle.REJECTED, Lifecycle.RECOVERED, RECOVERY_REASON))
                    contact.lifecycle = Lifecycle.RECOVERED
            persons = []
            phones: list[tuple[int | None, str, str]] = []  # (person index, kind, E.164)
            emails: list[tuple[int | None, str, str]] = []
            for index, person in enumerate(spec.get("persons", [])):
                fields = {k: v for k, v in person.items() if k not in ("phones", "emails")}
                persons.append(fields)
                phones.extend(
                    (index, PhoneKind.MOBILE, phone_to_e164(n, region))
                    for n in person.get("phones", [])
                )
                emails.extend((index, EmailKind.WORK, a.lower()) for a in person.get("emails", []))
            phones.extend(
                (None, p["kind"], phone_to_e164(p["number"], region))
                for p in spec.get("phones", [])
            )
            emails.extend((None, e["kind"], e["address"].lower()) for e in spec.get("emails", []))
            ordered = sorted(persons, key=lambda p: (not p["is_primary"], p["name"]))
            columns = contact_search_columns(
                code=contact.code,
                name=contact.name,
                name_ar=contact.name_ar,
                tax_number=contact.tax_number,
                phones=[n for _i, _k, n in phones],
                emails=[a for _i, _k, a in emails],
                persons=[(p["name"], p["name_ar"]) for p in ordered],
            )
            for column, value in columns._asdict().items():
                setattr(contact, column, value)
            rows.append((contact, actor, spec, persons, phones, emails, stages))

        bulk_create_with_history([r[0] for r in rows], Contact, batch_size=500)
        person_objs, person_rows = [], []
        for contact, actor, _spec, persons, _phones, _emails, _stages in rows:
            made = [_by(actor, ContactPerson(contact=contact, **fields)) for fields in persons]
            person_objs.extend(made)
            person_rows.append(made)
        bulk_create_with_history(person_objs, ContactPerson, batch_size=500)
        phone_objs, email_objs, address_objs, links, changes = [], [], [], [], []
        through = Contact.product_groups.through
        for (contact, actor, spec, _p, phones, emails, stages), made in zip(
            rows, person_rows, strict=True
        ):
            phone_objs.extend(
                _by(
                    actor,
                    Phone(
                        contact=contact,
                        person=made[i] if i is not None else None,
                        kind=kind,
                        number=number,
                    ),
                )
                for i, kind, number in phones
            )
            email_objs.extend(
                _by(
                    actor,
                    Email(
                        contact=contact,
                        person=made[i] if i is not None else None,
                        kind=kind,
                        address=address,
                    ),
                )
                for i, kind, address in emails
            )
            address_objs.extend(
                _by(actor, Address(contact=contact, **a)) for a in spec.get("addresses", [])
            )
            links.extend(
                through(contact_id=contact.pk, productgroup_id=group.pk)
                for group in spec.get("product_groups", [])
            )
            changes.extend(
                LifecycleChange(
                    contact=contact, from_stage=old, to_stage=new, reason=reason, changed_by=actor
                )
                for old, new, reason in stages
            )
        for objs, model in ((phone_objs, Phone), (email_objs, Email), (address_objs, Address)):
            bulk_create_with_history(objs, model, batch_size=500)
        through.objects.bulk_create(links, batch_size=500)
        LifecycleChange.objects.bulk_create(changes, batch_size=500)

    def _zones(self) -> list[str]:
        return [zone for zones in SALES_TERRITORIES.values() for zone in zones]

    def _walk_lifecycle(self, actor, contact: Contact, final_stage: str) -> None:
        """Rejected and recovered contacts reach their stage the way people move them."""
        if final_stage not in (Lifecycle.REJECTED, Lifecycle.RECOVERED):
            return
        reason = self.rng.choice(REJECTION_REASONS)
        contact = contact_set_lifecycle(
            actor=actor, contact=contact, stage=Lifecycle.REJECTED, reason=reason
        )
        if final_stage == Lifecycle.RECOVERED:
            contact_set_lifecycle(
                actor=actor, contact=contact, stage=Lifecycle.RECOVERED, reason=RECOVERY_REASON
            )

    def _stage(self, code: str) -> tuple[str, str]:
        """(stage to create the contact in, stage it ends in)."""
        draw = self.rng.random()
        if code == "customer":
            if draw < 0.08:
                return Lifecycle.CUSTOMER, Lifecycle.REJECTED
            if draw < 0.14:
                return Lifecycle.CUSTOMER, Lifecycle.RECOVERED
            if draw < 0.25:
                return Lifecycle.PROSPECT, Lifecycle.PROSPECT
            return Lifecycle.CUSTOMER, Lifecycle.CUSTOMER
        if code == "prospect":
            if draw < 0.10:
                return Lifecycle.PROSPECT, Lifecycle.REJECTED
            if draw < 0.15:
                return Lifecycle.PROSPECT, Lifecycle.RECOVERED
            if draw < 0.55:
                return Lifecycle.TARGET, Lifecycle.TARGET
            return Lifecycle.PROSPECT, Lifecycle.PROSPECT
        if code in DEALER_TYPE_CODES:
            return Lifecycle.CUSTOMER, Lifecycle.CUSTOMER
        return Lifecycle.TARGET, Lifecycle.TARGET

    def _contact_spec(self, code, rep, zone, city, customers, dealers_by_city) -> dict:
        rng = self.rng
        is_org = code in {"supplier", "dealer", "agent", "competitor"} or (
            code in {"customer", "prospect"} and rng.random() < 0.65
        )
        industry_index = rng.randrange(len(INDUSTRIES))
        english, arabic = organisation_name(rng, industry_index) if is_org else person_name(rng)
        name, name_ar = _languages(rng, english, arabic)
        slug = _slug(english)  # web and mail addresses are spelled in Latin letters
        first_stage, final_stage = self._stage(code)
        data: dict[str, Any] = {
            "kind": ContactKind.ORGANISATION if is_org else ContactKind.INDIVIDUAL,
            "contact_type": self.types[code],
            "name": name,
            "name_ar": name_ar,
            "area": zone,
            "branch": rep.employee.branch if rep else self.branches[city.branch],
            "lifecycle": first_stage,
        }
        if rng.random() < 0.9:
            data["category"] = rng.choice(self.categories[code])
        if rep:
            data["representative"] = rep.employee
            data["coordinator"] = rep.coordinator
            data["manager"] = rep.manager
        elif code == "competitor":
            data["manager"] = self.employees["sales.manager"]
        elif code == "supplier":
            data["manager"] = self.employees["warehouse"]
        else:
            data["manager"] = self.employees["hr.manager"]
        if is_org:
            data["industry"] = self.industries[industry_index]
            data["segment"] = self.segments[
                rng.choice([n for n, _a in SEGMENTS if n != CONSUMER_SEGMENT])
            ]
            data["size"] = rng.choice(self.sizes)
            if rng.random() < 0.7:
                data["tax_number"] = _vat_number(rng)
            if rng.random() < 0.5:
                data["website"] = f"https://www.{slug}.example"
        elif code in {"customer", "prospect"}:
            data["segment"] = self.segments[CONSUMER_SEGMENT]
        if code in {"customer", "prospect"}:
            if rng.random() < 0.5:
                data["referral_source"] = rng.choice(self.referral_sources)
            mine = customers.get(rep.employee.pk) if rep else None
            if mine and rng.random() < 0.1:
                data["referred_by_contact"] = rng.choice(mine)
            elif rep and rng.random() < 0.1:
                data["referred_by_employee"] = rep.employee
            serving = dealers_by_city.get((city.name, rep.employee.pk)) if rep else None
            if code == "customer" and serving and rng.random() < 0.3:
                data["dealer"] = rng.choice(serving)
        if rng.random() < 0.2:
            data["notes"] = rng.choice(NOTES)

        spec: dict[str, Any] = {"data": data, "final_stage": final_stage}
        if is_org:
            spec["persons"] = [self._person(index, slug) for index in range(rng.randint(1, 3))]
            spec["phones"] = [{"kind": PhoneKind.WORK, "number": _landline(rng, city)}]
            if rng.random() < 0.3:
                spec["phones"].append({"kind": PhoneKind.FAX, "number": _landline(rng, city)})
            spec["emails"] = (
                [{"kind": EmailKind.WORK, "address": f"info@{slug}.example"}]
                if rng.random() < 0.8
                else []
            )
        else:
            spec["phones"] = [{"kind": PhoneKind.MOBILE, "number": _mobile(rng)}]
            if rng.random() < 0.3:
                spec["phones"].append({"kind": PhoneKind.WHATSAPP, "number": _mobile(rng)})
            spec["emails"] = (
                [
                    {
                        "kind": EmailKind.PERSONAL,
                        "address": f"{slug}{rng.randrange(100)}@mail.example",
                    }
                ]
                if rng.random() < 0.5
                else []
            )
        spec["addresses"] = [
            self._address(AddressKind.OFFICE if is_org else AddressKind.HOME, zone, city)
        ]
        if rng.random() < 0.3:
            spec["addresses"].append(
                self._address(rng.choice([AddressKind.SITE, AddressKind.SHIPPING]), zone, city)
            )
        if code in {"customer", "prospect", "dealer", "agent"}:
            spec["product_groups"] = rng.sample(self.product_groups, rng.randint(1, 3))
        if code in DEALER_TYPE_CODES:
            spec["dealer_profile"] = self._dealer_terms(zone)
        return spec

    def _person(self, index: int, company_slug: str) -> dict:
        rng = self.rng
        name, name_ar = person_name(rng)
        title, department = rng.choice(PERSON_TITLES)
        person: dict[str, Any] = {
            "name": name,
            "name_ar": name_ar,
            "title": title,
            "department": department,
            "is_primary": index == 0,
            "phones": [_mobile(rng)],
        }
        if rng.random() < 0.5:
            person["emails"] = [f"{_slug(name.split()[0])}.{index + 1}@{company_slug}.example"]
        return person

    def _address(self, kind: str, zone: Area, city: City) -> dict:
        rng = self.rng

        def near(value: float) -> Decimal:
            return Decimal(str(round(value + rng.uniform(-0.06, 0.06), 6)))

        return {
            "kind": kind,
            "line1": f"Building {rng.randint(1000, 9999)}, {rng.choice(STREETS)}",
            "line2": zone.name,
            "city": city.name,
            "area": zone,
            "postal_code": f"{rng.randint(11000, 34999)}",
            "country": "SA",
            "latitude": near(city.latitude),
            "longitude": near(city.longitude),
        }

    def _dealer_terms(self, zone: Area) -> dict:
        rng = self.rng
        city = self.areas[self.zone_city[zone.pk].name]
        region = self.zone_region[zone.pk]
        siblings = [a for a in self.areas.values() if a.parent_id == region.pk and a.pk != city.pk]
        territories = [city] + rng.sample(siblings, min(len(siblings), rng.randint(0, 1)))
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(900))
        return {
            "territories": territories,
            "commission_rate": Decimal(rng.randrange(200, 1250, 25)) / 100,
            "agreement_start": start,
            "agreement_end": start.replace(year=start.year + rng.randint(1, 3)),
        }


def build(demo) -> None:
    """The contacts step of the demo company (`ContactsDemo`)."""
    ContactsDemo(demo).build()


# --- bulk contacts for benchmarks ----------------------------------------------------------

CONTACT_COLUMNS = [
    "id",
    "company_id",
    "code",
    "kind",
    "contact_type_id",
    "category_id",
    "name",
    "name_ar",
    "tax_number",
    "website",
    "notes",
    "area_id",
    "industry_id",
    "segment_id",
    "size_id",
    "referral_source_id",
    "branch_id",
    "representative_id",
    "coordinator_id",
    "manager_id",
    "lifecycle",
    "rejection_reason",
    "created_by_id",
    *SearchColumns._fields,  # name_normalized, name_ar_normalized, search_text
    "created_at",
    "updated_at",
]
PHONE_COLUMNS = ["contact_id", "kind", "number"]
EMAIL_COLUMNS = ["contact_id", "kind", "address"]


class _BulkPlan:
    """The link values bulk contacts draw from, read once from the demo company."""

    def __init__(self, company: Company, rng: random.Random) -> None:
        self.rng = rng
        types = {t.code: t for t in ContactType.objects.filter(company=company)}
        categories: dict[int, list[int]] = {}
        for category in ContactCategory.objects.filter(company=company):
            categories.setdefault(category.contact_type_id, []).append(category.pk)
        self.types = [(types[code].pk, code, share) for code, share in TYPE_SHARES if code in types]
        self.type_weights = [share for _pk, _code, share in self.types]
        self.categories = categories
        employees = {
            e.user.username: e
            for e in Employee.objects.filter(company=company, user__isnull=False)
            .select_related("user")
            .prefetch_related("coordinators")
        }
        zones = {a.name: a for a in Area.objects.filter(company=company, level=AreaLevel.ZONE)}
        self.reps = []
        for username, zone_names in SALES_TERRITORIES.items():
            employee = employees[username]
            coordinator = next(iter(employee.coordinators.all()), None)
            self.reps.append(
                (
                    employee.pk,
                    employee.branch_id,
                    coordinator.pk if coordinator else None,
                    employees["sales.manager"].pk,
                    employee.user_id,
                    [zones[z].pk for z in zone_names if z in zones],
                )
            )
        self.industries = list(
            Industry.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)
        )
        self.segments = list(
            Segment.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)
        )
        self.sizes = list(Size.objects.filter(company=company).values_list("pk", flat=True))
        self.sources = list(
            ReferralSource.objects.filter(company=company).values_list("pk", flat=True)
        )
        self.manager = employees["sales.manager"].pk
        self.admin_user = employees["admin"].user_id

    def rows(
        self, *, company_id: int, prefix: str, ids: Sequence[int], start: int, now: dt.datetime
    ) -> Iterator[tuple[tuple, list[tuple], list[tuple]]]:
        """(contact row, phone rows, e-mail rows) for each id, in `CONTACT_COLUMNS` order."""
        rng = self.rng
        random_ = rng.random
        choice = rng.choice
        for offset, pk in enumerate(ids):
            type_pk, code, _share = rng.choices(self.types, self.type_weights)[0]
            contact_code = f"{prefix}{start + offset:07d}"
            is_org = code not in ("customer", "prospect", "employee") or random_() < 0.65
            industry_index = rng.randrange(len(INDUSTRIES))
            if is_org:
                name, name_ar = _languages(rng, *organisation_name(rng, industry_index))
            else:
                name, name_ar = _languages(rng, *person_name(rng))
            if code in SALES_TYPES and code != "competitor":
                rep, branch, coordinator, manager, creator, zones = choice(self.reps)
            else:
                _r, branch, _c, _m, _u, zones = choice(self.reps)
                rep = coordinator = None
                manager, creator = self.manager, self.admin_user
            lifecycle, reason = Lifecycle.TARGET, ""
            if code in ("customer", "dealer", "agent"):
                lifecycle = Lifecycle.CUSTOMER
            elif code == "prospect":
                lifecycle = Lifecycle.PROSPECT if random_() < 0.6 else Lifecycle.TARGET
            if code in ("customer", "prospect") and random_() < 0.08:
                lifecycle, reason = Lifecycle.REJECTED, choice(REJECTION_REASONS)
            tax_number = _vat_number(rng) if is_org and random_() < 0.5 else ""
            phones = (
                [f"+9665{choice(MOBILE_DIGITS)}{rng.randrange(10**7):07d}"]
                if (random_() < 0.5)
                else []
            )
            emails = [f"{contact_code.lower()}@mail.example"] if random_() < 0.25 else []
            columns = contact_search_columns(
                code=contact_code,
                name=name,
                name_ar=name_ar,
                tax_number=tax_number,
                phones=phones,
                emails=emails,
            )
            categories = self.categories.get(type_pk)
            row = (
                pk,
                company_id,
                contact_code,
                ContactKind.ORGANISATION.value if is_org else ContactKind.INDIVIDUAL.value,
                type_pk,
                choice(categories) if categories and random_() < 0.9 else None,
                name,
                name_ar,
                tax_number,
                "",
                "",
                choice(zones) if zones else None,
                self.industries[industry_index] if is_org and self.industries else None,
                choice(self.segments) if self.segments else None,
                choice(self.sizes) if is_org and self.sizes else None,
                choice(self.sources) if self.sources and random_() < 0.3 else None,
                branch,
                rep,
                coordinator,
                manager,
                str(lifecycle),
                reason,
                creator,
                *columns,
                now,
                now,
            )
            yield (
                row,
                [(pk, PhoneKind.MOBILE.value, number) for number in phones],
                [(pk, EmailKind.WORK.value, address) for address in emails],
            )


def _reserve_ids(model, count: int) -> list[int]:
    """Take `count` primary keys from the table's sequence (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy_statement(model, columns: list[str]):
    from psycopg import sql  # the PostgreSQL driver, needed on this PostgreSQL-only path only

    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


def _insert_batch_postgresql(plan: _BulkPlan, *, company_id, prefix, start, size, now) -> None:
    """COPY one batch; contacts stream to the server while the next rows are generated."""
    ids = _reserve_ids(Contact, size)
    phones: list[tuple] = []
    emails: list[tuple] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(_copy_statement(Contact, CONTACT_COLUMNS)) as copy:
            for row, phone_rows, email_rows in plan.rows(
                company_id=company_id, prefix=prefix, ids=ids, start=start, now=now
            ):
                copy.write_row(row)
                phones.extend(phone_rows)
                emails.extend(email_rows)
        for model, columns, rows in (
            (Phone, PHONE_COLUMNS, phones),
            (Email, EMAIL_COLUMNS, emails),
        ):
            with raw.copy(_copy_statement(model, columns)) as copy:
                for row in rows:
                    copy.write_row(row)


def _insert_batch_portable(plan: _BulkPlan, *, company_id, prefix, start, size, now) -> None:
    rows = list(
        plan.rows(company_id=company_id, prefix=prefix, ids=[None] * size, start=start, now=now)
    )
    contacts = [Contact(**dict(zip(CONTACT_COLUMNS, row, strict=True))) for row, _p, _e in rows]
    Contact.objects.bulk_create(contacts, batch_size=500)
    phones, emails = [], []
    for contact, (_row, phone_rows, email_rows) in zip(contacts, rows, strict=True):
        phones.extend(Phone(contact_id=contact.pk, kind=k, number=n) for _c, k, n in phone_rows)
        emails.extend(Email(contact_id=contact.pk, kind=k, address=a) for _c, k, a in email_rows)
    Phone.objects.bulk_create(phones, batch_size=500)
    Email.objects.bulk_create(emails, batch_size=500)


# From this many contacts on, a PostgreSQL superuser loads with the tables' plain indexes
# dropped and rebuilt at the end, and without per-row foreign-key triggers: several times
# faster than maintaining two dozen indexes row by row.
REBUILD_INDEXES_FROM = 100_000
REBUILD_MAINTENANCE_WORK_MEM = "512MB"
BULK_TABLES = (Contact, Phone, Email)


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return bool(cursor.fetchone()[0])


def _set_local(settings: dict[str, str]) -> dict[str, str]:
    """Change settings for the current transaction; returns their previous values."""
    previous = {}
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(
                "SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value]
            )
            previous[name] = cursor.fetchone()[0]
    return previous


def _plain_indexes(models) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of these tables that enforce nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
            WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisprimary AND NOT x.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
            ORDER BY c.relname
            """,
            [[m._meta.db_table for m in models]],
        )
        return list(cursor.fetchall())


def bulk_contacts_load(
    company: Company,
    *,
    count: int,
    batch_size: int = 20_000,
    say: Say | None = None,
    seed: int | None = None,
    rebuild_indexes: bool | None = None,
) -> int:
    """Add `count` generated contacts to `company` (the demo company), in bulk.

    For benchmarks: rows go in by COPY on PostgreSQL and `bulk_create` elsewhere. They carry
    the derived search columns, phones and e-mails, but no change history, persons or
    addresses. Batches are committed one by one, except when indexes are rebuilt
    (`rebuild_indexes`, by default for large loads by a PostgreSQL superuser): then the whole
    load is one transaction, so that a failure leaves the tables and indexes as they were;
    the tables are locked against other sessions meanwhile. Returns the number added.
    """
    say = say or (lambda message: None)
    # Each load is numbered, so its contact codes never meet an earlier load's.
    load = sequence_next(company_id=company.pk, kind="demo-bulk-load")
    prefix = f"B{load}-"
    plan = _BulkPlan(company, random.Random(SEED + load if seed is None else seed))
    postgresql = connection.vendor == "postgresql"
    if not postgresql:
        rebuild_indexes = False
    elif rebuild_indexes is None:
        rebuild_indexes = count >= REBUILD_INDEXES_FROM and _is_superuser()
    insert = _insert_batch_postgresql if postgresql else _insert_batch_portable
    started = time.perf_counter()

    def load_batches(settings: dict[str, str], atomic_batches: bool) -> int:
        done = 0
        while done < count:
            size = min(batch_size, count - done)
            with transaction.atomic() if atomic_batches else nullcontext():
                previous = _set_local(settings)
                insert(
                    plan,
                    company_id=company.pk,
                    prefix=prefix,
                    start=done + 1,
                    size=size,
                    now=clock.now(),
                )
                _set_local(previous)  # in case the caller's transaction goes on
            done += size
            elapsed = time.perf_counter() - started
            say(
                _("  %(done)s contacts  %(seconds)s s  (%(rate)s per second)")
                % {
                    "done": f"{done:>10,}",
                    "seconds": f"{elapsed:7.1f}",
                    "rate": f"{done / elapsed:,.0f}",
                }
            )
        return done

    if rebuild_indexes:
        with transaction.atomic():
            previous = _set_local(
                {
                    "session_replication_role": "replica",  # no per-row foreign-key triggers
                    "maintenance_work_mem": REBUILD_MAINTENANCE_WORK_MEM,
                }
            )
            indexes = _plain_indexes(BULK_TABLES)
            with connection.cursor() as cursor:
                # Checks queued earlier in the caller's transaction would block CREATE INDEX.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name, _definition in indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
            done = load_batches({}, atomic_batches=False)
            step = time.perf_counter()
            with connection.cursor() as cursor:
                for _name, definition in indexes:
                    cursor.execute(definition)
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            say(
                _("  rebuilt %(count)s indexes in %(seconds).1f s")
                % {"count": len(indexes), "seconds": time.perf_counter() - step}
            )
            _set_local(previous)
    else:
        settings = {"synchronous_commit": "off"} if postgresql else {}
        done = load_batches(settings, atomic_batches=True)
    if postgresql:
        with connection.cursor() as cursor:
            for model in BULK_TABLES:
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return done
