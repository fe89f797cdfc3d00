"""Phone numbers: the one place that reads what people type and stores E.164.

Local numbers are read in a region: the company's default phone country, else the
`PHONE_DEFAULT_REGION` setting (`phone_region`). Contacts, employees, the API, the import and the
demo loader all parse through `phone_parse`.
"""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .text import fold_digits, strip_invisible


def phone_region(company=None) -> str:
    """The region local numbers are read in: the company's country, else the setting."""
    region = getattr(company, "default_country", "") or settings.PHONENUMBER_DEFAULT_REGION
    return (region or "").upper()


def phone_parse(raw: str | None, region: str | None) -> phonenumbers.PhoneNumber:
    """The number `raw` stands for, local numbers read in `region`; ValidationError if none.

    Direction marks and zero-width characters (pasted from chat apps) are ignored, and
    Arabic-Indic or Persian digits read as digits.
    """
    text = fold_digits(strip_invisible(raw or "")).strip()
    if not text:
        raise ValidationError(_("Enter a phone number."))
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": text})
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number.") % {"value": text})
    return number


def phone_to_e164(raw: str | None, region: str | None) -> str:
    """Return `raw` in E.164, reading local numbers in `region`; raise ValidationError if invalid."""
    return phonenumbers.format_number(phone_parse(raw, region), phonenumbers.PhoneNumberFormat.E164)


def phone_search_forms(e164: str) -> list[str]:
    """The digit strings a person may type to find this number (international and national).

    A search for a phone is reduced to digits the same way (`tawasul.core.text.search_terms`):
    `+966 55 123 4567` and `00966551234567` find the first form, `055 123 4567` the second.
    """
    forms = [e164.lstrip("+")]
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return forms
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(ch for ch in national if ch.isdigit())
    if digits and digits not in forms:
        forms.append(digits)
    return forms


def phone_international_digits(digits: str) -> str | None:
    """`digits` typed after + or 00, as the E.164 digits of a valid number (a national `0`
    after the country code dropped), or None when they are not a whole valid number."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]


def phone_display(e164: str) -> str:
    """The international form people read (`+966 55 123 4567`)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
