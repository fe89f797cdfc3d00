"""Pages of the reminders area (under the `activities` namespace)."""

urlpatterns: list = []
