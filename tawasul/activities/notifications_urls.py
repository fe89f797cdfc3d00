"""Pages of the notifications area (under the `activities` namespace)."""

urlpatterns: list = []
