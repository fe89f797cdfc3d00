"""Organization pages."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.views.generic import TemplateView

from .models import Branch, Company, Department
from .selectors import employee_list, org_tree


class OrgOverviewView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Companies, branches and departments of the user's company, with employee counts."""

    template_name = "org/overview.html"
    permission_required = "org.view_employee"

    def get_context_data(self, **kwargs):
        user = self.request.user
        ctx = super().get_context_data(**kwargs)
        ctx["companies"] = Company.objects.restrict(user, "view")
        ctx["branches"] = Branch.objects.restrict(user, "view").select_related("company")
        ctx["departments"] = Department.objects.restrict(user, "view").select_related("branch")
        ctx["employees"] = employee_list(user=user).prefetch_related("roles")[:200]
        return ctx


class OrgChartView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The reports-to tree."""

    template_name = "org/chart.html"
    permission_required = "org.view_employee"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["roots"] = org_tree(user=self.request.user)
        return ctx
