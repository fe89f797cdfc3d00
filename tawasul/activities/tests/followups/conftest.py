"""A small organization for the follow-up tests: boss > lead > rep1, rep2; a colleague
elsewhere in the tree (peer, under boss); everyone with the everyday permissions of staff and
a rule over every contact but rep2, who sees no contact at all."""

import datetime as dt
from types import SimpleNamespace

import pytest

from tawasul.access.roles import ORG_LOOKUPS
from tawasul.activities.roles import EVERYDAY
from tawasul.conftest import grant_all_contacts
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.core import clock
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

PERMS = [*EVERYDAY, *ORG_LOOKUPS, "contacts.view_contact"]
RULE_PERMS = [f"activities.{a}_followuprule" for a in ("view", "add", "change", "delete")]


def make_staff(company, username, name, reports_to=None, perms=PERMS, contacts=True):
    user = UserFactory(username=username, perms=list(perms))
    employee = EmployeeFactory(
        company=company, user=user, name=name, code=username.upper(), reports_to=reports_to
    )
    if contacts:
        grant_all_contacts(user, company, actions=("view",))
    return employee


@pytest.fixture
def org(company):
    boss = make_staff(company, "boss1", "Bassam Boss", perms=PERMS + RULE_PERMS)
    lead = make_staff(company, "lead", "Layla Lead", boss)
    rep1 = make_staff(company, "rep1", "Rami One", lead)
    rep2 = make_staff(company, "rep2", "Rana Two", lead, contacts=False)
    peer = make_staff(company, "peer", "Pari Peer", boss)
    customer = ContactTypeFactory(company=company, code="customer", name="Customer")
    dealer = ContactTypeFactory(company=company, code="dealer", name="Dealer")
    acme = make_contact(
        company=company, contact_type=customer, name="Acme Stores", representative=rep1
    )
    zed = make_contact(
        company=company, contact_type=dealer, name="Zed Dealers", representative=rep2
    )
    return SimpleNamespace(
        company=company,
        boss=boss,
        lead=lead,
        rep1=rep1,
        rep2=rep2,
        peer=peer,
        customer=customer,
        dealer=dealer,
        acme=acme,
        zed=zed,
    )


@pytest.fixture
def due():
    return clock.now() + dt.timedelta(days=2)
