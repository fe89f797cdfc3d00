"""Kernel services: gapless numbering."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import NumberSequence, SavedFilter, UserPreference


def saved_view_save(*, user, view: str, name: str, query: str):
    """Save (or replace, by name) the user's named view of one list page; returns the
    `SavedFilter`. `view` is the list's key, `query` its address's query string (filters and
    sort, at most 2,000 characters). Raises ValidationError (keys "name", "query") on a blank
    name or values too long."""
    name, query = (name or "").strip(), (query or "").strip()
    errors = {}
    if not name or len(name) > (SavedFilter._meta.get_field("name").max_length or 0):
        errors["name"] = _("Give the view a name.")
    if len(query) > (SavedFilter._meta.get_field("query").max_length or 0):
        errors["query"] = _("Invalid filters.")
    if errors:
        raise ValidationError(errors)
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, view=view, name=name, defaults={"query": query}
    )
    return saved


def saved_view_delete(*, user, view: str, pk: int) -> bool:
    """Delete one of the user's saved views of list `view`; False when the user has none with
    that key (another user's view is never touched)."""
    return SavedFilter.objects.filter(user=user, view=view, pk=pk).delete()[0] > 0


def sequence_next(*, company_id: int, kind: str, year: int = 0, branch_id: int = 0) -> int:
    """Take the next number (1, 2, ...) of the counter of `company_id`, `branch_id`, `kind` and
    `year` under a row lock, inside the caller's transaction: a rolled-back write gives its number
    back, so the numbers that stay have no gaps, and concurrent callers wait for each other.
    Branch 0 and year 0 are one counter for the whole company and one that never restarts."""
    key = {"company_id": company_id, "branch_id": branch_id or 0, "kind": kind, "year": year}
    with transaction.atomic():
        seq = NumberSequence.objects.select_for_update().filter(**key).first()
        if seq is None:
            # A concurrent first caller inserts the same row: ON CONFLICT DO NOTHING makes the
            # loser wait for the winner's commit and insert nothing; the lock below orders them.
            NumberSequence.objects.bulk_create([NumberSequence(**key)], ignore_conflicts=True)
            seq = NumberSequence.objects.select_for_update().get(**key)
        seq.last_value += 1
        seq.save(update_fields=["last_value"])
        return seq.last_value


def user_preference_save(*, user, language: str, timezone: str | None = None):
    """Keep `user`'s language and time zone (an IANA name; "" for the company's); returns the
    `UserPreference`. `timezone=None` keeps the one saved (the language switch in the user menu
    sends only the language). Both are taken as the preferences form checked them."""
    if timezone is None:
        saved = UserPreference.objects.filter(user=user).values_list("timezone", flat=True)
        timezone = saved.first() or ""
    preference, _created = UserPreference.objects.update_or_create(
        user=user, defaults={"language": language, "timezone": timezone}
    )
    return preference
