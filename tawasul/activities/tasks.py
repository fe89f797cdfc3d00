"""The communicator's Huey tasks, gathered so the consumer finds them at start-up (djhuey
imports each app's `tasks` module): one import per area."""
from .notifications_tasks import *  # noqa
