"""Pages of the tasks area (under the `activities` namespace)."""

urlpatterns: list = []
