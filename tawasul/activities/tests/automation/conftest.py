"""A small world for the automation tests: an administrator, a manager with two
representatives (one who sees every contact, one who sees none), a role, contact types and
templates, and a clock set on a working Monday morning."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from tawasul.access.roles import ORG_LOOKUPS
from tawasul.activities.automation_services import message_template_save
from tawasul.activities.roles import EVERYDAY
from tawasul.conftest import grant_all_contacts
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.core import clock
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

PERMS = [*EVERYDAY, *ORG_LOOKUPS, "contacts.view_contact", "contacts.change_contact"]
ADMIN_PERMS = [
    *PERMS,
    *(
        f"activities.{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("messagetemplate", "automatictaskrule")
    ),
    "contacts.add_contact",
    "contacts.assign_contact",
]


def make_staff(company, username, name, reports_to=None, perms=PERMS, **extra):
    user = UserFactory(username=username, first_name=name.split()[0], perms=list(perms))
    return EmployeeFactory(
        company=company, user=user, name=name, code=username.upper(), reports_to=reports_to, **extra
    )


@pytest.fixture(autouse=True)
def monday():
    """Monday 2 March 2026, 09:00 in Riyadh: a working day of the default calendar."""
    with clock.frozen(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)) as moment:
        yield moment


@pytest.fixture
def world(company):
    admin = make_staff(company, "admin1", "Adel Admin", perms=ADMIN_PERMS)
    grant_all_contacts(admin.user, company)
    manager = make_staff(company, "manager1", "Mona Manager")
    rep = make_staff(company, "rep1", "Rami Rep", manager)
    grant_all_contacts(rep.user, company)
    blind = make_staff(company, "blind1", "Badr Blind", manager)
    role = Group.objects.create(name="Call centre")
    blind.user.groups.add(role)
    rep.user.groups.add(role)
    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    welcome = message_template_save(
        actor=None,
        company_id=company.pk,
        name="Welcome call",
        kind="contact",
        subject_en="Welcome call: {{ contact.name }}",
        body_en="Hello {{ recipient.first_name }},\nplease call {{ contact.name }}.",
        subject_ar="مكالمة ترحيب: {{ contact.name }}",
        body_ar="",
    )
    return SimpleNamespace(
        company=company,
        admin=admin,
        manager=manager,
        rep=rep,
        blind=blind,
        role=role,
        customer=customer,
        welcome=welcome,
    )


@pytest.fixture
def new_contact(world):
    def make(**data):
        data.setdefault("representative", world.rep)
        return make_contact(company=world.company, contact_type=world.customer, **data)

    return make
