"""Kernel services: gapless numbering."""

from django.db import transaction

from .models import NumberSequence


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
