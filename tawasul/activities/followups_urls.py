"""Pages of the followups area (under the `activities` namespace)."""

from django.urls import path

from . import followups_views as views

urlpatterns: list = [
    path("follow-ups/", views.FollowUpListView.as_view(), name="follow_up_list"),
    path("follow-ups/new/", views.FollowUpCreateView.as_view(), name="follow_up_create"),
    path("follow-ups/<int:pk>/", views.FollowUpDetailView.as_view(), name="follow_up_detail"),
    path(
        "follow-ups/<int:pk>/done/",
        views.FollowUpCompleteView.as_view(),
        name="follow_up_complete",
    ),
    path(
        "follow-ups/<int:pk>/forward/",
        views.FollowUpForwardView.as_view(),
        name="follow_up_forward",
    ),
    path(
        "follow-ups/<int:pk>/postpone/",
        views.FollowUpPostponeView.as_view(),
        name="follow_up_postpone",
    ),
    path(
        "follow-ups/<int:pk>/cancel/",
        views.FollowUpCancelView.as_view(),
        name="follow_up_cancel",
    ),
    path("follow-up-rules/", views.FollowUpRuleListView.as_view(), name="follow_up_rule_list"),
    path(
        "follow-up-rules/new/",
        views.FollowUpRuleFormView.as_view(),
        name="follow_up_rule_create",
    ),
    path(
        "follow-up-rules/<int:pk>/",
        views.FollowUpRuleFormView.as_view(),
        name="follow_up_rule_update",
    ),
    path(
        "follow-up-rules/<int:pk>/delete/",
        views.FollowUpRuleDeleteView.as_view(),
        name="follow_up_rule_delete",
    ),
    path(
        "follow-up-rules/preview/",
        views.FollowUpRulePreviewView.as_view(),
        name="follow_up_rule_preview",
    ),
    path(
        "follow-up-rules/<int:pk>/preview/",
        views.FollowUpRulePreviewView.as_view(),
        name="follow_up_rule_preview_saved",
    ),
]
