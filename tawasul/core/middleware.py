"""Per-user language and time zone, read from the session (no query per request)."""

import zoneinfo

from django.utils import timezone, translation

SESSION_LANGUAGE = "tawasul_language"
SESSION_TIMEZONE = "tawasul_timezone"


class UserPreferencesMiddleware:
    """Activate the signed-in user's language and time zone for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_LANGUAGE) if session is not None else None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        tz_name = session.get(SESSION_TIMEZONE) if session is not None else None
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
