"""Contact pages."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class ContactListView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"
