"""Pages of the automation area (under the `activities` namespace)."""

from django.urls import path

from . import automation_views as views

urlpatterns: list = [
    path(
        "automation/templates/",
        views.MessageTemplateListView.as_view(),
        name="message_template_list",
    ),
    path(
        "automation/templates/new/",
        views.MessageTemplateFormView.as_view(),
        name="message_template_create",
    ),
    path(
        "automation/templates/<int:pk>/",
        views.MessageTemplateFormView.as_view(),
        name="message_template_update",
    ),
    path(
        "automation/templates/<int:pk>/delete/",
        views.MessageTemplateDeleteView.as_view(),
        name="message_template_delete",
    ),
    path(
        "automation/templates/preview/",
        views.MessageTemplatePreviewView.as_view(),
        name="message_template_preview",
    ),
    path(
        "automation/templates/placeholders/",
        views.MessageTemplateKindPanelView.as_view(),
        name="message_template_placeholders",
    ),
    path(
        "automation/rules/",
        views.AutomaticTaskRuleListView.as_view(),
        name="automatic_task_rule_list",
    ),
    path(
        "automation/rules/new/",
        views.AutomaticTaskRuleFormView.as_view(),
        name="automatic_task_rule_create",
    ),
    path(
        "automation/rules/<int:pk>/",
        views.AutomaticTaskRuleFormView.as_view(),
        name="automatic_task_rule_update",
    ),
    path(
        "automation/rules/<int:pk>/delete/",
        views.AutomaticTaskRuleDeleteView.as_view(),
        name="automatic_task_rule_delete",
    ),
    path(
        "automation/rules/preview/",
        views.AutomaticTaskRulePreviewView.as_view(),
        name="automatic_task_rule_preview",
    ),
]
