"""Writes to the organization: every change goes through these functions."""

from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from tawasul.core import events
from tawasul.core.access import verify_within
from tawasul.core.countries import country_code
from tawasul.core.history import stamp_history
from tawasul.core.phones import phone_region, phone_to_e164
from tawasul.core.types import Actor

from .models import Branch, Company, Department, Employee, Holiday, WorkCalendar, week_order

events.declare("company.created", "a company was created (company_id, actor_id)")
events.declare(
    "department.kind_changed",
    "a department became another kind (department_id, actor_id, old_kind, kind)",
)
events.declare(
    "employee.saved",
    "an employee was created or changed (employee_id, actor_id, created, old_user_id, user_id, "
    "old_department_kind, department_kind, old_job_roles, job_roles)",
)


def _apply(instance, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


@transaction.atomic
def company_save(*, actor: Actor, instance: Company | None = None, **fields) -> Company:
    """Create or update a company."""
    company = instance or Company()
    created = company.pk is None
    if "default_country" in fields:
        try:
            fields["default_country"] = country_code(fields["default_country"])
        except ValidationError as exc:
            raise ValidationError({"default_country": exc.messages})
    _apply(company, fields)
    company.full_clean()
    stamp_history(company, actor)
    company.save()
    verify_within(actor, company, "add" if created else "change")
    if created:
        events.emit("company.created", company_id=company.pk, actor_id=getattr(actor, "pk", None))
    return company


@transaction.atomic
def branch_save(*, actor: Actor, instance: Branch | None = None, **fields) -> Branch:
    """Create or update a branch."""
    branch = instance or Branch()
    action = "change" if branch.pk else "add"
    _apply(branch, fields)
    branch.full_clean()
    stamp_history(branch, actor)
    branch.save()
    verify_within(actor, branch, action)
    return branch


@transaction.atomic
def department_save(*, actor: Actor, instance: Department | None = None, **fields) -> Department:
    """Create or update a department; its branch must belong to the same company."""
    department = instance or Department()
    action = "change" if department.pk else "add"
    # Read from the database: a model form has already put the new values on `instance`.
    old_kind = (
        Department._base_manager.filter(pk=department.pk).values_list("kind", flat=True).first()
        if department.pk
        else None
    )
    _apply(department, fields)
    if department.branch is not None and department.branch.company_id != department.company_id:
        raise ValidationError({"branch": _("This branch belongs to another company.")})
    department.full_clean()
    stamp_history(department, actor)
    department.save()
    verify_within(actor, department, action)
    if old_kind is not None and old_kind != department.kind:
        events.emit(
            "department.kind_changed",
            department_id=department.pk,
            actor_id=getattr(actor, "pk", None),
            old_kind=old_kind,
            kind=department.kind,
        )
    return department


def _check_employee(employee: Employee) -> None:
    errors = {}
    for name in ("branch", "department", "reports_to"):
        related = getattr(employee, name)
        if related is not None and related.company_id != employee.company_id:
            errors[name] = _("This belongs to another company.")
    manager = employee.reports_to
    if manager is not None and employee.pk:
        if manager.pk == employee.pk or manager.path.startswith(employee.path):
            errors["reports_to"] = _("An employee cannot report to themself or to a subordinate.")
    if errors:
        raise ValidationError(errors)


def _employee_access_facts(pk: int | None) -> dict[str, Any]:
    """What an employee's default roles depend on, as stored (a model form has already put the
    new values on the instance it was given)."""
    if pk is None:
        return {"user_id": None, "department_kind": None, "job_roles": []}
    row: dict[str, Any] = dict(
        Employee._base_manager.filter(pk=pk).values("user_id", "department__kind").first() or {}
    )
    jobs = Employee.roles.through._default_manager.filter(employee_id=pk)
    return {
        "user_id": row.get("user_id"),
        "department_kind": row.get("department__kind"),
        "job_roles": sorted(jobs.values_list("jobrole__code", flat=True)),
    }


@transaction.atomic
def employee_account_create(
    *, actor, username: str, password: str, email: str = "", name: str = ""
):
    """Create the staff user account an employee signs in with, for `employee_save`'s `user`
    (in the caller's transaction, so both are saved or neither). The username is refused at
    `username` when taken in any spelling of case, the password at `password` by the site's
    password rules; `name` becomes the account's first name."""
    user_model = get_user_model()
    username = (username or "").strip()
    candidate = user_model(username=username, email=email or "", first_name=(name or "")[:150])
    errors: dict[str, list] = {}
    try:
        user_model.username_validator(username)
    except ValidationError as exc:
        errors["username"] = exc.error_list
    if user_model._default_manager.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(
            ValidationError(_("A user with that username already exists."))
        )
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return user_model._default_manager.create_user(
        username=username, password=password, email=email or "", first_name=(name or "")[:150]
    )


@transaction.atomic
def employee_save(
    *,
    actor: Actor,
    instance: Employee | None = None,
    roles=None,
    coordinated_representatives=None,
    **fields,
) -> Employee:
    """Create or update an employee, keeping the reports-to paths of the whole subtree right."""
    employee = instance or Employee()
    action = "change" if employee.pk else "add"
    old_path = employee.path if employee.pk else None
    before = _employee_access_facts(employee.pk)
    _apply(employee, fields)
    _check_employee(employee)
    if employee.phone:
        try:
            employee.phone = phone_to_e164(employee.phone, phone_region(employee.company))
        except ValidationError:
            raise ValidationError({"phone": _("Enter a valid phone number.")})
    employee.full_clean(exclude=["path", "depth"])
    stamp_history(employee, actor)
    employee.save()
    parent_path = employee.reports_to.path if employee.reports_to is not None else "/"
    new_path = f"{parent_path}{employee.pk}/"
    if new_path != employee.path:
        depth_delta = new_path.count("/") - (old_path or "/").count("/")
        if old_path and old_path != "/":
            # Move the whole subtree in one statement.
            Employee.objects.filter(path__startswith=old_path).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + depth_delta,
            )
        else:
            Employee.objects.filter(pk=employee.pk).update(
                path=new_path, depth=new_path.count("/") - 2
            )
        employee.refresh_from_db(fields=["path", "depth"])
    if roles is not None:
        employee.roles.set(roles)
    if coordinated_representatives is not None:
        reps = list(coordinated_representatives)
        if any(rep.company_id != employee.company_id for rep in reps):
            raise ValidationError(
                {"coordinated_representatives": _("This belongs to another company.")}
            )
        employee.coordinated_representatives.set(reps)
    verify_within(actor, employee, action)
    after = _employee_access_facts(employee.pk)
    events.emit(
        "employee.saved",
        employee_id=employee.pk,
        actor_id=getattr(actor, "pk", None),
        created=action == "add",
        old_user_id=before["user_id"],
        user_id=after["user_id"],
        old_department_kind=before["department_kind"],
        department_kind=after["department_kind"],
        old_job_roles=before["job_roles"],
        job_roles=after["job_roles"],
    )
    return employee


# --- working time -----------------------------------------------------------------------------


def _check_branch_company(record: WorkCalendar | Holiday) -> None:
    if record.branch is not None and record.branch.company_id != record.company_id:
        raise ValidationError({"branch": _("This branch belongs to another company.")})


@transaction.atomic
def work_calendar_save(
    *, actor: Actor, instance: WorkCalendar | None = None, **fields
) -> WorkCalendar:
    """Create or update a work calendar: the company's (no branch) or one branch's.

    `working_days` are ISO weekday numbers (1 Monday ... 7 Sunday), kept once each in the order
    of a week starting on Sunday.
    """
    calendar = instance or WorkCalendar()
    action = "change" if calendar.pk else "add"
    days = fields.get("working_days")
    if isinstance(days, (list, tuple, set, frozenset)) and all(
        isinstance(day, int) and not isinstance(day, bool) for day in days
    ):
        fields["working_days"] = week_order(days)
    _apply(calendar, fields)
    _check_branch_company(calendar)
    calendar.full_clean()
    stamp_history(calendar, actor)
    calendar.save()
    verify_within(actor, calendar, action)
    return calendar


def _delete_checked(actor: Actor, record: WorkCalendar | Holiday) -> None:
    model = type(record)
    if (
        actor is not None
        and not model.objects.restrict(actor, "delete").filter(pk=record.pk).exists()
    ):
        raise PermissionDenied
    stamp_history(record, actor)
    record.delete()


@transaction.atomic
def work_calendar_delete(*, actor: Actor, calendar: WorkCalendar) -> None:
    """Delete a work calendar the actor may delete: the branch then works by the company's
    calendar, and the company by the default week (Sunday to Thursday, 08:00 to 17:00)."""
    _delete_checked(actor, calendar)


@transaction.atomic
def holiday_save(*, actor: Actor, instance: Holiday | None = None, **fields) -> Holiday:
    """Create or update a holiday of the whole company (no branch) or of one branch."""
    holiday = instance or Holiday()
    action = "change" if holiday.pk else "add"
    _apply(holiday, fields)
    _check_branch_company(holiday)
    holiday.full_clean()
    stamp_history(holiday, actor)
    holiday.save()
    verify_within(actor, holiday, action)
    return holiday


@transaction.atomic
def holiday_delete(*, actor: Actor, holiday: Holiday) -> None:
    """Delete a holiday the actor may delete."""
    _delete_checked(actor, holiday)
