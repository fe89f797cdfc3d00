import pytest
from django.db import transaction

from tawasul.core import events


@pytest.fixture
def recorder():
    seen = []
    events.declare("test.happened", "a test event")

    @events.handler("test.happened")
    def record(**payload):
        seen.append(payload)

    yield seen
    events._HANDLERS["test.happened"].remove(record)


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_commit_only(recorder):
    with transaction.atomic():
        events.emit("test.happened", n=1)
        assert recorder == []
    assert recorder == [{"n": 1}]
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            events.emit("test.happened", n=2)
            raise RuntimeError
    assert recorder == [{"n": 1}]


def test_undeclared_events_are_refused():
    with pytest.raises(ValueError):
        events.emit("nobody.declared.this")
