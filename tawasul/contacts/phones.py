"""Phone numbers: parse what people type, store E.164."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def phone_to_e164(raw: str, region: str) -> str:
    """Return `raw` in E.164, reading local numbers in `region`; raise ValidationError if invalid."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a phone number."))
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": text})
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a valid phone number.") % {"value": text})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_forms(e164: str) -> list[str]:
    """The digit strings a person may type to find this number (international and national)."""
    forms = [e164.lstrip("+")]
    try:
        number = phonenumbers.parse(e164, None)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        forms.append("".join(ch for ch in national if ch.isdigit()))
    except phonenumbers.NumberParseException:
        pass
    return forms


def phone_display(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
