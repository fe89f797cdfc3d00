"""Turn off a user's two-factor sign-in when they lost both their phone and their recovery codes."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tawasul.access.mfa import mfa_reset


class Command(BaseCommand):
    help = (
        "Remove a user's two-factor authentication (authenticator app and recovery codes), "
        "so they sign in with their password and set it up again. Recorded in the access audit."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if mfa_reset(actor=None, user=user):
            self.stdout.write(f"Two-factor authentication removed for {username}.")
        else:
            self.stdout.write(f"{username} had no two-factor authentication.")
