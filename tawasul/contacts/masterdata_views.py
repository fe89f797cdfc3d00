"""Pages where administrators maintain link-field master data."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.views.generic import TemplateView


class MasterDataIndexView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    template_name = "core/home.html"
    permission_required = "contacts.view_area"
