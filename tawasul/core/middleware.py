"""Per-user language and time zone for each request."""

from django.conf import settings
from django.utils import timezone, translation

from .models import UserPreference
from .timezones import preferred_zone_name, remember_preferred_zone, zone_for

SESSION_LANGUAGE = "tawasul_language"
# The user's own time zone preference ("" for none: the company's zone applies).
SESSION_TIMEZONE = "tawasul_timezone"


def preferred_language(user) -> str:
    """The user's saved language ("" when they have not chosen one)."""
    language = (
        UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    )
    return language if language and translation.check_for_language(language) else ""


class UserPreferencesMiddleware:
    """Activate the signed-in user's language and time zone (`zone_for`) for the request.

    Both preferences are read from the session, so only the company's zone costs a query. The
    sign-in copies them there (`core.signals`); a session that lacks them (one made by a
    route that did not, or before the preference was saved) reads them once and keeps them,
    so a saved language never silently falls back to the browser's. The language is also
    kept in Django's language cookie, so the sign-in and two-factor pages after signing out
    speak it too. API requests authenticated by token are only known inside the API view,
    which activates the same zone (`tawasul.core.timezones.UserTimeZoneMixin`); the override
    below ends with the request either way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = self._language(request, session)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        with timezone.override(self._zone(request, session)):
            response = self.get_response(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    @staticmethod
    def _language(request, session) -> str:
        if session is None:
            return ""
        if SESSION_LANGUAGE in session:
            return session[SESSION_LANGUAGE]
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        language = session[SESSION_LANGUAGE] = preferred_language(user)
        return language

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
