"""Workflow documents (core.documents): numbering on save, transitions, events, approvals.

The abstract `Document` is exercised through a small concrete document made for this module
only: its tables are created when the module starts and dropped, and its models unregistered,
when it ends, so no other test sees them.
"""

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext

from tawasul.core import clock, documents, events
from tawasul.org.tests.factories import BranchFactory, CompanyFactory, UserFactory

events.declare("testquote.status_changed", "a test quotation moved (core document tests)")
CHANGES: list[dict] = []


@events.handler("testquote.status_changed")
def _remember(**payload) -> None:
    CHANGES.append(payload)


def _make_models():
    class TestQuote(documents.Document):
        NUMBER_KIND = "testquote"
        NUMBER_PATTERN = "QUO-{branch}-{year}-{n:05d}"
        STATUS_EVENT = "testquote.status_changed"
        TRANSITIONS = {
            "send": ({"draft"}, "sent"),
            "accept": ({"sent"}, "accepted"),
            "cancel": ({"draft", "sent"}, "cancelled"),
        }
        APPROVAL_VERBS = {"send"}

        status = models.CharField(
            max_length=20,
            default="draft",
            choices=[
                ("draft", "Draft"),
                ("sent", "Sent"),
                ("accepted", "Accepted"),
                ("cancelled", "Cancelled"),
            ],
        )
        lines = models.PositiveIntegerField(default=0)

        class Meta:
            app_label = "core"

        def can_send(self, actor, **data) -> str | None:
            return None if self.lines else "Add a line before sending."

    class TestQuoteEvent(documents.DocumentEvent):
        document = models.ForeignKey(TestQuote, on_delete=models.CASCADE, related_name="events")

        class Meta(documents.DocumentEvent.Meta):
            app_label = "core"

    return TestQuote, TestQuoteEvent


@pytest.fixture(scope="module")
def quote_models(django_db_setup, django_db_blocker):
    quote, event = _make_models()
    history = quote.history.model
    made = [quote, history, event]
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            for model in made:
                editor.create_model(model)
    yield quote, event
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            for model in reversed(made):
                editor.delete_model(model)
    for model in made:
        apps.all_models["core"].pop(model._meta.model_name, None)
    apps.clear_cache()


@pytest.fixture
def quote_model(quote_models, db):
    return quote_models[0]


@pytest.fixture
def branch(db):
    company = CompanyFactory(code="DOC", name="Documents Co")
    return BranchFactory(company=company, code="AMM", name="Amman")


def _quote(model, branch, **values):
    return model.objects.create(company=branch.company, branch=branch, **values)


# --- numbering ---------------------------------------------------------------------------------


def test_a_document_is_numbered_on_its_first_save_by_branch_and_year(quote_model, branch):
    other = BranchFactory(company=branch.company, code="IRB", name="Irbid")
    with clock.frozen(datetime(2027, 3, 1, 9, 0, tzinfo=UTC)):
        first, second = _quote(quote_model, branch), _quote(quote_model, branch)
        elsewhere = _quote(quote_model, other)
    with clock.frozen(datetime(2028, 1, 2, 9, 0, tzinfo=UTC)):
        next_year = _quote(quote_model, branch)
    assert [first.number, second.number] == ["QUO-AMM-2027-00001", "QUO-AMM-2027-00002"]
    assert elsewhere.number == "QUO-IRB-2027-00001"
    assert next_year.number == "QUO-AMM-2028-00001"
    assert first.created_at == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    second.save()
    assert second.number == "QUO-AMM-2027-00002"  # a number is given once


def test_a_rolled_back_document_gives_its_number_back(quote_model, branch):
    with clock.frozen(datetime(2027, 3, 1, 9, 0, tzinfo=UTC)):
        with pytest.raises(RuntimeError), transaction.atomic():
            _quote(quote_model, branch)
            raise RuntimeError("the service failed later")
        assert _quote(quote_model, branch).number == "QUO-AMM-2027-00001"


def test_number_pattern_fields_decide_which_counter(db):
    from tawasul.core.models import NumberSequence

    company = CompanyFactory(code="PAT")
    number = documents.document_number_next(
        company_id=company.pk, kind="receipt", pattern="R{n:04d}", branch_id=7, year=2027
    )
    assert number == "R0001"
    # Neither branch nor year in the pattern: one counter for the company, never restarting.
    assert NumberSequence.objects.get(company_id=company.pk, kind="receipt").branch_id == 0
    with pytest.raises(KeyError):
        documents.document_number_next(company_id=company.pk, kind="x", pattern="{month}-{n}")


# --- transitions -------------------------------------------------------------------------------


def test_transition_moves_writes_the_event_and_announces_after_commit(
    quote_model, branch, django_capture_on_commit_callbacks
):
    user = UserFactory(username="mover")
    quote = _quote(quote_model, branch, lines=2)
    CHANGES.clear()
    moment = datetime(2027, 5, 4, 10, 30, tzinfo=UTC)
    with clock.frozen(moment), django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = documents.transition(quote, "send", None, remark="  by e-mail ", channel="email")
        assert CHANGES == []  # not before commit
    assert len(callbacks) == 1
    assert moved.status == "sent" and moved.updated_at == moment
    quote.refresh_from_db()
    assert quote.status == "sent"
    event = moved.events.get()
    assert (event.verb, event.from_status, event.to_status) == ("send", "draft", "sent")
    assert (event.remark, event.data, event.at, event.actor) == (
        "by e-mail",
        {"channel": "email"},
        moment,
        None,
    )
    assert CHANGES == [
        {"testquote_id": quote.pk, "actor_id": None, "verb": "send", "old": "draft", "new": "sent"}
    ]
    assert moved.history.first().status == "sent"
    documents.record_event(moved, actor=user, verb="printed")
    printed = moved.events.latest("pk")
    assert (printed.verb, printed.actor) == ("printed", user)


def test_a_verb_from_the_wrong_status_is_refused_and_nothing_changes(quote_model, branch):
    quote = _quote(quote_model, branch)
    with pytest.raises(ValidationError) as refused:
        documents.transition(quote, "accept", None)
    assert refused.value.error_dict[NON_FIELD_ERRORS][0].code == "transition_refused"
    assert "Draft" in refused.value.message_dict[NON_FIELD_ERRORS][0]
    quote.refresh_from_db()
    assert quote.status == "draft" and not quote.events.exists()


def test_the_guard_refuses_with_its_reason(quote_model, branch):
    quote = _quote(quote_model, branch, lines=0)
    with pytest.raises(ValidationError) as refused:
        documents.transition(quote, "send", None)
    assert refused.value.message_dict == {NON_FIELD_ERRORS: ["Add a line before sending."]}
    assert documents.allowed_verbs(quote, None) == ["cancel"]
    quote.lines = 1
    assert documents.allowed_verbs(quote, None) == ["send", "cancel"]


def test_an_unknown_verb_is_a_programming_error(quote_model, branch):
    with pytest.raises(ValueError):
        documents.transition(_quote(quote_model, branch), "archive", None)


class _Engine:
    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def missing_approval(self, document, verb, actor, data):
        self.asked.append((document.pk, verb, dict(data)))
        return self.answer


def test_approval_hook_no_engine_means_no_approval_needed(quote_model, branch):
    previous = documents.register_approval_engine(None)
    try:
        quote = _quote(quote_model, branch, lines=1)
        assert documents.requires_approval(quote, "send", None) is None
        assert documents.transition(quote, "send", None).status == "sent"
    finally:
        documents.register_approval_engine(previous)


def test_approval_hook_an_engine_can_hold_a_declared_verb(quote_model, branch):
    engine = _Engine("A manager must approve discounts over 10%.")
    previous = documents.register_approval_engine(engine)
    try:
        quote = _quote(quote_model, branch, lines=1)
        with pytest.raises(ValidationError) as held:
            documents.transition(quote, "send", None, discount="15")
        assert held.value.error_dict[NON_FIELD_ERRORS][0].code == "approval_required"
        assert engine.asked == [(quote.pk, "send", {"discount": "15"})]
        quote.refresh_from_db()
        assert quote.status == "draft"
        # A verb that declares no approval never asks the engine.
        assert documents.transition(quote, "cancel", None).status == "cancelled"
        assert len(engine.asked) == 1
        engine.answer = None
        other = _quote(quote_model, branch, lines=1)
        assert documents.transition(other, "send", None).status == "sent"
    finally:
        documents.register_approval_engine(previous)


def test_lock_rows_takes_tables_in_name_order_and_rows_by_key(quote_model, branch):
    first, second = _quote(quote_model, branch), _quote(quote_model, branch)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        fresh = documents.lock_rows(second, branch, first)
    assert [row.pk for row in fresh] == [second.pk, branch.pk, first.pk]
    tables = [q["sql"] for q in queries.captured_queries]
    branch_table, quote_table = branch._meta.db_table, quote_model._meta.db_table
    order = sorted([branch_table, quote_table])
    assert [next(t for t in order if f'"{t}"' in sql) for sql in tables] == order
    if connection.features.has_select_for_update:
        assert all("FOR UPDATE" in sql for sql in tables)
    quote_sql = tables[order.index(quote_table)]
    assert "ORDER BY" in quote_sql


# --- the contact lifecycle on the same protocol --------------------------------------------------


def test_the_lifecycle_verbs_allow_exactly_the_lifecycle_moves():
    from tawasul.contacts.choices import LIFECYCLE_MOVES, LIFECYCLE_TRANSITIONS
    from tawasul.contacts.models import Contact

    assert Contact.TRANSITIONS is LIFECYCLE_TRANSITIONS
    allowed = {
        (old, target) for _verb, (sources, target) in Contact.TRANSITIONS.items() for old in sources
    }
    assert allowed == {(old, new) for old, moves in LIFECYCLE_MOVES.items() for new in moves}


def test_a_lifecycle_move_is_a_transition_with_its_event_row_and_domain_event(
    staff_user, company, customer_type, django_capture_on_commit_callbacks
):
    from tawasul.contacts.services import contact_set_lifecycle
    from tawasul.contacts.tests.factories import make_contact

    contact = make_contact(company=company, contact_type=customer_type, name="Lifecycle Co")
    seen = []
    events.handler("contact.lifecycle_changed")(handler := lambda **p: seen.append(p))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            moved = contact_set_lifecycle(
                actor=staff_user, contact=contact, stage="rejected", reason=" no budget "
            )
    finally:
        events._HANDLERS["contact.lifecycle_changed"].remove(handler)
    assert (moved.lifecycle, moved.rejection_reason) == ("rejected", "no budget")
    row = moved.lifecycle_changes.first()
    assert (row.from_stage, row.to_stage, row.reason, row.changed_by) == (
        "target",
        "rejected",
        "no budget",
        staff_user,
    )
    assert seen == [
        {"contact_id": contact.pk, "actor_id": staff_user.pk, "old": "target", "new": "rejected"}
    ]
    with pytest.raises(ValidationError) as refused:
        contact_set_lifecycle(actor=staff_user, contact=moved, stage="customer")
    assert "cannot move from Rejected to Customer" in refused.value.message_dict["lifecycle"][0]


def test_an_actor_without_rights_is_refused_and_nothing_moves(quote_model, branch):
    from django.core.exceptions import PermissionDenied

    outsider = UserFactory(username="outsider")
    quote = _quote(quote_model, branch, lines=1)
    with pytest.raises(PermissionDenied):
        documents.transition(quote, "send", outsider)
    quote.refresh_from_db()
    assert quote.status == "draft" and not quote.events.exists()


def test_a_partial_save_still_stamps_updated_at(quote_model, branch):
    quote = _quote(quote_model, branch)
    later = datetime(2030, 1, 1, tzinfo=UTC)
    with clock.frozen(later):
        quote.lines = 3
        quote.save(update_fields=["lines"])
    quote.refresh_from_db()
    assert (quote.lines, quote.updated_at) == (3, later)
