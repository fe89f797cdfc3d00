"""Pages of the agenda area (under the `activities` namespace)."""

urlpatterns: list = []
