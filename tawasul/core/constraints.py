"""Database constraints whose violations reach people as a message at a field.

Every `CheckConstraint` and `UniqueConstraint` a user's input can break carries a translated
`violation_error_message` and a `violation_error_code` (its own name), so that `full_clean`
refuses the input before the database does. A model lists in `constraint_error_fields` which
field each such message belongs to (Django puts a check, or a uniqueness over several columns,
among the errors of no field); `ConstraintFieldErrors` moves it there, so that forms show it
at the field and the API answers `{"field": ["message"]}`.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class ConstraintFieldErrors:
    """Model mixin: report constraint violations on the field named in `constraint_error_fields`
    (constraint name, which is also its violation code -> field)."""

    constraint_error_fields: dict[str, str] = {}

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            raise on_fields(exc, self.constraint_error_fields) from None


def on_fields(exc: ValidationError, fields: dict[str, str]) -> ValidationError:
    """`exc` with each non-field error whose code names a constraint moved to its field."""
    if not hasattr(exc, "error_dict"):
        return exc
    errors: dict[str, list[ValidationError]] = {}
    for field, items in exc.error_dict.items():
        for error in items:
            target = fields.get(error.code or "", field) if field == NON_FIELD_ERRORS else field
            errors.setdefault(target, []).append(error)
    return ValidationError(errors)
