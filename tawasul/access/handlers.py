"""Reactions of the access app to domain events (listed in docs/development/events.md)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from tawasul.core import events
from tawasul.org.models import Company, Employee

from .default_rules import ensure_default_rules
from .services import employee_default_roles_move
from .tokens import api_tokens_revoke_all


@events.handler("company.created")
def give_new_company_default_rules(*, company_id: int, actor_id=None) -> None:
    """A new company starts with the default record rules of the default roles."""
    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        ensure_default_rules(company)


@events.handler("user.password_changed")
def end_api_tokens_on_new_password(*, user_id: int, actor_id=None) -> None:
    """A new password replaces the API tokens made with the old one (they already no longer
    authenticate: their password fingerprint differs; this removes them from the lists)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        api_tokens_revoke_all(actor=user, user=user, reason="password changed")


@events.handler("employee.saved")
def move_employee_default_roles(
    *,
    employee_id: int,
    actor_id=None,
    created: bool = False,
    old_user_id=None,
    old_department_kind=None,
    old_job_roles=(),
    **current,
) -> None:
    """A new employee with a user account gets the default roles of their department and job
    roles; a move to another department or job trades the old default roles for the new ones."""
    employee = (
        Employee._base_manager.select_related("department", "company")
        .filter(pk=employee_id)
        .first()
    )
    if employee is None:
        return
    employee_default_roles_move(
        actor=_user(actor_id),
        employee=employee,
        created=created,
        old_user_id=old_user_id,
        old_department_kind=old_department_kind,
        old_job_roles=old_job_roles,
    )


@events.handler("department.kind_changed")
def move_department_default_roles(
    *, department_id: int, actor_id=None, old_kind=None, kind=None
) -> None:
    """A department that becomes another kind moves its staff to that kind's default roles."""
    actor = _user(actor_id)
    staff = (
        Employee._base_manager.filter(department_id=department_id, user__isnull=False)
        .select_related("department", "company")
        .prefetch_related("roles")
        .order_by("pk")
    )
    for employee in staff:
        employee_default_roles_move(
            actor=actor,
            employee=employee,
            old_user_id=employee.user_id,
            old_department_kind=old_kind,
            old_job_roles=[role.code for role in employee.roles.all()],
        )


def _user(pk):
    """The acting user; None for the system; a user deleted since acts with no rights."""
    if pk is None:
        return None
    return get_user_model()._default_manager.filter(pk=pk).first() or AnonymousUser()
