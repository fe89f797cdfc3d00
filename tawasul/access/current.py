"""The request being served, for audit rows written deep inside services: `AccessMiddleware`
sets it for the length of each request; outside a request it is None."""

from contextvars import ContextVar

from django.http import HttpRequest

REQUEST: ContextVar[HttpRequest | None] = ContextVar("tawasul_request", default=None)


def current_request() -> HttpRequest | None:
    return REQUEST.get()
