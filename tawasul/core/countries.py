"""Countries as ISO 3166-1 alpha-2 codes, from django-countries' maintained list.

Every address's country and a company's default country pass through `country_code`, so that
`ZZ`, `sa` or `Saudi` never reach the database as given: case is normalised, unknown codes are
refused with a field message.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

UNKNOWN = _("“%(value)s” is not a country code; use the two letters of ISO 3166, such as SA.")


def country_code(value: str | None) -> str:
    """The ISO 3166-1 alpha-2 code for `value` ("sa" -> "SA"), "" for none; else ValidationError."""
    text = (value or "").strip()
    if not text:
        return ""
    code = text.upper()
    if len(code) != 2 or code not in countries:
        raise ValidationError(UNKNOWN, code="country", params={"value": text[:20]})
    return code


def country_choices() -> list[tuple[str, str]]:
    """(code, name) for every country, named and sorted in the active language."""
    return [(code, str(name)) for code, name in countries]
