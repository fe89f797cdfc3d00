"""Kernel services: gapless numbering."""

from django.db import IntegrityError, transaction

from .models import NumberSequence


def sequence_next(*, company_id: int, kind: str, year: int = 0) -> int:
    """Take the next number of a sequence under a row lock; call inside the caller's transaction."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                NumberSequence.objects.get_or_create(company_id=company_id, kind=kind, year=year)
        except IntegrityError:
            pass  # created concurrently; the lock below serialises us
        seq = NumberSequence.objects.select_for_update().get(
            company_id=company_id, kind=kind, year=year
        )
        seq.last_value += 1
        seq.save(update_fields=["last_value"])
        return seq.last_value
