"""Copy a user's saved preferences into the session when they sign in."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import SESSION_LANGUAGE, SESSION_TIMEZONE
from .models import UserPreference


@receiver(user_logged_in)
def load_preferences(sender, request, user, **kwargs):
    pref = UserPreference.objects.filter(user=user).first()
    if pref is not None and request is not None:
        request.session[SESSION_LANGUAGE] = pref.language
        if pref.timezone:
            request.session[SESSION_TIMEZONE] = pref.timezone
