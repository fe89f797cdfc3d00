"""Request helpers every view shares: where to send the user back to, and who is asking."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str, *, value: str | None = None) -> str:
    """The `next` address the request carries (POST, else GET) if it stays on this site, else
    `fallback` (a URL or a URL name).

    Refuses other hosts (`//evil.example`, `https://evil.example`, `/\\evil`), other schemes
    (`javascript:`), and plain http when the request came over https. Every redirect to an address
    taken from a request goes through here.
    """
    if value is None:
        value = request.POST.get("next") or request.GET.get("next") or ""
    value = value.strip()
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return resolve_url(fallback)


def local_path(value: str | None) -> str:
    """`value` when it is a path on this site ("/contacts/7/"), else "".

    For addresses that come from stored data rather than a request (a notification's link, a
    record's page in a mail): Django's `url_has_allowed_host_and_scheme` with no host allowed
    refuses other hosts (`//evil.example`, `/\\evil`) and schemes; a relative path is refused
    too.
    """
    value = (value or "").strip()
    if value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return value
    return ""


def site_url(path: str | None) -> str:
    """The absolute address of a path on this site for links that leave it (mails, feeds):
    `SITE_URL` + the path, or the path alone when `SITE_URL` is not set; "" for anything
    that is not a local path (`local_path`)."""
    path = local_path(path)
    if not path:
        return ""
    return str(getattr(settings, "SITE_URL", "") or "").rstrip("/") + path


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind reverse proxies the address the nearest
    trusted proxy put in `CLIENT_IP_HEADER` (docs/operator.md).

    With a list header such as X-Forwarded-For each proxy appends the address it saw, so the
    client is the `CLIENT_IP_PROXY_COUNT`-th entry from the right; entries further left are
    whatever the client sent and are never trusted. A missing or malformed value falls back to
    REMOTE_ADDR. django-axes uses this (AXES_CLIENT_IP_CALLABLE) to lock per user and address.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if not header:
        return remote
    meta_key = "HTTP_" + header.upper().replace("-", "_")
    entries = [e.strip() for e in request.META.get(meta_key, "").split(",") if e.strip()]
    if not entries:
        return remote
    count = max(1, getattr(settings, "CLIENT_IP_PROXY_COUNT", 1))
    candidate = entries[-count] if len(entries) >= count else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
