"""Reads of contacts, always starting from the access-scoped queryset."""

from django.db.models import QuerySet

from tawasul.core.pagination import capped_count
from tawasul.core.search import text_filter

from .models import Contact

LIST_RELATED = ("contact_type", "category", "area", "representative", "branch")


def contact_list(*, user, action: str = "view") -> QuerySet[Contact]:
    """Contacts the user may see, with what list rows show joined in."""
    return Contact.objects.restrict(user, action).select_related(*LIST_RELATED)


def contact_search(*, user, query: str) -> QuerySet[Contact]:
    return text_filter(contact_list(user=user), query).select_related("contact_type").order_by("name", "pk")


def contact_dashboard_counts(*, user) -> dict:
    """Counts for the home widget: my contacts by lifecycle, capped so they never scan far."""
    employee = getattr(user, "employee", None)
    mine = contact_list(user=user)
    if employee is not None:
        mine = mine.filter(representative=employee)
    total, more = capped_count(mine)
    return {"my_count": total, "my_count_more": more}
