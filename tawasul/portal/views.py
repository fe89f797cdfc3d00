"""The external users' portal: customers, dealers, agents and suppliers see their own records."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class PortalHomeView(LoginRequiredMixin, TemplateView):
    template_name = "portal/home.html"
