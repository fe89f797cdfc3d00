"""Per-user language and time zone for each request."""

from django.utils import timezone, translation

from .timezones import preferred_zone_name, remember_preferred_zone, zone_for

SESSION_LANGUAGE = "tawasul_language"
# The user's own time zone preference ("" for none: the company's zone applies).
SESSION_TIMEZONE = "tawasul_timezone"


class UserPreferencesMiddleware:
    """Activate the signed-in user's language and time zone (`zone_for`) for the request.

    The preference is read from the session, so only the company's zone costs a query. API
    requests authenticated by token are only known inside the API view, which activates the
    same zone (`tawasul.core.timezones.UserTimeZoneMixin`); the override below ends with the request
    either way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_LANGUAGE) if session is not None else None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        with timezone.override(self._zone(request, session)):
            return self.get_response(request)

    def _zone(self, request, session):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # the server's zone
        if session is not None:
            if SESSION_TIMEZONE in session:
                remember_preferred_zone(user, session[SESSION_TIMEZONE])
            else:
                session[SESSION_TIMEZONE] = preferred_zone_name(user)
        return zone_for(user)
