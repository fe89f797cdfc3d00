"""Latency over HTTP: median and 95th percentile of requests to a real gunicorn server.

    .venv/bin/python bench/http_latency.py [--requests 200] [--output FILE]
    DATABASE_URL=postgresql://... .venv/bin/python bench/http_latency.py

Serves the app with gunicorn (one sync worker, DEBUG off, the project's gunicorn.conf.py unless
`--no-config`) on the database the environment names (SQLite under TAWASUL_VAR_DIR when
DATABASE_URL is unset; it must hold the demo company, e.g. after `make run` or
`manage.py demo --contacts N`), then times, one request after another from a second process:

- the contacts API list, `--requests` times (its 95th percentile against its median);
- creating a contact through the API (the duplicate check after the insert);
- a dealer's page (the customers it serves) and the three-rule representative's filtered list.

Each figure is the client's wall time of the whole request. Results are printed and written to
`bench/results/http.md`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "http.md"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="API list requests to time")
    parser.add_argument("--creates", type=int, default=30, help="contacts to create by API")
    parser.add_argument("--pages", type=int, default=30, help="times each page is requested")
    parser.add_argument("--no-config", action="store_true", help="gunicorn without its hooks")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tawasul.settings",
        DEBUG="false",
        TAWASUL_TESTING="false",
        SECRET_KEY=env.get("SECRET_KEY") or "bench-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        AXES_ENABLED="false",
        MFA_REQUIRED_FOR_ADMINS="false",  # the demo administrator has no second factor
    )
    return env


def prepare(env: dict[str, str]) -> dict:
    """Facts the requests need, read from the database: ids, and bench.rep3 with its rules."""
    script = """
import json, sys
sys.path.insert(0, "bench")
from django.db.models import Count
from contacts_list import ensure_rule_user
from tawasul.contacts.models import Contact, ContactType, Industry
from tawasul.demo.builder import demo_company
company = demo_company()
ensure_rule_user()
dealer = (Contact.objects.filter(company=company, dealer_profile__isnull=False)
          .annotate(n=Count("served_contacts")).order_by("-n", "pk").first())
industry = (Industry.objects.filter(company=company).annotate(n=Count("contacts"))
            .order_by("-n").first())
print(json.dumps({"dealer": dealer.pk, "industry": industry.pk,
                  "contacts": Contact.objects.filter(company=company).count(),
                  "type": ContactType.objects.get(company=company, code="customer").pk}))
"""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"reading the demo data failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Session:
    """A signed-in browser-like client (cookies, CSRF) or an API token client."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def request(self, path: str, data: bytes | None = None, headers=None) -> tuple[int, bytes]:
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        if self.token:
            req.add_header("Authorization", f"Token {self.token}")
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def sign_in(self, username: str) -> None:
        self.request("/accounts/login/")
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode(
            {"username": username, "password": "demo", "csrfmiddlewaretoken": csrf}
        ).encode()
        status, _ = self.request(
            "/accounts/login/", body, {"Referer": self.base + "/accounts/login/"}
        )
        if status >= 400:
            raise RuntimeError(f"sign-in as {username} answered {status}")

    def api_token(self, username: str) -> None:
        body = json.dumps({"username": username, "password": "demo"}).encode()
        status, raw = self.request("/api/auth/token/", body, {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"token for {username} answered {status}: {raw[:200]!r}")
        self.token = json.loads(raw)["token"]


def timed(fn, count: int, warmup: int = 5) -> tuple[list[float], set[int]]:
    for _ in range(warmup):
        fn(-1)
    times, statuses = [], set()
    for n in range(count):
        started = time.perf_counter()
        status = fn(n)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(status)
    return times, statuses


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "max": ordered[-1],
    }


def main() -> int:
    args = parse_args()
    env = server_env()
    facts = prepare(env)
    # Production settings serve static files through their manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "tawasul.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ]
    if args.no_config:
        command += ["--config", os.devnull]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    rows: list[tuple[str, int, set[int], dict[str, float]]] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=5).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        api = Session(base)
        api.api_token("admin")
        times, statuses = timed(lambda n: api.request("/api/contacts/")[0], args.requests)
        rows.append(("api: contact list (admin)", args.requests, statuses, summary(times)))

        stamp = int(time.time())

        def create(n: int) -> int:
            body = json.dumps(
                {
                    "name": f"Bench Create {stamp} {n}",
                    "contact_type": facts["type"],
                    "phones": [
                        {"kind": "mobile", "number": f"+96655{stamp % 1000:03d}{n + 10:04d}"}
                    ],
                }
            ).encode()
            return api.request("/api/contacts/", body, {"Content-Type": "application/json"})[0]

        times, statuses = timed(create, args.creates, warmup=0)
        rows.append(("api: create a contact (admin)", args.creates, statuses, summary(times)))

        browser = Session(base)
        browser.sign_in("admin")
        times, statuses = timed(
            lambda n: browser.request(f"/contacts/{facts['dealer']}/")[0], args.pages
        )
        rows.append(("dealer page (admin)", args.pages, statuses, summary(times)))

        rep = Session(base)
        rep.sign_in("bench.rep3")
        query = urllib.parse.urlencode({"lifecycle": "customer", "industry": facts["industry"]})
        times, statuses = timed(lambda n: rep.request(f"/contacts/?{query}")[0], args.pages)
        rows.append(
            ("list: lifecycle + industry (bench.rep3)", args.pages, statuses, summary(times))
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    engine = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    lines = [
        "# HTTP latency",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- database: {engine}, {facts['contacts']:,} contacts in the demo company",
        f"- gunicorn: 1 sync worker, DEBUG off, "
        f"{'no config' if args.no_config else 'gunicorn.conf.py (collect after each response)'}",
        f"- load average when written: {', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        "",
        "| request | n | status | median ms | p95 ms | p95 / median | max ms |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, count, statuses, s in rows:
        lines.append(
            f"| {name} | {count} | {','.join(map(str, sorted(statuses)))} | {s['median']:.1f} "
            f"| {s['p95']:.1f} | {s['p95'] / s['median']:.2f} | {s['max']:.1f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
