"""Reads of the organization, starting from the access-scoped queryset."""

from django.db.models import QuerySet

from .models import Employee


def employee_subordinates(*, employee: Employee) -> QuerySet[Employee]:
    """Everyone below `employee` in the reports-to tree, at any depth (one query)."""
    return employee.subordinates()


def employee_managers(*, employee: Employee) -> QuerySet[Employee]:
    """The chain of managers above `employee` (one query)."""
    return employee.managers()


def employee_list(*, user) -> QuerySet[Employee]:
    return Employee.objects.restrict(user, "view").select_related(
        "branch", "department", "reports_to", "user"
    )


def org_tree(*, user) -> list[dict]:
    """The reports-to tree of the user's company as nested dicts, built from one query."""
    employees = list(employee_list(user=user).prefetch_related("roles").order_by("depth", "name"))
    nodes: dict[int, dict] = {e.pk: {"employee": e, "children": []} for e in employees}
    roots: list[dict] = []
    for e in employees:
        node = nodes[e.pk]
        parent = nodes.get(e.reports_to_id) if e.reports_to_id else None
        (parent["children"] if parent else roots).append(node)
    return roots
