"""The communicator's Huey tasks, gathered so the consumer finds them at start-up (djhuey
imports each app's `tasks` module): one import per area."""

from .automation_tasks import *  # noqa
from .tasks_tasks import *  # noqa
from .notifications_tasks import *  # noqa
from .reminders_tasks import *  # noqa
from .followups_tasks import *  # noqa
