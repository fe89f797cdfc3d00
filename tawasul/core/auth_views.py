"""Sign-in pages: Django's views, plus what a password change means and the lockout answer."""

from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import events

events.declare(
    "user.password_changed",
    "a user's password was changed or reset (user_id, actor_id); their API tokens end",
)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password; every API token made with the old one ends."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        events.emit("user.password_changed", user_id=user.pk, actor_id=user.pk)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from a reset link: API tokens end, sign-in lockouts of the user lift."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        events.emit("user.password_changed", user_id=user.pk, actor_id=user.pk)
        # Whoever holds the reset link controls the account: let them sign in from anywhere.
        axes_reset(username=user.get_username())
        return response


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer once a user name is locked out from an address (HTTP 429)."""
    message = _(
        "Too many failed sign-ins for this user from your address. Try again in a few minutes, "
        "or reset your password."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
