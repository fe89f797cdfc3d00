"""Property tests: no attachment, note or timeline entry leaks a record hidden from the user.

A fixed world: contacts of two companies, each with a file (named after it) and a note, and
representatives to tell them apart. Hypothesis draws record rules over the contacts (by
representative, or all records; view or view and change; to the user), saves them, and
compares every surface of the documents module with the contacts the rules let the user see
(`Contact.objects.restrict`, the engine the rest of the suite checks against its oracle):

- the API lists of attachments and notes (every page) name exactly the visible contacts' rows;
- each attachment, version download and panel answers 200 for a visible contact and 404 for a
  hidden one, and a 404 never carries the hidden file's or note's text;
- the timeline of a visible contact tells only its own files and notes, and the tab counts are
  its own;
- a note can be added exactly to visible contacts, a file exactly to changeable ones, and a
  refused write changes nothing.
"""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tawasul.access.services import rule_save
from tawasul.conftest import CONTACT_PERMS
from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
from tawasul.core.timeline import timeline
from tawasul.documents import services
from tawasul.documents.models import Document, DocumentVersion, Note
from tawasul.documents.selectors import record_counts
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

from .conftest import fresh
from .factories import DOC_PERMS, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(company, customer_type):
    """Six contacts of the company under three representatives, two of another company; each
    with a file and a note whose text names it."""
    reps = [EmployeeFactory(company=company, code=f"R{n}", name=f"Rep {n}") for n in range(3)]
    contacts = []
    for index in range(6):
        contacts.append(
            make_contact(
                company=company,
                contact_type=customer_type,
                name=f"Customer {index}",
                representative=reps[index % 3],
            )
        )
    other = CompanyFactory(code="OTHER", name="Other Co")
    other_type = ContactTypeFactory(company=other, code="customer", name="Customer")
    contacts += [
        make_contact(company=other, contact_type=other_type, name=f"Foreign {n}") for n in range(2)
    ]
    for contact in contacts:
        services.attachment_add(
            actor=None, record=contact, upload=upload(f"file-of-{contact.name}.pdf")
        )
        services.note_add(actor=None, record=contact, body=f"note-of-{contact.name}")
    user = UserFactory(username="reader", perms=CONTACT_PERMS + DOC_PERMS)
    EmployeeFactory(company=company, user=user, code="U1", name="Reader")
    return {"company": company, "reps": reps, "contacts": contacts, "user": fresh(user)}


rules_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "all": st.booleans(),
            "reps": st.sets(st.integers(0, 2), min_size=1, max_size=2),
            "actions": st.sampled_from([("view",), ("view", "change")]),
        }
    ),
    min_size=0,
    max_size=2,
)


def _apply(world, rules) -> None:
    for index, rule in enumerate(rules):
        conditions = (
            []
            if rule["all"]
            else [
                {
                    "field": "representative",
                    "operator": "in",
                    "values": [world["reps"][r].pk for r in sorted(rule["reps"])],
                }
            ]
        )
        rule_save(
            actor=None,
            company=world["company"],
            name=f"Drawn {index}",
            model="contacts.contact",
            actions=list(rule["actions"]),
            user=world["user"],
            all_records=rule["all"],
            conditions=conditions,
        )


def _walk(api, url) -> list[dict]:
    rows = []
    while url:
        response = api.get(url, {"page_size": 3} if "cursor=" not in url else None)
        assert response.status_code == 200
        body = response.json()
        rows += body["results"]
        url = body["next"]
    return rows


def _check(world) -> None:
    user = fresh(world["user"])
    contacts = world["contacts"]
    visible = set(Contact.objects.restrict(user, "view").values_list("pk", flat=True))
    changeable = set(Contact.objects.restrict(user, "change").values_list("pk", flat=True))
    assert visible <= {c.pk for c in contacts[:6]}
    api = APIClient()
    api.force_authenticate(user)
    files = _walk(api, "/api/attachments/")
    assert {row["record"]["id"] for row in files} == visible
    assert len(files) == len(visible)
    notes = _walk(api, "/api/notes/")
    assert {row["record"]["id"] for row in notes} == visible
    client = Client()
    client.force_login(user)
    for contact in contacts:
        document = Document.objects.get(object_id=contact.pk)
        version = DocumentVersion.objects.get(document=document)
        secret = contact.name.encode()
        responses = [
            api.get(f"/api/attachments/{document.pk}/"),
            api.get(f"/api/attachments/{document.pk}/download/"),
            client.get(reverse("documents:download", args=[version.pk])),
            client.get(
                reverse("documents:panel", args=["contacts.contact", contact.pk]),
                HTTP_HX_REQUEST="true",
            ),
        ]
        for response in responses:
            if contact.pk in visible:
                assert response.status_code == 200
            else:
                assert response.status_code == 404
                body = b"".join(response) if response.streaming else response.content
                assert secret not in body
        if contact.pk in visible:
            names = [e.title for e in timeline(user, contact, size=50).entries if e.title]
            told = [t for t in names if "file-of-" in t or "note-of-" in t]
            assert told and all(contact.name in t for t in told)
            assert record_counts(user, contact) == {"files": 1, "notes": 1}
    # Writes: a note exactly where the contact is visible, a file where it is changeable.
    for contact in contacts:
        before = (Note.objects.count(), Document.objects.count())
        added_note = client.post(
            reverse("documents:note_add", args=["contacts.contact", contact.pk]),
            {"body": "drawn"},
            HTTP_HX_REQUEST="true",
        )
        added_file = client.post(
            reverse("documents:attachment_add", args=["contacts.contact", contact.pk]),
            {"file": upload("drawn.pdf")},
            HTTP_HX_REQUEST="true",
        )
        notes_now = Note.objects.count()
        files_now = Document.objects.count()
        if contact.pk in visible:
            assert added_note.status_code == 200 and notes_now == before[0] + 1
        else:
            assert added_note.status_code == 404 and notes_now == before[0]
        if contact.pk in changeable:
            assert added_file.status_code == 200 and files_now == before[1] + 1
        else:
            assert added_file.status_code in (200, 404) and files_now == before[1]


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rules=rules_strategy)
def test_nothing_of_a_hidden_record_leaks(world, rules):
    with transaction.atomic():
        _apply(world, rules)
        _check(world)
        transaction.set_rollback(True)


def test_the_world_tells_visible_from_hidden(world):
    """Guard the guard: one rule shows some contacts and hides others, and the check sees it."""
    with transaction.atomic():
        _apply(world, [{"all": False, "reps": {0}, "actions": ("view",)}])
        user = fresh(world["user"])
        visible = set(Contact.objects.restrict(user, "view").values_list("pk", flat=True))
        assert 0 < len(visible) < 6
        _check(world)
        transaction.set_rollback(True)
