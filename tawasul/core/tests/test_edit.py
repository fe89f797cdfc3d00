"""Core's edit and delete views: what keeps a record from being deleted, named only if visible."""

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from tawasul.access.services import rule_save
from tawasul.conftest import CONTACT_PERMS
from tawasul.contacts import services
from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import AreaFactory, IndustryFactory, make_contact
from tawasul.core.edit import protected_links
from tawasul.core.history import stamp_history
from tawasul.org.tests.factories import EmployeeFactory, UserFactory


@pytest.fixture
def steel_only(company):
    """A user who may see (and delete) only the contacts of the steel industry."""
    steel = IndustryFactory(company=company, name="Steel")
    user = UserFactory(username="steel", perms=CONTACT_PERMS)
    EmployeeFactory(company=company, user=user, name="Steel Rep", code="S900")
    rule_save(
        actor=None,
        company=company,
        name="Steel",
        model="contacts.contact",
        actions=["view", "delete"],
        user=user,
        conditions=[{"field": "industry", "operator": "in", "values": [steel.pk]}],
    )
    return user, steel


def test_protected_links_name_only_what_the_user_may_view(company, customer_type, steel_only):
    user, steel = steel_only
    area = AreaFactory(company=company, name="Riyadh")
    shown = make_contact(
        company=company, contact_type=customer_type, name="Steel Works", industry=steel, area=area
    )
    make_contact(company=company, contact_type=customer_type, name="Secret Co", area=area)
    with pytest.raises(ProtectedError) as exc:
        area.delete()
    [links] = protected_links(user, exc.value.protected_objects)
    assert (links.label, links.count, links.hidden, links.more) == ("contacts", 2, 1, 0)
    assert links.named == [shown]


def test_a_protected_contact_is_kept_and_the_page_says_why(
    client, company, customer_type, steel_only, monkeypatch
):
    user, steel = steel_only
    client.force_login(user)
    contact = make_contact(company=company, contact_type=customer_type, industry=steel)
    visible = make_contact(
        company=company, contact_type=customer_type, name="Steel Agent", industry=steel
    )
    hidden = make_contact(company=company, contact_type=customer_type, name="Secret Agent")

    def refuse(*, actor, contact):
        raise ProtectedError("still used", {visible, hidden})

    monkeypatch.setattr(services, "contact_delete", refuse)
    url = reverse("contacts:contact_delete", args=[contact.pk])
    asked = client.get(url)
    assert asked.status_code == 200 and b'id="confirm-delete"' in asked.content
    response = client.post(url)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="delete-protected"' in page
    assert "Steel Agent" in page and "Secret Agent" not in page
    assert "1 you may not view" in page
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_deleting_a_contact_outside_the_delete_set_is_404(
    client, company, customer_type, steel_only
):
    user, _steel = steel_only
    client.force_login(user)
    other = make_contact(company=company, contact_type=customer_type, name="Not mine")
    url = reverse("contacts:contact_delete", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Contact.objects.filter(pk=other.pk).exists()


def test_deleting_a_contact(staff_client, company, customer_type):
    contact = make_contact(company=company, contact_type=customer_type, name="Gone Co")
    response = staff_client.post(reverse("contacts:contact_delete", args=[contact.pk]))
    assert response.status_code == 302
    assert response.url == reverse("contacts:contact_list")
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_stamp_history_names_a_saved_user_only(company, customer_type, staff_user):
    from django.contrib.auth.models import AnonymousUser

    contact = make_contact(company=company, contact_type=customer_type)
    stamp_history(contact, staff_user, "Checked")
    assert (contact._history_user, contact._change_reason) == (staff_user, "Checked")
    for nobody in (None, AnonymousUser()):
        stamped = stamp_history(contact, nobody)
        assert (stamped._history_user, stamped._change_reason) == (None, None)
