"""The one clock (core.clock): real by default, set by tests for this process and the processes
they start (a consumer, a subprocess), never settable or read from a file in production."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from tawasul.core import clock

MOMENT = datetime(2027, 2, 28, 22, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _real_time_after():
    yield
    clock.reset()


def test_the_clock_is_real_until_a_test_sets_it():
    clock.reset()
    before = timezone.now()
    assert before <= clock.now() <= timezone.now()
    assert clock.now().tzinfo is not None


def test_a_frozen_clock_stands_still_and_gives_the_local_date():
    with clock.frozen(MOMENT):
        assert clock.now() == MOMENT
        assert clock.now() == MOMENT
        with timezone.override("Asia/Riyadh"):  # UTC+3: already the next day
            assert clock.today() == date(2027, 3, 1)
    assert abs(clock.now() - timezone.now()) < timedelta(seconds=5)


def test_a_shifted_clock_runs_ahead():
    with clock.shifted(timedelta(days=3)):
        ahead = clock.now() - timezone.now()
        assert timedelta(days=3) - timedelta(seconds=5) < ahead <= timedelta(days=3)


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        clock.set_frozen(datetime(2027, 1, 1))


def _now_in_another_process() -> datetime:
    code = (
        "import django; django.setup(); "
        "from tawasul.core import clock; print(clock.now().isoformat())"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tawasul.settings", TAWASUL_TESTING="1")
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return datetime.fromisoformat(result.stdout.strip().splitlines()[-1])


def test_a_clock_set_here_is_seen_by_a_process_started_afterwards():
    clock.set_frozen(MOMENT)
    assert _now_in_another_process() == MOMENT
    clock.set_offset(timedelta(days=-400))
    seen = _now_in_another_process()
    assert abs(seen - (timezone.now() - timedelta(days=400))) < timedelta(minutes=1)
    clock.reset()
    assert abs(_now_in_another_process() - timezone.now()) < timedelta(minutes=1)


def test_production_never_reads_or_sets_the_test_clock():
    clock.set_frozen(MOMENT)
    with override_settings(TESTING=False):
        assert clock.now() != MOMENT
        assert abs(clock.now() - timezone.now()) < timedelta(seconds=5)
        with pytest.raises(RuntimeError):
            clock.set_frozen(MOMENT)
