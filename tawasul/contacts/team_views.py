"""The supervisors' team view (being written)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class TeamView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"
