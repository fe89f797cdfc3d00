"""Administration of roles, record rules and the access audit."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.views.generic import TemplateView


class RuleListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    template_name = "core/home.html"
    permission_required = "access.view_recordrule"
