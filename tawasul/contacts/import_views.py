"""Contact import pages (upload, column mapping, dry run, progress, report)."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.views.generic import TemplateView


class ImportListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    template_name = "core/home.html"
    permission_required = "contacts.import_contact"
