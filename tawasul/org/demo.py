"""The demo company's organisation: the company, its branches and departments, and its staff
with the accounts they sign in with (a step of `manage.py demo`, registered in `module.py`).

The names here are the demo's own: the seed every step draws from, the company's code, the
shared password and the mail domain the other modules' steps use too.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from tawasul.core.models import UserPreference
from tawasul.org.choices import DepartmentKind as Dept
from tawasul.org.choices import JobRoleCode as Job
from tawasul.org.models import JobRole
from tawasul.org.services import (
    branch_save,
    company_save,
    department_save,
    employee_save,
    holiday_save,
    work_calendar_save,
)

SEED = 1447
COMPANY_CODE = "DEMO"
COMPANY_NAME = ("Tawasul Demo Trading", "تواصل للتجارة - نسخة تجريبية")
PASSWORD = "demo"
EMAIL_DOMAIN = "tawasul-demo.example"  # reserved top-level domain: no mail leaves by mistake

# --- the organisation ----------------------------------------------------------------------

BRANCHES = [("RUH", "Riyadh", "الرياض"), ("JED", "Jeddah", "جدة")]

DEPARTMENTS: dict[str, tuple[str, str, str | None]] = {
    Dept.MANAGEMENT: ("General Management", "الإدارة العامة", "RUH"),
    Dept.SALES: ("Sales", "المبيعات", None),
    Dept.CUSTOMER_SERVICE: ("Customer Service", "خدمة العملاء", None),
    Dept.COLLECTION: ("Collection", "التحصيل", None),
    Dept.MAINTENANCE: ("Maintenance", "الصيانة", None),
    Dept.QC: ("Quality Control", "مراقبة الجودة", "RUH"),
    Dept.RND: ("Research and Development", "البحث والتطوير", "RUH"),
    Dept.ACCOUNTS: ("Accounts", "الحسابات", "RUH"),
    Dept.WAREHOUSE: ("Warehouse", "المستودعات", "RUH"),
    Dept.HR: ("Human Resources", "الموارد البشرية", "RUH"),
    Dept.OTHER: ("Administrative Services", "الخدمات الإدارية", "RUH"),
}


@dataclass(frozen=True)
class StaffMember:
    """One demo employee and the user account they sign in with."""

    username: str
    name: str
    name_ar: str
    department: str
    roles: tuple[str, ...]
    reports_to: str | None
    branch: str
    serves: tuple[str, ...] = ()
    language: str = "en"


_S = StaffMember
# Managers come before the people reporting to them, representatives before their coordinators.
# fmt: off
STAFF: list[StaffMember] = [
    _S("general.manager", "Abdulrahman Al-Rashed", "عبدالرحمن الراشد", Dept.MANAGEMENT,
       (Job.MANAGER,), None, "RUH"),
    _S("admin", "Nasser Al-Harbi", "ناصر الحربي", Dept.MANAGEMENT, (Job.ADMINISTRATOR,),
       "general.manager", "RUH"),
    _S("sales.manager", "Fahad Al-Qahtani", "فهد القحطاني", Dept.SALES, (Job.MANAGER,),
       "general.manager", "RUH"),
    _S("riyadh.supervisor", "Sultan Al-Otaibi", "سلطان العتيبي", Dept.SALES, (Job.SUPERVISOR,),
       "sales.manager", "RUH"),
    _S("jeddah.supervisor", "Hassan Al-Ghamdi", "حسن الغامدي", Dept.SALES, (Job.SUPERVISOR,),
       "sales.manager", "JED"),
    _S("rep.ahmed", "Ahmed Al-Dosari", "أحمد الدوسري", Dept.SALES, (Job.REPRESENTATIVE,),
       "riyadh.supervisor", "RUH"),
    _S("rep.khalid", "Khalid Al-Mutairi", "خالد المطيري", Dept.SALES, (Job.REPRESENTATIVE,),
       "riyadh.supervisor", "RUH"),
    _S("rep.faisal", "Faisal Al-Zahrani", "فيصل الزهراني", Dept.SALES, (Job.REPRESENTATIVE,),
       "jeddah.supervisor", "JED"),
    _S("rep.omar", "Omar Al-Harthi", "عمر الحارثي", Dept.SALES, (Job.REPRESENTATIVE,),
       "jeddah.supervisor", "JED"),
    _S("coord.sara", "Sara Al-Shehri", "سارة الشهري", Dept.SALES, (Job.COORDINATOR,),
       "riyadh.supervisor", "RUH", ("rep.ahmed", "rep.khalid"), "ar"),
    _S("coord.noura", "Noura Al-Malki", "نورة المالكي", Dept.SALES, (Job.COORDINATOR,),
       "jeddah.supervisor", "JED", ("rep.faisal", "rep.omar"), "ar"),
    _S("cs.manager", "Ibrahim Al-Subaie", "إبراهيم السبيعي", Dept.CUSTOMER_SERVICE,
       (Job.MANAGER,), "general.manager", "RUH"),
    _S("cs.supervisor", "Maha Al-Anazi", "مها العنزي", Dept.CUSTOMER_SERVICE, (Job.SUPERVISOR,),
       "cs.manager", "RUH"),
    _S("cs.rep.huda", "Huda Al-Shammari", "هدى الشمري", Dept.CUSTOMER_SERVICE,
       (Job.REPRESENTATIVE,), "cs.supervisor", "RUH", (), "ar"),
    _S("cs.rep.yousef", "Yousef Al-Juhani", "يوسف الجهني", Dept.CUSTOMER_SERVICE,
       (Job.REPRESENTATIVE,), "cs.supervisor", "JED"),
    _S("cs.coord.reem", "Reem Al-Yami", "ريم اليامي", Dept.CUSTOMER_SERVICE, (Job.COORDINATOR,),
       "cs.supervisor", "RUH", ("cs.rep.huda", "cs.rep.yousef")),
    _S("collection.manager", "Saleh Al-Rashidi", "صالح الرشيدي", Dept.COLLECTION,
       (Job.MANAGER,), "general.manager", "RUH"),
    _S("collection.supervisor", "Bandar Al-Shahrani", "بندر الشهراني", Dept.COLLECTION,
       (Job.SUPERVISOR,), "collection.manager", "RUH"),
    _S("collector.saad", "Saad Al-Balawi", "سعد البلوي", Dept.COLLECTION,
       (Job.REPRESENTATIVE,), "collection.supervisor", "RUH"),
    _S("collector.majed", "Majed Al-Sulami", "ماجد السلمي", Dept.COLLECTION,
       (Job.REPRESENTATIVE,), "collection.supervisor", "JED"),
    _S("collection.coord.lama", "Lama Al-Qurashi", "لمى القرشي", Dept.COLLECTION,
       (Job.COORDINATOR,), "collection.supervisor", "RUH", ("collector.saad", "collector.majed")),
    _S("maintenance.manager", "Ali Al-Asmari", "علي الأسمري", Dept.MAINTENANCE, (Job.MANAGER,),
       "general.manager", "RUH"),
    _S("maintenance.supervisor", "Nawaf Al-Khaldi", "نواف الخالدي", Dept.MAINTENANCE,
       (Job.SUPERVISOR,), "maintenance.manager", "RUH"),
    _S("maint.rep.turki", "Turki Al-Bishi", "تركي البيشي", Dept.MAINTENANCE,
       (Job.REPRESENTATIVE,), "maintenance.supervisor", "RUH"),
    _S("maint.rep.ziyad", "Ziyad Al-Hazmi", "زياد الحازمي", Dept.MAINTENANCE,
       (Job.REPRESENTATIVE,), "maintenance.supervisor", "JED"),
    _S("maint.coord.amal", "Amal Al-Amri", "أمل العمري", Dept.MAINTENANCE, (Job.COORDINATOR,),
       "maintenance.supervisor", "RUH", ("maint.rep.turki", "maint.rep.ziyad")),
    _S("technician", "Mohammed Al-Faifi", "محمد الفيفي", Dept.MAINTENANCE, (Job.TECHNICIAN,),
       "maintenance.supervisor", "RUH"),
    _S("accounts.manager", "Hind Al-Sharif", "هند الشريف", Dept.ACCOUNTS, (Job.MANAGER,),
       "general.manager", "RUH"),
    _S("cashier", "Abdullah Al-Tamimi", "عبدالله التميمي", Dept.ACCOUNTS, (Job.CASHIER,),
       "accounts.manager", "RUH"),
    _S("warehouse", "Sami Al-Jaber", "سامي الجابر", Dept.WAREHOUSE, (Job.WAREHOUSE_KEEPER,),
       "general.manager", "RUH"),
    _S("custodian", "Waleed Al-Ahmadi", "وليد الأحمدي", Dept.WAREHOUSE, (Job.CUSTODIAN,),
       "warehouse", "RUH"),
    _S("qc.manager", "Dalal Al-Mansour", "دلال المنصور", Dept.QC, (Job.MANAGER,),
       "general.manager", "RUH"),
    _S("rnd.manager", "Tariq Al-Saadi", "طارق السعدي", Dept.RND, (Job.MANAGER,),
       "general.manager", "RUH"),
    _S("hr.manager", "Mona Al-Fahad", "منى الفهد", Dept.HR, (Job.MANAGER,),
       "general.manager", "RUH", (), "ar"),
]
# fmt: on
del _S


MOBILE_DIGITS = "0345689"


def mobile_number(rng: random.Random) -> str:
    """A valid Saudi mobile number as people type it (05XXXXXXXX)."""
    return f"05{rng.choice(MOBILE_DIGITS)}{rng.randrange(10**7):07d}"


def build(demo) -> None:
    """Make the demo company, its branches, departments, employees and their users; sets
    `demo.company`, and `demo.branches`, `demo.departments` (by code and kind), `demo.users`
    and `demo.employees` (by user name, in `STAFF` order)."""
    started = time.perf_counter()
    demo.branches, demo.departments, demo.users, demo.employees = {}, {}, {}, {}
    demo.company = company_save(
        actor=None,
        code=COMPANY_CODE,
        name=COMPANY_NAME[0],
        name_ar=COMPANY_NAME[1],
        default_country="SA",
        currency="SAR",
        timezone="Asia/Riyadh",
    )
    for code, name, name_ar in BRANCHES:
        demo.branches[code] = branch_save(
            actor=None,
            company=demo.company,
            code=code,
            name=name,
            name_ar=name_ar,
            city=name,
        )
    for kind, (name, name_ar, branch) in DEPARTMENTS.items():
        demo.departments[kind] = department_save(
            actor=None,
            company=demo.company,
            kind=kind,
            name=name,
            name_ar=name_ar,
            branch=demo.branches[branch] if branch else None,
        )
    job_roles = {role.code: role for role in JobRole.objects.all()}
    # Hashed once: every demo account shares the password, and hashing is slow on purpose.
    password = make_password(PASSWORD)
    user_model = get_user_model()
    for number, member in enumerate(STAFF, start=1):
        first, _sep, last = member.name.partition(" ")
        is_admin = Job.ADMINISTRATOR in member.roles
        user = user_model.objects.create(
            username=member.username,
            first_name=first,
            last_name=last,
            email=f"{member.username}@{EMAIL_DOMAIN}",
            password=password,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        if member.language != "en":
            UserPreference.objects.create(user=user, language=member.language)
        demo.users[member.username] = user
        demo.employees[member.username] = employee_save(
            actor=None,
            company=demo.company,
            user=user,
            code=f"E{number:03d}",
            name=member.name,
            name_ar=member.name_ar,
            branch=demo.branches[member.branch],
            department=demo.departments[member.department],
            reports_to=demo.employees[member.reports_to] if member.reports_to else None,
            email=user.email,
            phone=f"+966{mobile_number(demo.rng)[1:]}",
            roles=[job_roles[role] for role in member.roles],
            coordinated_representatives=[demo.employees[u] for u in member.serves],
        )
    _working_time(demo)
    demo.say(
        _("Organisation and %(count)s users: %(seconds)s")
        % {"count": len(demo.employees), "seconds": demo.since(started)}
    )


# --- working time ---------------------------------------------------------------------------

# The public holidays of the demo's years. The Eids follow the moon: their dates here are
# estimates, named as such (a company enters the announced dates each year).
# (name, Arabic name, first day, last day)
HOLIDAYS: list[tuple[str, str, date, date]] = [
    ("Founding Day 2026", "يوم التأسيس 2026", date(2026, 2, 22), date(2026, 2, 22)),
    (
        "Eid al-Fitr 2026 (approximate dates)",
        "عيد الفطر 2026 (تواريخ تقريبية)",
        date(2026, 3, 19),
        date(2026, 3, 23),
    ),
    (
        "Eid al-Adha 2026 (approximate dates)",
        "عيد الأضحى 2026 (تواريخ تقريبية)",
        date(2026, 5, 25),
        date(2026, 5, 29),
    ),
    ("National Day 2026", "اليوم الوطني 2026", date(2026, 9, 23), date(2026, 9, 23)),
    ("Founding Day 2027", "يوم التأسيس 2027", date(2027, 2, 22), date(2027, 2, 22)),
    (
        "Eid al-Fitr 2027 (approximate dates)",
        "عيد الفطر 2027 (تواريخ تقريبية)",
        date(2027, 3, 8),
        date(2027, 3, 12),
    ),
    (
        "Eid al-Adha 2027 (approximate dates)",
        "عيد الأضحى 2027 (تواريخ تقريبية)",
        date(2027, 5, 14),
        date(2027, 5, 18),
    ),
    ("National Day 2027", "اليوم الوطني 2027", date(2027, 9, 23), date(2027, 9, 23)),
]


def _working_time(demo) -> None:
    """The company's work calendar (Sunday to Thursday, 08:00 to 17:00) and its holidays; sets
    `demo.work_calendar` and `demo.holidays`. Draws nothing from `demo.rng`."""
    demo.work_calendar = work_calendar_save(actor=None, company=demo.company)
    demo.holidays = [
        holiday_save(
            actor=None,
            company=demo.company,
            name=name,
            name_ar=name_ar,
            starts_on=first,
            ends_on=last,
        )
        for name, name_ar, first, last in HOLIDAYS
    ]
