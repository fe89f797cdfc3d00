"""Web workers' garbage collection (tawasul/core/memory.py, wired in gunicorn.conf.py)."""

import gc
import runpy
from pathlib import Path

from django.conf import settings

from tawasul.core import memory


def test_worker_freezes_its_start_and_collects_after_each_response():
    saved = gc.get_threshold()
    try:
        memory.worker_started()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == memory.REQUEST_GEN0_THRESHOLD

        class Cycle:
            pass

        cycle = Cycle()
        cycle.me = cycle
        del cycle
        assert gc.get_count()[0] > 0
        memory.request_finished()
        assert not [o for o in gc.get_objects() if type(o).__name__ == "Cycle"]
        # After the warm-up, each request's garbage is freed by a young collection.
        for _ in range(memory.WARM_UP_REQUESTS):
            memory.request_finished()
        cycle = Cycle()
        cycle.me = cycle
        del cycle
        memory.request_finished()
        assert not [o for o in gc.get_objects() if type(o).__name__ == "Cycle"]
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)


def test_gunicorn_config_calls_the_hooks(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "worker_started", lambda: calls.append("start"))
    monkeypatch.setattr(memory, "request_finished", lambda: calls.append("request"))
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    assert config["wsgi_app"] == "tawasul.wsgi:application"
    config["post_worker_init"](None)
    config["post_request"](None, None, {}, None)
    assert calls == ["start", "request"]
