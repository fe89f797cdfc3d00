"""The external users' portal: customers, dealers, agents and suppliers see their own records."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views.generic import TemplateView

from tawasul.access.querysets import portal_account
from tawasul.contacts.models import Contact


class PortalHomeView(LoginRequiredMixin, TemplateView):
    """Their profile and contact persons; a dealer or agent also sees the customers it serves."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        account = portal_account(user)
        if account is None:
            raise Http404("No portal account")
        visible = Contact.objects.restrict(user, "view")
        contact = (
            visible.filter(pk=account.contact_id)
            .select_related("contact_type", "area", "representative")
            .prefetch_related("persons__phones", "persons__emails", "addresses", "phones", "emails")
            .first()
        )
        if contact is None:
            raise Http404("No portal account")
        ctx.update(
            contact=contact,
            served=visible.filter(dealer=contact).order_by("name", "pk")[:100],
            contact_phones=[p for p in contact.phones.all() if p.person_id is None],
            contact_emails=[e for e in contact.emails.all() if e.person_id is None],
        )
        return ctx
