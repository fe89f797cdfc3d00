"""The time zone a user reads and types dates in: one rule for pages, API, exports and PDFs.

The rule: the user's own preference, else the time zone of the company the user works for (or
is a customer of), else `settings.TIME_ZONE`. `zone_for(user)` is the only place that applies
it; the middleware activates it for pages, `UserTimeZoneMixin` for API requests authenticated
by token, and background work that prints dates for a user wraps itself in
`timezone.override(zone_for(user))`.

The kernel does not know companies: the app that does registers how to find a user's company
zone with `register_company_zone` (see `tawasul.access.apps`).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Cached on the user object for the rest of the request (a user object lives one request).
_ZONE = "_tawasul_zone"
_PREFERRED = "_tawasul_preferred_zone"

_company_zone: Callable[[object], str | None] | None = None


def register_company_zone(resolver: Callable[[object], str | None]) -> None:
    """Tell the kernel how to find the name of a user's company time zone (or None)."""
    global _company_zone
    _company_zone = resolver


def as_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None for an empty or unknown name."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def validate_time_zone(value: str) -> None:
    """Model and form validator: an IANA time zone name such as "Asia/Riyadh"."""
    if as_zone(value) is None:
        raise ValidationError(
            _("“%(value)s” is not a time zone; choose one such as Asia/Riyadh."),
            params={"value": value},
            code="invalid_time_zone",
        )


def server_zone() -> zoneinfo.ZoneInfo:
    return as_zone(settings.TIME_ZONE) or zoneinfo.ZoneInfo("UTC")


def preferred_zone_name(user) -> str:
    """The user's own time zone preference ("" when they left it to the company)."""
    if _PREFERRED not in user.__dict__:
        # Not at the top: apps.py modules import this one before the models are loaded.
        from .models import UserPreference

        name = (
            UserPreference.objects.filter(user_id=user.pk)
            .values_list("timezone", flat=True)
            .first()
        )
        user.__dict__[_PREFERRED] = name or ""
    return user.__dict__[_PREFERRED]


def remember_preferred_zone(user, name: str) -> None:
    """Seed the user object with a preference already known (from the session): no query."""
    user.__dict__[_PREFERRED] = name or ""
    user.__dict__.pop(_ZONE, None)


def zone_for(user) -> zoneinfo.ZoneInfo:
    """The zone `user` sees dates in: theirs, else their company's, else the server's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return server_zone()
    zone = user.__dict__.get(_ZONE)
    if zone is None:
        zone = as_zone(preferred_zone_name(user))
        if zone is None and _company_zone is not None:
            zone = as_zone(_company_zone(user))
        zone = zone or server_zone()
        user.__dict__[_ZONE] = zone
    return zone


def day_start(day: datetime.date, zone: datetime.tzinfo | None = None) -> datetime.datetime:
    """The first instant of `day` in `zone` (the active zone by default), as an aware time."""
    zone = zone or timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time.min).replace(tzinfo=zone)


def local_day(moment: datetime.datetime, zone: datetime.tzinfo | None = None) -> datetime.date:
    """The calendar day of an aware `moment` in `zone` (the active zone by default)."""
    return timezone.localtime(moment, zone).date()


class UserTimeZoneMixin:
    """For API views: activate the requesting user's zone once DRF knows the user.

    A token is read by the API view itself, after every middleware has run, so the middleware
    cannot know such a user; date filters and dates in responses would use the server's zone.
    The middleware's `timezone.override` restores the previous zone when the request ends.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zone_for(user))
