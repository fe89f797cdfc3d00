"""Model fields of the kernel: the timestamp that reads the one clock (`core.clock`).

`ClockDateTimeField(auto_now_add=True)` and `ClockDateTimeField(auto_now=True)` stamp rows with
`clock.now()` instead of `django.utils.timezone.now()`, so a record written by a service, a
sweep or a task consumer carries the time a test set for every process. A timestamp that is
only a default uses `default=clock.now` on a plain `DateTimeField`.
"""

from datetime import datetime
from typing import Any

from django.db import models

from . import clock


class ClockDateTimeField(models.DateTimeField):
    """A `DateTimeField` whose `auto_now` and `auto_now_add` take the time from `clock.now()`.

    The column is a `DateTimeField`'s, so migrations name it as one (`deconstruct`): changing a
    field's class to this one writes no migration, and so never makes SQLite rebuild a table
    (which would drop the triggers its search index keeps on it).
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value: datetime = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs
