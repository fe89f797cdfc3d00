"""The activities' models, one file per area (each owned by its part of the module)."""

from .calendar import CalendarFeed
from .common import SubjectLink
from .escalation import Escalation
from .followups import FollowUp, FollowUpEvent, FollowUpRule
from .notifications import (
    InternalMessage,
    MessageThread,
    Notification,
    NotificationPreference,
    ThreadParticipant,
)
from .reminders import Reminder, ReminderOccurrence, ReminderRecipient
from .tasks import AutomaticTaskRule, Task, TaskEvent, TaskParticipant
from .templates import MessageTemplate

__all__ = [
    "AutomaticTaskRule",
    "CalendarFeed",
    "Escalation",
    "FollowUp",
    "FollowUpEvent",
    "FollowUpRule",
    "InternalMessage",
    "MessageTemplate",
    "MessageThread",
    "Notification",
    "NotificationPreference",
    "Reminder",
    "ReminderOccurrence",
    "ReminderRecipient",
    "SubjectLink",
    "Task",
    "TaskEvent",
    "TaskParticipant",
    "ThreadParticipant",
]
