"""Matching names and phones (issue 10, section 6): one normalisation, one duplicate check, one
phone reading, and searches that find what people type, on every entry point and engine."""

import re

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.access.services import rule_save
from tawasul.conftest import CONTACT_PERMS, MASTER_PERMS, ORG_VIEW_PERMS
from tawasul.contacts.models import Contact, Phone
from tawasul.contacts.services import (
    contact_duplicate_values,
    contact_find_duplicates,
    contact_search_columns,
)
from tawasul.contacts.tests.factories import make_contact
from tawasul.core.phones import phone_region, phone_to_e164
from tawasul.core.search import sqlite_text_indexes_ensure, text_filter
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

ENTRY_POINTS = ["service", "import", "page", "api"]


@pytest.fixture
def existing(company, customer_type):
    """An organisation with an Arabic name, its own phone, and a person with phone and e-mail."""
    return make_contact(
        company=company,
        contact_type=customer_type,
        name="Al Amal Establishment",
        name_ar="مؤسسة الأمل",
        phones=[{"kind": "work", "number": "0112223333"}],
        persons=[
            {
                "name": "Aisha",
                "name_ar": "عائشة",
                "is_primary": True,
                "phones": ["0501112222"],
                "emails": ["Aisha@Amal.example"],
            }
        ],
    )


@pytest.fixture
def representative(company):
    """A representative who sees, adds and changes only the contacts assigned to him."""
    user = UserFactory(username="rep", perms=CONTACT_PERMS + MASTER_PERMS + ORG_VIEW_PERMS)
    employee = EmployeeFactory(company=company, user=user, name="Rami Rep", code="R100")
    rule_save(
        actor=None,
        company=company,
        name="Own contacts",
        model="contacts.contact",
        actions=["view", "change"],  # "add" is judged by the change rules
        user=user,
        conditions=[{"field": "representative", "operator": "is_me", "values": []}],
    )
    user.employee_obj = employee
    return user


def _new(**values):
    """Values of a new contact: name, name_ar, phones, emails, person_phones, person_emails."""
    spec = {
        "name": "",
        "name_ar": "",
        "phones": [],
        "emails": [],
        "person_phones": [],
        "person_emails": [],
    }
    spec.update(values)
    return spec


def _form(spec, customer_type, representative=None):
    person = bool(spec["person_phones"] or spec["person_emails"])
    data = {
        "kind": "organisation",
        "name": spec["name"],
        "name_ar": spec["name_ar"],
        "contact_type": customer_type.pk,
        "persons-TOTAL_FORMS": "1" if person else "0",
        "persons-INITIAL_FORMS": "0",
        "phones-TOTAL_FORMS": str(len(spec["phones"])),
        "phones-INITIAL_FORMS": "0",
        "emails-TOTAL_FORMS": str(len(spec["emails"])),
        "emails-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    if representative is not None:
        data["representative"] = representative.pk
    if person:
        data.update(
            {
                "persons-0-name": "Someone",
                "persons-0-is_primary": "on",
                "persons-0-phone": (spec["person_phones"] or [""])[0],
                "persons-0-email": (spec["person_emails"] or [""])[0],
            }
        )
    for i, number in enumerate(spec["phones"]):
        data.update({f"phones-{i}-kind": "work", f"phones-{i}-number": number})
    for i, address in enumerate(spec["emails"]):
        data.update({f"emails-{i}-kind": "work", f"emails-{i}-address": address})
    return data


def _payload(spec, customer_type, representative=None):
    payload = {
        "name": spec["name"],
        "name_ar": spec["name_ar"],
        "contact_type": customer_type.pk,
        "phones": [{"kind": "work", "number": n} for n in spec["phones"]],
        "emails": [{"kind": "work", "address": a} for a in spec["emails"]],
    }
    if spec["person_phones"] or spec["person_emails"]:
        payload["persons"] = [
            {
                "name": "Someone",
                "is_primary": True,
                "phones": spec["person_phones"],
                "emails": spec["person_emails"],
            }
        ]
    if representative is not None:
        payload["representative"] = representative.pk
    return payload


def _duplicates(entry, *, user, company, customer_type, spec, employee=None) -> set[int]:
    """The keys of the contacts each entry point warns about for the new values `spec`."""
    if entry == "service":
        matches = contact_find_duplicates(
            user=user,
            company=company,
            name=spec["name"],
            name_ar=spec["name_ar"],
            phones=spec["phones"] + spec["person_phones"],
            emails=spec["emails"] + spec["person_emails"],
        )
        return {m.pk for m in matches}
    if entry == "import":
        # The import hands its rows over in the shape contact_create takes.
        values = contact_duplicate_values(
            data={"name": spec["name"], "name_ar": spec["name_ar"]},
            persons=[
                {
                    "name": "Someone",
                    "phones": spec["person_phones"],
                    "emails": spec["person_emails"],
                }
            ],
            phones=[{"number": n} for n in spec["phones"]],
            emails=[{"address": a} for a in spec["emails"]],
        )
        matches = contact_find_duplicates(user=user, company=company, **values)
        return {m.pk for m in matches}
    if entry == "page":
        from django.test import Client

        client = Client()
        client.force_login(user)
        response = client.post(
            reverse("contacts:contact_create"), _form(spec, customer_type, employee)
        )
        html = response.content.decode()
        if 'id="duplicate-warning"' not in html:
            return set()
        warning = html.split('id="duplicate-warning"')[1].split('id="confirm-duplicates"')[0]
        return {int(pk) for pk in re.findall(r"/contacts/(\d+)/", warning)}
    api = APIClient()
    api.force_authenticate(user)
    response = api.post("/api/contacts/", _payload(spec, customer_type, employee), format="json")
    assert response.status_code == 201, response.json()
    return set(response.json()["possible_duplicates"])


CASES = {
    # Same Arabic name in another spelling, a different English spelling: a duplicate.
    "arabic name": _new(name="Alamal Est.", name_ar="مؤسسه الامل"),
    # The Arabic name typed in the English field still meets the existing Arabic name.
    "names either way round": _new(name="مؤسسة الامل"),
    # A person's phone, typed the international way, is the existing contact's own phone.
    "person phone vs contact phone": _new(name="Other Co", person_phones=["+966 11 222 3333"]),
    # The new contact's phone is the existing contact's person's phone, in Arabic-Indic digits.
    "contact phone vs person phone": _new(name="Other Co", phones=["٠٥٠١١١٢٢٢٢"]),
    # A person's e-mail in another case.
    "person e-mail": _new(name="Other Co", person_emails=["aisha@AMAL.example"]),
    # Nothing in common.
    "nothing": _new(name="Unrelated Trading", name_ar="شركة أخرى", phones=["0133334444"]),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("case", list(CASES))
def test_every_entry_point_finds_the_same_duplicates(
    entry, case, existing, staff_user, company, customer_type
):
    found = _duplicates(
        entry, user=staff_user, company=company, customer_type=customer_type, spec=CASES[case]
    )
    assert found == (set() if case == "nothing" else {existing.pk})


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_a_duplicate_warning_never_names_a_hidden_contact(
    entry, existing, representative, company, customer_type
):
    """The existing contact is not the representative's: no entry point may reveal it."""
    spec = _new(name="Al Amal Establishment", name_ar="مؤسسة الأمل", phones=["0112223333"])
    found = _duplicates(
        entry,
        user=representative,
        company=company,
        customer_type=customer_type,
        spec=spec,
        employee=representative.employee_obj,
    )
    assert existing.pk not in found
    # A contact of his own with the same name is shown.
    mine = make_contact(
        company=company,
        contact_type=customer_type,
        name="Al-Amal establishment",
        representative=representative.employee_obj,
    )
    spec = _new(name="AL AMAL ESTABLISHMENT")
    found = _duplicates(
        entry,
        user=representative,
        company=company,
        customer_type=customer_type,
        spec=spec,
        employee=representative.employee_obj,
    )
    assert mine.pk in found and existing.pk not in found


def test_duplicates_say_why_and_skip_the_contact_itself(existing, staff_user, company):
    matches = contact_find_duplicates(
        user=staff_user,
        company=company,
        code=existing.code,
        name="al amal establishment",
        phones=["0501112222", "not a phone"],
        emails=["AISHA@amal.example"],
    )
    assert [m.pk for m in matches] == [existing.pk]
    assert matches[0].reasons == ("code", "name", "phone", "email")
    assert (
        contact_find_duplicates(
            user=staff_user, company=company, name=existing.name, exclude_pk=existing.pk
        )
        == []
    )


def test_the_duplicate_check_reads_its_own_indexes(existing, staff_user, company):
    """Each kind of match is looked up on its own index (never a walk of the company's name
    index, which made an API creation take 400 ms on SQLite); then one access check."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        contact_find_duplicates(
            user=staff_user,
            company=company,
            code="X-1",
            name="Al Amal",
            name_ar="الأمل",
            phones=["0501112222"],
            emails=["aisha@amal.example"],
        )
    lookups = [q["sql"] for q in queries if "contacts_" in q["sql"]]
    assert len(lookups) <= 8
    if connection.vendor != "sqlite":
        return
    for sql in lookups:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
        assert "SCAN contacts_contact" not in plan and "name_cover" not in plan, plan


# --- phones: one region, one reading -------------------------------------------------------


def test_the_region_is_the_company_country_else_the_setting(company, customer_type, api_client):
    assert phone_region(company) == "SA"
    with override_settings(PHONENUMBER_DEFAULT_REGION="EG"):
        assert phone_region(None) == "EG"
        company.default_country = ""
        assert phone_region(company) == "EG"
    company.default_country = "AE"
    company.save()
    # The API, the page's service and the employee service all read local numbers in it.
    response = api_client.post(
        "/api/contacts/",
        {
            "name": "Dubai Trading",
            "contact_type": customer_type.pk,
            "phones": [{"number": "050 123 4567"}],
            "persons": [{"name": "Ali", "phones": ["050 765 4321"]}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    numbers = set(
        Phone.objects.filter(contact_id=response.json()["id"]).values_list("number", flat=True)
    )
    assert numbers == {"+971501234567", "+971507654321"}
    from tawasul.org.services import employee_save

    employee = EmployeeFactory(company=company, name="Dana", code="D1")
    employee = employee_save(actor=None, instance=employee, phone="050 111 2222")
    assert employee.phone == "+971501112222"


def test_one_reading_of_typed_numbers():
    for typed in ["0551234567", "+966 55 123 4567", "٠٥٥١٢٣٤٥٦٧", "\u202a055-123-4567\u202c"]:
        assert phone_to_e164(typed, "SA") == "+966551234567"


# --- searches --------------------------------------------------------------------------------


def _search(entry, client, query) -> set[str]:
    """Names of the contacts an entry point finds for `query`."""
    if entry == "list":
        html = client.get(reverse("contacts:contact_list"), {"q": query}).content.decode()
        return {name for name in ("Gulf Plastics", "Other Traders") if name in html}
    if entry == "api":
        response = client.get("/api/contacts/", {"q": query})
        assert response.status_code == 200
        return {row["name"] for row in response.json()["results"]}
    if entry == "global":
        html = client.get(reverse("global_search"), {"q": query}).content.decode()
        return {name for name in ("Gulf Plastics", "Other Traders") if name in html}
    response = client.get(reverse("contacts:autocomplete", args=["contact"]), {"q": query})
    return {row["text"].split(" (")[0] for row in response.json()["results"]}


@pytest.fixture
def searchable(company, customer_type):
    gulf = make_contact(
        company=company,
        contact_type=customer_type,
        name="Gulf Plastics",
        persons=[{"name": "Ali", "is_primary": True, "phones": ["0551234567"]}],
    )
    other = make_contact(
        company=company,
        contact_type=customer_type,
        name="Other Traders",
        phones=[{"number": "0559876543"}],
    )
    return gulf, other


SEARCH_ENTRIES = ["list", "api", "global", "autocomplete"]
PHONE_QUERIES = [
    "+966551234567",  # the form Tawasul displays
    "+966 55 123 4567",
    "+966 (0)55 123 4567",
    "00966551234567",
    "00966 55 123 4567",
    "0551234567",
    "055 123 4567",
    "055-123-4567",
    "٠٥٥١٢٣٤٥٦٧",
    "۰۵۵۱۲۳۴۵۶۷",
    "+9665512",  # the beginning of a number, as typed so far
]


@pytest.mark.parametrize("entry", SEARCH_ENTRIES)
@pytest.mark.parametrize("query", PHONE_QUERIES)
def test_phone_searches_find_the_contact_in_every_form(
    entry, query, searchable, client, api_client, staff_user
):
    client.force_login(staff_user)
    found = _search(entry, api_client if entry == "api" else client, query)
    assert found == {"Gulf Plastics"}


SYMBOLS = ["*", '"', "-", "%", "_", "😀", "%_", "* -", "@", ".", "+", '"*"']


@pytest.mark.parametrize("entry", SEARCH_ENTRIES)
@pytest.mark.parametrize("query", SYMBOLS)
def test_a_search_of_only_symbols_matches_nothing(
    entry, query, searchable, client, api_client, staff_user, company, customer_type
):
    make_contact(company=company, contact_type=customer_type, name='Star * "Best" 100% a_b 😀 - Co')
    client.force_login(staff_user)
    found = _search(entry, api_client if entry == "api" else client, query)
    assert found == set()
    if entry == "list":
        html = client.get(reverse("contacts:contact_list"), {"q": query}).content.decode()
        assert "No contacts match these filters." in html
    if entry == "global":
        html = client.get(reverse("global_search"), {"q": query}).content.decode()
        assert "No matches." in html


def test_symbols_next_to_words_are_separators(searchable):
    queryset = Contact.objects.all()
    for typed in ("gulf *", '"gulf"', "gulf%", "gulf_", "😀gulf"):
        assert {c.name for c in text_filter(queryset, typed)} == {"Gulf Plastics"}, typed
    assert {c.name for c in text_filter(queryset, " ")} == {"Gulf Plastics", "Other Traders"}


@pytest.mark.parametrize(
    "stored, typed",
    [
        ("المؤمن للتجارة", "المومن"),
        ("عائشة", "عايشه"),
        ("كريم", "کریم"),
        ("علی رضا", "علي"),
        ("عبد\u200cالرحمن", "عبدالرحمن"),
        ("مبنى ١٥", "15"),
    ],
)
def test_arabic_searches_find_other_spellings(stored, typed, company, customer_type):
    make_contact(company=company, contact_type=customer_type, name="Any", name_ar=stored)
    assert text_filter(Contact.objects.all(), typed).count() == 1


def test_a_code_with_separators_is_found_typed_together(company, customer_type):
    make_contact(company=company, contact_type=customer_type, name="Coded", code="2024-0015")
    for typed in ("2024-0015", "20240015", "2024 0015", "0015"):
        assert text_filter(Contact.objects.all(), typed).count() == 1, typed


# --- existing rows re-normalised -------------------------------------------------------------


def _migration():
    from importlib import import_module

    return import_module("tawasul.contacts.migrations.0007_renormalize_search_columns")


def test_the_migration_renormalises_rows_written_before(company, customer_type):
    contact = make_contact(
        company=company,
        contact_type=customer_type,
        name="Al Momin",
        name_ar="المؤمن",
        persons=[{"name": "كريم", "is_primary": True, "phones": ["0551234567"]}],
    )
    fresh = contact_search_columns(
        code=contact.code,
        name=contact.name,
        name_ar=contact.name_ar,
        phones=["+966551234567"],
        persons=[("كريم", "")],
    )
    # As the old normalisation left it: no Arabic-name column, hamza kept, Persian letters kept.
    Contact.objects.filter(pk=contact.pk).update(
        name_ar_normalized="",
        search_text=f"{contact.code.lower().replace('-', ' ')} al momin المؤمن 966551234567 کریم",
    )
    assert text_filter(Contact.objects.all(), "المومن").count() == 0

    changed = _migration().renormalize_contacts(django_apps, batch_size=1)
    assert changed == 1
    contact.refresh_from_db()
    assert (contact.name_normalized, contact.name_ar_normalized, contact.search_text) == fresh
    assert text_filter(Contact.objects.all(), "المومن").get() == contact  # the index followed
    assert text_filter(Contact.objects.all(), "+966 55 123 4567").get() == contact
    assert _migration().renormalize_contacts(django_apps) == 0  # a second run changes nothing


def test_the_sqlite_search_index_is_complete_and_restored_when_dropped(company, customer_type):
    if connection.vendor != "sqlite":
        assert sqlite_text_indexes_ensure(connection.alias) == []  # PostgreSQL: nothing to do
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {name for (name,) in cursor.fetchall()}
    # After every migration (a later one may remake the table): the three triggers are there.
    assert {f"contacts_contact_fts_{t}" for t in ("insert", "delete", "update")} <= triggers
    assert sqlite_text_indexes_ensure(connection.alias) == []
    # What SQLite's table remake (adding a NOT NULL column) does: the triggers go.
    with connection.cursor() as cursor:
        for trigger in ("insert", "delete", "update"):
            cursor.execute(f"DROP TRIGGER contacts_contact_fts_{trigger}")
    make_contact(company=company, contact_type=customer_type, name="Lost Noor")
    assert sqlite_text_indexes_ensure(connection.alias) == ["contacts_contact_fts"]
    assert text_filter(Contact.objects.all(), "noor").get().name == "Lost Noor"
    make_contact(company=company, contact_type=customer_type, name="Found Noor")
    assert text_filter(Contact.objects.all(), "noor").count() == 2
