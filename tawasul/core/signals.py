"""Copy a user's saved preferences into the session when they sign in."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import SESSION_LANGUAGE, SESSION_TIMEZONE
from .models import UserPreference


@receiver(user_logged_in)
def load_preferences(sender, request, user, **kwargs):
    if request is None:
        return
    pref = UserPreference.objects.filter(user=user).first()
    # "" says "no zone of one's own" (the company's applies), so no page has to ask again.
    request.session[SESSION_TIMEZONE] = pref.timezone if pref is not None else ""
    if pref is not None:
        request.session[SESSION_LANGUAGE] = pref.language
