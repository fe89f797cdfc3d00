"""The portal's step of the demo company: a customer's and a dealer's sign-in to the portal
(password "demo" like everyone; a step of `manage.py demo`, registered in `module.py`)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from tawasul.access.models import PortalAccount
from tawasul.access.roles import PORTAL_CUSTOMER, PORTAL_DEALER
from tawasul.contacts.models import Contact
from tawasul.org.demo import EMAIL_DOMAIN, PASSWORD

PORTAL_USERS = ("portal.customer", "portal.dealer")


def build(demo) -> None:
    """A portal account for the demo company's first customer and first dealer serving
    customers."""
    customer = (
        Contact.objects.filter(
            company=demo.company, contact_type__code="customer", lifecycle="customer"
        )
        .order_by("pk")
        .first()
    )
    dealer = (
        Contact.objects.filter(
            company=demo.company, contact_type__code="dealer", served_contacts__isnull=False
        )
        .order_by("pk")
        .first()
    )
    password = make_password(PASSWORD)
    for username, contact, role in (
        (PORTAL_USERS[0], customer, PORTAL_CUSTOMER),
        (PORTAL_USERS[1], dealer, PORTAL_DEALER),
    ):
        if contact is None:
            continue
        user = get_user_model().objects.create(
            username=username,
            first_name=contact.name[:150],
            password=password,
            email=f"{username}@{EMAIL_DOMAIN}",
        )
        user.groups.set(Group.objects.filter(name=role))
        PortalAccount.objects.create(user=user, contact=contact)
