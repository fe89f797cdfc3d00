"""What the contacts module plugs into the shared mechanisms: global search and the dashboard."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from tawasul.core.dashboard import Widget, register_widget
from tawasul.core.search import (
    SearchHit,
    SearchProvider,
    register_provider,
    register_text_index,
)


def _search(user, query: str, limit: int) -> list[SearchHit]:
    from .selectors import contact_mask_links, contact_search

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
    from .selectors import contact_dashboard_counts

    return contact_dashboard_counts(user=user)


def register() -> None:
    from .governance import register as register_governance

    register_governance()
    from .models import Contact

    register_text_index(Contact, "search_text", "contacts_contact_fts")  # migration 0005
    register_provider(
        "contacts",
        SearchProvider(
            label=_("Contacts"),
            icon="people",
            search=_search,
            more_url=lambda q: reverse("contacts:contact_list") + "?" + urlencode({"q": q}),
        ),
    )
    register_widget(
        Widget(
            title=_("My contacts"),
            template="contacts/_widget_my_contacts.html",
            context=_dashboard_context,
            perm="contacts.view_contact",
        )
    )
