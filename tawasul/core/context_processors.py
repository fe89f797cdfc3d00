"""Template context shared by every page of the staff UI."""

from django.conf import settings
from django.utils import translation

from .navigation import navigation_for


def shell(request):
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "IS_RTL": translation.get_language_bidi(),
        "navigation": (lambda: navigation_for(user)) if user and user.is_authenticated else [],
    }
