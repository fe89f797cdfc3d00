"""Pages of the automation area (under the `activities` namespace)."""

urlpatterns: list = []
