from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
]
