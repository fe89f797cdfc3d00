"""A small staff for the reminders tests: an author, two colleagues, one of them in the
"Representative" role, an administrator; the clock frozen on a Monday morning in Riyadh."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from tawasul.access.roles import ORG_LOOKUPS
from tawasul.activities.roles import EVERYDAY
from tawasul.core import clock
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

PERMS = [*EVERYDAY, *ORG_LOOKUPS, "contacts.view_contact"]
NOW = dt.datetime(2027, 1, 4, 6, 0, tzinfo=dt.UTC)  # Monday 09:00 in Riyadh


def make_staff(company, username, name, perms=PERMS):
    user = UserFactory(username=username, perms=list(perms))
    EmployeeFactory(company=company, user=user, name=name, code=username.upper())
    return user


@pytest.fixture
def frozen():
    clock.set_frozen(NOW)
    yield NOW
    clock.reset()


@pytest.fixture
def staff(company, frozen):
    company.timezone = "Asia/Riyadh"
    company.save()
    role = Group.objects.get_or_create(name="Representative")[0]
    author = make_staff(company, "author", "Amal Author")
    colleague = make_staff(company, "colleague", "Khalid Colleague")
    rep = make_staff(company, "rep", "Rami Rep")
    rep.groups.add(role)
    admin = make_staff(company, "admin", "Nasser Admin", [*PERMS, "activities.manage_reminder"])
    return SimpleNamespace(
        author=author, colleague=colleague, rep=rep, admin=admin, role=role, company=company
    )
