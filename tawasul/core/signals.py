"""Copy a user's saved preferences into the session when they sign in."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import SESSION_LANGUAGE, SESSION_TIMEZONE
from .models import UserPreference


@receiver(user_logged_in)
def load_preferences(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    pref = UserPreference.objects.filter(user=user).first()
    # "" says "none of one's own" (the company's zone, the browser's language), so no page has
    # to ask again; the middleware reads them for sessions that missed this.
    request.session[SESSION_TIMEZONE] = pref.timezone if pref is not None else ""
    request.session[SESSION_LANGUAGE] = pref.language if pref is not None else ""
