"""Whole numbers too large for any database column match nothing, instead of failing.

SQLite stores integers in 64 bits, and its Python driver raises OverflowError when a query binds
a larger one: `?industry=99999999999999999999` in a list filter, an API query or a form's link
field would answer a server error. Django already treats such values as "no match" for exact
and range lookups on integer columns; these lookups do the same for `in` on integer columns and
for `in` and exact on foreign keys (PostgreSQL never failed; the result is the same there).
Registered once by `CoreConfig.ready`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _fits(value) -> bool:
    return not isinstance(value, int) or INT64_MIN <= value <= INT64_MAX


class _DropUnstorableValues:
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            values = self.rhs if isinstance(self.rhs, (list, tuple, set)) else None
            if values is not None:
                kept = [value for value in values if _fits(value)]
                if not kept:
                    raise EmptyResultSet
                self.rhs = kept
            elif not _fits(self.rhs):
                raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class OverflowSafeIn(_DropUnstorableValues, In):
    pass


class OverflowSafeRelatedIn(_DropUnstorableValues, RelatedIn):
    pass


class OverflowSafeRelatedExact(_DropUnstorableValues, RelatedExact):
    pass


def register() -> None:
    IntegerField.register_lookup(OverflowSafeIn)
    ForeignObject.register_lookup(OverflowSafeRelatedIn)
    ForeignObject.register_lookup(OverflowSafeRelatedExact)
