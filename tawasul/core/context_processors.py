"""Template context shared by every page of the staff UI."""

import functools

from django.conf import settings
from django.utils import translation

from .navigation import navigation_for


def _error_frame(user, navigation) -> str:
    """The frame an error page is shown in: the staff frame for staff, the plain one (as on the
    sign-in page) for visitors and for accounts that may open no staff page, such as the
    portal's."""
    if user is None or not user.is_authenticated or not navigation().groups:
        return "registration/base_auth.html"
    return "base.html"


def shell(request):
    user = getattr(request, "user", None)
    navigation = (
        functools.cache(lambda: navigation_for(user, request.path))
        if user is not None and user.is_authenticated
        else None
    )
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "IS_RTL": translation.get_language_bidi(),
        "navigation": navigation,
        "error_frame": lambda: _error_frame(user, navigation),
    }
