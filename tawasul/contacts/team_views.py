"""The supervisors' team view: everyone reporting to me, and how many contacts each represents."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView

from .models import Contact


class TeamView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """My subordinates at any depth, in reports-to order, with their contact counts."""

    permission_required = "contacts.view_contact"
    template_name = "contacts/team.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        employee = getattr(user, "employee", None)
        members = []
        if employee is not None:
            members = list(
                employee.subordinates()
                .restrict(user, "view")
                .select_related("department", "branch", "reports_to")
                .prefetch_related("roles")
                .order_by("path")
            )
        counts: dict[int, int] = {}
        if members:
            # One grouped query for the whole team, over the contacts the user may see.
            counts = dict(
                Contact.objects.restrict(user, "view")
                .filter(representative__in=employee.subordinates().values("pk"))
                .order_by()
                .values_list("representative")
                .annotate(n=Count("pk"))
            )
        list_url = reverse("contacts:contact_list")
        base_depth = employee.depth if employee is not None else 0
        for member in members:
            member.level = max(member.depth - base_depth - 1, 0)
            member.contact_count = counts.get(member.pk, 0)
            member.contacts_url = f"{list_url}?" + urlencode({"representative": member.pk})
        ctx.update(
            employee=employee,
            members=members,
            direct_count=sum(1 for m in members if m.reports_to_id == employee.pk)
            if employee
            else 0,
            team_contact_count=sum(counts.values()),
            team_contacts_url=(
                f"{list_url}?" + urlencode([("representative", m.pk) for m in members])
                if members
                else ""
            ),
        )
        return ctx
