"""Redirects to an address taken from the request stay on this site (core/http.py: safe_next)."""

import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tawasul.contacts.tests.factories import IndustryFactory, make_contact
from tawasul.core.http import safe_next

OFF_SITE = [
    "//evil.example",
    "//evil.example/contacts/",
    "https://evil.example",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " //evil.example",
    "https:evil.example",
    "data:text/html,hi",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_or_scripted_targets_fall_back(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert safe_next(request, "/contacts/") == "/contacts/"


def test_on_site_targets_are_kept_and_a_url_name_is_a_fallback():
    factory = RequestFactory()
    assert safe_next(factory.post("/", {"next": "/contacts/?q=a&page=2"}), "home") == (
        "/contacts/?q=a&page=2"
    )
    assert safe_next(factory.get("/", {"next": "http://testserver/org/"}), "home") == (
        "http://testserver/org/"
    )
    assert safe_next(factory.post("/", {}), "preferences") == reverse("preferences")


def test_plain_http_is_refused_when_the_request_came_over_https():
    request = RequestFactory().post("/", {"next": "http://testserver/org/"}, secure=True)
    assert safe_next(request, "/") == "/"
    request = RequestFactory().post("/", {"next": "https://testserver/org/"}, secure=True)
    assert safe_next(request, "/") == "https://testserver/org/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_bulk_action_never_leaves_the_site(staff_client, company, customer_type, target):
    contact = make_contact(company=company, contact_type=customer_type, name="Bulk One")
    response = staff_client.post(
        reverse("contacts:contact_bulk"), {"pk": [contact.pk], "action": "none", "next": target}
    )
    assert response.status_code == 302 and response["Location"] == reverse("contacts:contact_list")
    kept = staff_client.post(
        reverse("contacts:contact_bulk"),
        {"pk": [contact.pk], "action": "none", "next": "/contacts/?q=Bulk"},
    )
    assert kept["Location"] == "/contacts/?q=Bulk"


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_preferences_and_master_data_never_leave_the_site(staff_client, company, target):
    response = staff_client.post(reverse("preferences"), {"language": "en", "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("preferences")
    steel = IndustryFactory(company=company, name="Steel")
    url = reverse("contacts:masterdata_active", args=["industries", steel.pk])
    response = staff_client.post(url, {"active": "0", "next": target})
    assert response["Location"] == reverse("contacts:masterdata_list", args=["industries"])


# Reading a redirect target from the request anywhere but core/http.py is the defect this guards.
# So is telling a local path by hand (`startswith("//")` lets `/\\evil` through): use
# core.http.local_path or site_url.
RAW_TARGET = re.compile(
    r"""HTTP_REFERER|url_has_allowed_host_and_scheme|\.get\(\s*["']next["']|\[\s*["']next["']\s*\]"""
    r"""|startswith\(\s*["']//["']\s*\)"""
)


def test_no_view_reads_a_redirect_target_itself():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        # Test code (tests/ and the access test kit) reads API "next" links on purpose.
        if "/tests/" in relative or "/migrations/" in relative or relative == "core/http.py":
            continue
        if relative.endswith("/testkit.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RAW_TARGET.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "use tawasul.core.http.safe_next, local_path or site_url instead:\n" + (
        "\n".join(offenders)
    )


@pytest.mark.parametrize(
    ("value", "local"),
    [
        ("/contacts/7/", "/contacts/7/"),
        (" /activities/tasks/?q=a ", "/activities/tasks/?q=a"),
        ("//evil.example/x", ""),
        ("/\\evil.example", ""),
        ("https://evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("contacts/7/", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_local_path_and_site_url_keep_to_this_site(settings, value, local):
    from tawasul.core.http import local_path, site_url

    assert local_path(value) == local
    settings.SITE_URL = "https://crm.example.com/"
    assert site_url(value) == (f"https://crm.example.com{local}" if local else "")
    settings.SITE_URL = ""
    assert site_url(value) == local
