"""Scale-out, for real: two web processes and two task consumers share PostgreSQL and Redis.

The test makes a database of its own on the PostgreSQL server of this machine (whatever database
the rest of the suite runs on), migrates it, and starts, as an operator would (docs/operator.md):
- two gunicorn servers, each with two worker processes, configured for production (no test
  settings, cache in Redis);
- two Huey consumers on a Redis queue of their own, one of them without the periodic schedule.

Then it shows that nothing fires twice and nothing is lost:
- 40 contacts created at once through the API, spread over both servers, all answer 201 and get
  40 different codes with no gap (the company's number sequence is locked, not raced);
- 6 imports queued at once, each delivered twice (as a retried task would be), are each imported
  exactly once by whichever consumer claims them, and every row arrives.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib import request as urlrequest
from urllib.error import HTTPError

import psycopg
import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
SERVER = os.environ.get("SCALE_OUT_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("SCALE_OUT_REDIS", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.slow

SETUP = textwrap.dedent(
    """
    import json
    from django.contrib.auth.models import Permission, User
    from tawasul.access.tokens import api_token_create
    from tawasul.access.services import rule_save
    from tawasul.contacts.models import ContactType
    from tawasul.org.models import Company, Employee

    company = Company.objects.create(code="SCALE", name="Scale Co")
    kind = ContactType.objects.create(company=company, code="customer", name="Customer")
    user = User.objects.create(username="clerk")
    user.user_permissions.set(Permission.objects.filter(
        codename__in=["import_contact", "add_contact", "change_contact", "view_contact",
                      "view_importjob", "view_contacttype"]))
    Employee.objects.create(company=company, user=user, code="E1", name="Clerk")
    rule_save(actor=None, company=company, name="All contacts", model="contacts.contact",
              actions=["view", "change"], user=user, all_records=True)
    print(json.dumps({"token": api_token_create(actor=user, name="scale")[1], "type": kind.pk}))
    """
)

QUEUE_IMPORTS = textwrap.dedent(
    """
    import json
    from django.contrib.auth.models import User
    from django.core.files.base import ContentFile
    from tawasul.contacts.imports import import_job_create, import_job_start
    from tawasul.contacts.tasks import import_contacts_task
    from tawasul.org.models import Company

    company = Company.objects.get(code="SCALE")
    user = User.objects.get(username="clerk")
    jobs = []
    for batch in range(6):
        rows = "".join(f"I{batch}-{n:03d},Imported {batch}-{n},customer\\n" for n in range(25))
        job = import_job_create(actor=user, company=company, uploaded_file=ContentFile(
            ("Code,Name,Type\\n" + rows).encode(), name=f"batch{batch}.csv"))
        import_job_start(actor=user, job=job, dry_run=False)
        import_contacts_task(job.pk, False)  # the same task delivered a second time
        jobs.append(job.pk)
    print(json.dumps(jobs))
    """
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            urlrequest.urlopen(url, timeout=2)
            return
        except HTTPError:
            return  # answering (a redirect to sign in, say): up
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not come up")


@pytest.fixture
def stack(tmp_path):
    """A fresh database, two web servers and two consumers; torn down afterwards."""
    name = f"tawasul_scale_{secrets.token_hex(4)}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TAWASUL_", "HUEY_"))},
        "DATABASE_URL": f"{SERVER}/{name}",
        "REDIS_URL": REDIS,
        "HUEY_NAME": name,  # a queue of its own in the shared Redis
        "HUEY_IMMEDIATE": "0",
        "HUEY_WORKERS": "2",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "MEDIA_ROOT": str(tmp_path / "media"),  # shared storage, as the operator guide says
        "TAWASUL_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "tawasul.settings",
    }
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    processes: list[subprocess.Popen] = []

    def run(*args: str) -> str:
        done = subprocess.run(
            manage + list(args), env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start(command: list[str], log_name: str) -> None:
        log = open(tmp_path / log_name, "w")  # noqa: SIM115 (closed with the process)
        processes.append(subprocess.Popen(command, env=env, cwd=BASE_DIR, stdout=log, stderr=log))

    try:
        run("migrate", "--noinput", "-v", "0")
        facts = json.loads(run("shell", "-c", SETUP).strip().splitlines()[-1])
        ports = [_free_port(), _free_port()]
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        for index, port in enumerate(ports):
            start(
                [
                    gunicorn,
                    "tawasul.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "2",
                ],
                f"web{index}.log",
            )
        start(manage + ["run_huey"], "worker0.log")
        start(manage + ["run_huey", "--no-periodic"], "worker1.log")
        deadline = time.monotonic() + 60
        for port in ports:
            _wait_for(f"http://127.0.0.1:{port}/api/contacts/", deadline)  # 401: up
        yield {
            "urls": [f"http://127.0.0.1:{port}" for port in ports],
            "run": run,
            "database": env["DATABASE_URL"],
            "logs": tmp_path,
            "processes": processes,
            **facts,
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        import redis

        queue = redis.Redis.from_url(REDIS)
        for key in queue.scan_iter(f"huey.*{name}*"):
            queue.delete(key)
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _post(url: str, token: str, payload: dict) -> tuple[int, dict]:
    req = urlrequest.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urlrequest.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except HTTPError as error:
        return error.code, {"error": error.read().decode()[:500]}


def _logs(stack) -> str:
    return "\n".join(
        f"--- {path.name}\n{path.read_text()[-1500:]}" for path in stack["logs"].glob("*.log")
    )


def test_two_web_servers_and_two_workers_neither_repeat_nor_lose_work(stack):
    # The web tier: 40 contacts at once, alternately on both servers; codes come from the
    # company's sequence.
    def create(n: int):
        url = stack["urls"][n % 2] + "/api/contacts/"
        return _post(
            url, stack["token"], {"name": f"Concurrent {n}", "contact_type": stack["type"]}
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(create, range(40)))
    assert [status for status, _ in answers] == [201] * 40, (answers, _logs(stack))
    codes = sorted(body["code"] for _, body in answers)
    assert codes == [f"C-{n:06d}" for n in range(1, 41)], codes

    # The workers: 6 imports of 25 rows, each task delivered twice, both consumers competing.
    jobs = json.loads(stack["run"]("shell", "-c", QUEUE_IMPORTS).strip().splitlines()[-1])
    deadline = time.monotonic() + 90
    with psycopg.connect(stack["database"], autocommit=True) as db:
        while time.monotonic() < deadline:
            rows = db.execute(
                "SELECT id, status, created_count FROM contacts_importjob WHERE id = ANY(%s)",
                [jobs],
            ).fetchall()
            if all(status in ("imported", "failed") for _, status, _ in rows):
                break
            for process in stack["processes"]:
                assert process.poll() is None, _logs(stack)
            time.sleep(0.5)
        assert sorted(rows) == sorted((job, "imported", 25) for job in jobs), _logs(stack)
        imported = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT code) FROM contacts_contact WHERE code LIKE 'I%%'"
        ).fetchone()
        assert imported == (150, 150)
        total = db.execute("SELECT COUNT(*) FROM contacts_contact").fetchone()[0]
        assert total == 190
    # Every delivery was executed exactly once, by one of the consumers: 12 task runs for 6 jobs
    # sent twice (the second run of each finds its job claimed and does nothing).
    executed = re.compile(
        r"INFO:huey:Worker-\d+:Executing tawasul\.contacts\.tasks\.import_contacts_task: (\S+)"
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        runs = [
            match.group(1)
            for path in stack["logs"].glob("worker*.log")
            for match in executed.finditer(path.read_text())
        ]
        if len(runs) >= 12:
            break
        time.sleep(0.5)
    assert len(runs) == len(set(runs)) == 12, _logs(stack)
