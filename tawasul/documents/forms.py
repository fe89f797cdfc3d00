"""The forms of the files and notes panel (the services check everything again)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tawasul.core.cleaning import CleanTextFormMixin

from .services import NOTE_LIMIT, TITLE_LIMIT


class AttachmentForm(CleanTextFormMixin, forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_LIMIT,
        required=False,
        help_text=_("Optional; the file's name is shown when empty."),
    )


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"), allow_empty_file=True)


class NoteForm(CleanTextFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
