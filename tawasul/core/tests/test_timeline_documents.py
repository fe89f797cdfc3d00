"""A workflow document's timeline (`core.timeline`) tells each move once, by its event row:
verb, from and to status by name, remark; the document's own save of the move shows nothing."""

import pytest

from tawasul.core import documents
from tawasul.core.tests.test_documents import _quote, branch, quote_model, quote_models  # noqa: F401
from tawasul.core.timeline import timeline
from tawasul.org.tests.factories import UserFactory


@pytest.mark.django_db
def test_moves_are_told_by_their_event_rows(quote_model, branch):  # noqa: F811
    user = UserFactory(username="timeline.reader", is_superuser=True)
    quote = _quote(quote_model, branch, lines=1)
    moved = documents.transition(quote, "send", None, remark="by e-mail")
    documents.record_event(moved, actor=user, verb="printed")
    entries = timeline(user, moved).entries
    assert [(e.kind, e.title) for e in entries] == [
        ("event", "Printed"),
        ("event", "Send"),
        ("created", ""),
    ]
    sent = entries[1]
    assert sent.reason == "by e-mail" and sent.who is None
    assert [(str(c.old), str(c.new)) for c in sent.changes] == [("Draft", "Sent")]
    assert entries[0].who == user and entries[0].changes == []
