"""What the contacts module plugs into the platform (`tawasul.core.registry`)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from tawasul.core.dashboard import Widget
from tawasul.core.navigation import SETTINGS, NavItem
from tawasul.core.search import SearchHit, SearchProvider

from . import roles
from .selectors import (
    contact_dashboard_counts,
    contact_mask_links,
    contact_search,
    register_timeline,
)

SECTION = "contacts"


def _search(user, query: str, limit: int) -> list[SearchHit]:
    hits = []
    found = contact_search(user=user, query=query)[:limit]
    # A hit's type is shown as "(not visible to you)" if the user may not view it.
    for contact in contact_mask_links(user=user, contacts=found, fields=["contact_type"]):
        hits.append(
            SearchHit(
                title=f"{contact.display_name}",
                subtitle=f"{contact.code} · {contact.contact_type}",
                url=reverse("contacts:contact_detail", args=[contact.pk]),
            )
        )
    return hits


def _dashboard_context(user) -> dict:
    return contact_dashboard_counts(user=user)


def register(registry) -> None:
    registry.nav_section(SECTION, _("Contacts"), order=100)
    for order, item in enumerate(
        [
            NavItem(_("Contacts"), "people", "contacts:contact_list", "contacts.view_contact"),
            NavItem(_("Dealers & agents"), "shop", "contacts:dealer_list", "contacts.view_contact"),
            NavItem(_("My team"), "people-fill", "contacts:team", "contacts.view_contact"),
            NavItem(_("Import"), "upload", "contacts:import_list", "contacts.import_contact"),
        ]
    ):
        registry.nav_item(SECTION, item, order=order)
    registry.nav_item(
        SETTINGS,
        NavItem(_("Master data"), "list-ul", "contacts:masterdata_index", "contacts.view_area"),
        order=30,
    )
    registry.urls("contacts/", "tawasul.contacts.urls", namespace="contacts")
    registry.api("tawasul.contacts.api.register")
    registry.matrix_section(
        "contacts",
        _("Contacts"),
        order=10,
        permission_labels={
            "export_contact": _("Export"),
            "assign_contact": _("Assign"),
            "import_contact": _("Import"),
            "view_commission": _("See commission rates"),
        },
    )
    roles.register(registry)
    registry.search_provider(
        "contacts",
        SearchProvider(
            label=_("Contacts"),
            icon="people",
            search=_search,
            more_url=lambda q: reverse("contacts:contact_list") + "?" + urlencode({"q": q}),
        ),
    )
    registry.dashboard_widget(
        Widget(
            title=_("My contacts"),
            template="contacts/_widget_my_contacts.html",
            context=_dashboard_context,
            perm="contacts.view_contact",
        )
    )
    registry.demo_builder("contacts", "tawasul.contacts.demo.build")
    register_timeline(registry.timeline_source)
