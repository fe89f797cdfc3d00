"""Query plans: lookups by a narrow key must not read the whole company.

Without planner statistics SQLite took the contacts' covering name index (`company_id = ?`, the
whole company, in name order) for a duplicate check and for a dealer's customers: 300-600 ms at
100,000 contacts instead of 1-2 ms. `core.db.planner_statistics_refresh` gathers the statistics
(after migrations, bulk loads, imports and daily); these tests hold every plan to that, on both
engines, with enough rows in one company that reading all of it is the wrong plan.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tawasul.contacts import selectors
from tawasul.contacts.choices import Lifecycle
from tawasul.contacts.models import Contact, Phone
from tawasul.contacts.services import contact_find_duplicates
from tawasul.core.db import planner_statistics_refresh
from tawasul.core.text import normalize_name

pytestmark = pytest.mark.django_db

ROWS = 3000
DEALERS = 30


@pytest.fixture
def crowd(company, customer_type):
    """A company of ROWS contacts, DEALERS of them dealers each serving a share of the others."""
    rows = []
    for n in range(ROWS):
        name = f"Customer {n:05d}"
        rows.append(
            Contact(
                company=company,
                contact_type=customer_type,
                code=f"P{n:05d}",
                name=name,
                name_normalized=normalize_name(name),
                search_text=normalize_name(name),
                lifecycle=Lifecycle.CUSTOMER,
            )
        )
    Contact.objects.bulk_create(rows, batch_size=500)
    contacts = list(Contact.objects.filter(company=company).order_by("pk"))
    dealers = contacts[:DEALERS]
    for index, contact in enumerate(contacts[DEALERS:]):
        contact.dealer = dealers[index % DEALERS]
    Contact.objects.bulk_update(contacts[DEALERS:], ["dealer"], batch_size=500)
    Phone.objects.bulk_create(
        Phone(contact=c, kind="mobile", number=f"+9665{c.pk:08d}") for c in contacts
    )
    planner_statistics_refresh(tables=["contacts_contact", "contacts_phone"])
    return contacts


def _plan_lines(sql: str, params) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def _whole_company_reads(captured) -> list[str]:
    """Plan lines that read every contact of the company (or the whole table)."""
    bad = []
    for query in captured:
        sql = query["sql"]
        if "contacts_contact" not in sql or sql.startswith(("INSERT", "UPDATE", "SAVEPOINT")):
            continue
        for line in _plan_lines(sql, ()):
            # SQLite: the name index searched on the company alone; PostgreSQL: a sequential scan
            # of the contacts or the name index with only the company as its condition.
            if "contact_company_name_cover (company_id=?)" in line:
                bad.append(f"{line.strip()}  <- {sql[:200]}")
            elif re.search(r"Seq Scan on contacts_contact( |$)", line):
                bad.append(f"{line.strip()}  <- {sql[:200]}")
            elif re.match(r"SCAN contacts_contact( |$)", line):
                bad.append(f"{line.strip()}  <- {sql[:200]}")
    return bad


def _capture(fn):
    # Parameters are inlined in captured SQL by Django's debug cursor; plans are read from it.
    with CaptureQueriesContext(connection) as captured:
        fn()
    return captured.captured_queries


def test_duplicate_check_uses_its_own_indexes(crowd, company, admin_user):
    target = crowd[1234]
    captured = _capture(
        lambda: contact_find_duplicates(
            user=admin_user,
            company=company,
            code="P09999",
            name=target.name,
            name_ar="شركة",
            phones=[f"+9665{target.pk:08d}"],
            emails=["someone@example.com"],
        )
    )
    assert not _whole_company_reads(captured)


def test_dealer_customers_use_the_dealer_index(crowd, admin_user):
    dealer = crowd[3]
    captured = _capture(
        lambda: list(selectors.contact_served_customers(user=admin_user, contact=dealer))
    )
    assert not _whole_company_reads(captured)


def test_dealer_page_reads_no_whole_company(crowd, client, admin_user):
    client.force_login(admin_user)
    dealer = crowd[3]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/contacts/{dealer.pk}/")
    assert response.status_code == 200
    assert not _whole_company_reads(captured.captured_queries)


def test_statistics_are_gathered():
    """SQLite: `migrate` (which built the test database) left statistics behind; PostgreSQL: a
    refresh analyses the table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
        else:
            planner_statistics_refresh(tables=["contacts_contact"])
            cursor.execute(
                "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'contacts_contact'"
            )
            assert cursor.fetchone()[0] is True
