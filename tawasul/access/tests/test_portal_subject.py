"""The access app knows no contacts: what a portal account is about, which subjects also see the
records they serve, and where the account form picks subjects from are contacts' declaration
(`registry.portal_subject`, made in `contacts.governance`)."""

from django.conf import settings
from django.urls import reverse

from tawasul.access import registry
from tawasul.access.forms import PortalAccountForm
from tawasul.access.models import PortalAccount
from tawasul.access.roles import PORTAL_DEALER
from tawasul.access.tests.test_portal import (  # noqa: F401  (fixtures)
    _visible,
    dealer,
    fast_passwords,
    portal,
)
from tawasul.org.tests.factories import EmployeeFactory, UserFactory


def test_the_subject_model_is_the_setting_and_contacts_declare_it():
    subject = registry.get_portal_subject()
    target = PortalAccount._meta.get_field("contact").related_model
    assert target._meta.label == settings.TAWASUL_PORTAL_SUBJECT_MODEL == "contacts.Contact"
    assert subject.model is target


def test_the_account_form_picks_subjects_from_the_declared_url(portal):  # noqa: F811
    boss = UserFactory(username="portal-boss", is_superuser=True)
    form = PortalAccountForm(user=boss, company_id=portal.company.pk)
    url = form.fields["contact"].widget.attrs["data-autocomplete-url"]
    assert str(url) == reverse("contacts:autocomplete", args=["contact"])


def test_dealer_links_follow_the_declaration(portal, dealer):  # noqa: F811
    served = {c.pk for c in portal.served}
    assert served and served <= _visible(dealer)
    declared = registry.get_portal_subject()
    registry.portal_subject(
        declared.model, is_dealer=lambda subject: False, picker_url=declared.picker_url
    )
    try:
        assert _visible(dealer) == {portal.dealer.pk}
    finally:
        registry._PORTAL_SUBJECT[0] = declared


def test_the_account_list_links_and_describes_subjects_by_the_declaration(client, portal):  # noqa: F811
    portal.account(portal.dealer, PORTAL_DEALER, "dealer-listed")
    boss = UserFactory(username="list-boss", is_superuser=True)
    EmployeeFactory(company=portal.company, user=boss)
    client.force_login(boss)
    page = client.get(reverse("access:portal_account_list")).content.decode()
    assert reverse("contacts:contact_detail", args=[portal.dealer.pk]) in page
    assert str(portal.dealer.contact_type) in page
