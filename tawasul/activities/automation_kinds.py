"""The kinds of record the communicator's message templates are written for (declared to the
message builder from `automation_module`); their contexts are built in `automation_context`."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tawasul.core.templating import Placeholder, TemplateKind

_PERSON = (("name", _("name"), "Rana Haddad"), ("first_name", _("first name"), "Rana"))


def _people(prefix: str, label) -> list[Placeholder]:
    return [
        Placeholder(f"{prefix}.{key}", format_lazy("{}: {}", label, words), example)
        for key, words, example in _PERSON
    ]


CONTACT = TemplateKind(
    key="contact",
    label=_("Contact"),
    model_label="contacts.contact",
    build="tawasul.activities.automation_context.build_contact",
    placeholders=[
        Placeholder("contact.name", _("Contact's name"), "Al Noor Trading"),
        Placeholder("contact.name_ar", _("Contact's Arabic name"), "النور للتجارة"),
        Placeholder("contact.code", _("Contact's code"), "C-00042"),
        Placeholder("contact.type", _("Contact's type"), "Customer"),
        Placeholder("contact.category", _("Contact's category"), "Retail"),
        Placeholder("contact.area", _("Contact's area"), "Riyadh"),
        Placeholder("contact.lifecycle", _("Contact's lifecycle stage"), "Prospect"),
        *_people("contact.representative", _("Representative")),
        *_people("contact.coordinator", _("Coordinator")),
        Placeholder("contact.link", _("Address of the contact's page"), "/contacts/42/"),
        Placeholder("change.old", _("Stage before the change"), "Lead"),
        Placeholder("change.new", _("Stage after the change"), "Prospect"),
    ],
)

TASK = TemplateKind(
    key="task",
    label=_("Task"),
    model_label="activities.task",
    build="tawasul.activities.automation_context.build_task",
    placeholders=[
        Placeholder("task.title", _("Task's title"), "Call the customer back"),
        Placeholder("task.description", _("Task's description"), "About the March order"),
        Placeholder("task.due", _("Task's due date and time"), None),
        Placeholder("task.priority", _("Task's priority"), "High"),
        Placeholder("task.status", _("Task's status"), "Open"),
        *_people("task.assignee", _("Assignee")),
        *_people("task.initiator", _("Initiator")),
        Placeholder("task.record", _("The record the task is about"), "Al Noor Trading"),
        Placeholder("task.link", _("Address of the task's page"), "/activities/tasks/7/"),
    ],
)

FOLLOW_UP = TemplateKind(
    key="follow_up",
    label=_("Follow-up"),
    model_label="activities.followup",
    build="tawasul.activities.automation_context.build_follow_up",
    placeholders=[
        Placeholder("follow_up.purpose", _("Follow-up's purpose"), "Check the stock"),
        Placeholder("follow_up.due", _("Follow-up's due date and time"), None),
        Placeholder("follow_up.channel", _("Follow-up's channel"), "Call"),
        Placeholder("follow_up.status", _("Follow-up's status"), "Open"),
        *_people("follow_up.assignee", _("Assignee")),
        *_people("follow_up.set_by", _("Set by")),
        Placeholder("follow_up.record", _("The record it is about"), "Al Noor Trading"),
        Placeholder("follow_up.link", _("Address of the follow-up's page"), ""),
    ],
)

REMINDER = TemplateKind(
    key="reminder",
    label=_("Reminder"),
    model_label="activities.reminder",
    build="tawasul.activities.automation_context.build_reminder",
    placeholders=[
        Placeholder("reminder.title", _("Reminder's title"), "Monthly stock count"),
        Placeholder("reminder.body", _("Reminder's message"), ""),
        Placeholder("reminder.next", _("When it fires"), None),
        *_people("reminder.author", _("Author")),
        Placeholder("reminder.record", _("The record it is about"), "Al Noor Trading"),
        Placeholder("reminder.link", _("Address of the reminder's page"), ""),
    ],
)

KINDS = (CONTACT, TASK, FOLLOW_UP, REMINDER)
