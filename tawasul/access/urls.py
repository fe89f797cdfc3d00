from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("rules/", views.RuleListView.as_view(), name="rule_list"),
    path("rules/new/", views.RuleFormView.as_view(), name="rule_create"),
    path("rules/<int:pk>/edit/", views.RuleFormView.as_view(), name="rule_update"),
    path("rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("rules/preview/", views.RulePreviewView.as_view(), name="rule_preview"),
    path("rules/condition-row/", views.ConditionRowView.as_view(), name="condition_row"),
    path("rules/model-parts/", views.RuleModelPartsView.as_view(), name="rule_model_parts"),
    path(
        "rules/values/<str:model>/<slug:field>/",
        views.ValueAutocompleteView.as_view(),
        name="value_autocomplete",
    ),
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/new/", views.RoleFormView.as_view(), name="role_create"),
    path("roles/<int:pk>/edit/", views.RoleFormView.as_view(), name="role_update"),
    path("roles/<int:pk>/delete/", views.RoleDeleteView.as_view(), name="role_delete"),
    path("users/autocomplete/", views.UserAutocompleteView.as_view(), name="user_autocomplete"),
    path("audit/", views.AuditView.as_view(), name="audit"),
    path("portal-accounts/", views.PortalAccountListView.as_view(), name="portal_account_list"),
    path(
        "portal-accounts/new/",
        views.PortalAccountCreateView.as_view(),
        name="portal_account_create",
    ),
    path(
        "portal-accounts/<int:pk>/deactivate/",
        views.PortalAccountActiveView.as_view(active=False),
        name="portal_account_deactivate",
    ),
    path(
        "portal-accounts/<int:pk>/reactivate/",
        views.PortalAccountActiveView.as_view(active=True),
        name="portal_account_reactivate",
    ),
]
