import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

COMMON_TIMEZONES = sorted(
    tz for tz in zoneinfo.available_timezones() if "/" in tz and not tz.startswith("Etc/")
)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[("", _("Company default"))] + [(tz, tz) for tz in COMMON_TIMEZONES],
        required=False,
    )
