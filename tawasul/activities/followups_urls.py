"""Pages of the followups area (under the `activities` namespace)."""

urlpatterns: list = []
