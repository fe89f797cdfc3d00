"""A small organization for the tasks tests: boss > lead > rep1, rep2; a colleague elsewhere
in the tree (peer, under boss); everyone with the everyday permissions of staff."""

import datetime as dt
from types import SimpleNamespace

import pytest

from tawasul.access.roles import ORG_LOOKUPS
from tawasul.activities.roles import EVERYDAY
from tawasul.core import clock
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

PERMS = [*EVERYDAY, *ORG_LOOKUPS, "contacts.view_contact"]


def make_staff(company, username, name, reports_to=None, perms=PERMS, **extra):
    user = UserFactory(username=username, perms=list(perms))
    return EmployeeFactory(
        company=company,
        user=user,
        name=name,
        code=username.upper(),
        reports_to=reports_to,
        **extra,
    )


@pytest.fixture
def org(company):
    boss = make_staff(company, "boss1", "Bassam Boss")
    lead = make_staff(company, "lead", "Layla Lead", boss)
    rep1 = make_staff(company, "rep1", "Rami One", lead)
    rep2 = make_staff(company, "rep2", "Rana Two", lead)
    peer = make_staff(company, "peer", "Pari Peer", boss)
    return SimpleNamespace(boss=boss, lead=lead, rep1=rep1, rep2=rep2, peer=peer, company=company)


@pytest.fixture
def due():
    return clock.now() + dt.timedelta(days=2)
