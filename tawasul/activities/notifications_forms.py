"""Forms of the notifications area: e-mail preference, a new conversation, a reply."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from tawasul.core.cleaning import CleanTextFormMixin
from tawasul.core.widgets import RemoteSelectMultiple

from .choices import EmailCopy
from .notifications_selectors import message_recipients
from .notifications_services import BODY_MAX, SUBJECT_MAX


class NotificationPreferenceForm(forms.Form):
    email_copy = forms.ChoiceField(
        label=_("E-mail copies of my notifications"),
        choices=EmailCopy.choices,
        widget=forms.RadioSelect,
        help_text=_("The daily digest lists your unread notifications once a day, in the morning."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class RecipientChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class MessageNewForm(CleanTextFormMixin, forms.Form):
    recipients = RecipientChoiceField(
        label=_("To"),
        queryset=None,
        widget=RemoteSelectMultiple(url=reverse_lazy("activities:message_recipient_search")),
        help_text=_("One or several colleagues of your company."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = message_recipients(user)


class MessageReplyForm(CleanTextFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Reply"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
