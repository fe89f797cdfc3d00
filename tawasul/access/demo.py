"""The access module's step of the demo company: the default roles, and each demo employee's
default roles (a step of `manage.py demo`, registered in `module.py`)."""

from tawasul.access.roles import ensure_default_roles
from tawasul.access.services import employee_default_roles_move


def build(demo) -> None:
    """Make the default roles and give the demo's employees (`demo.employees`, by user name, in
    the order they were made) theirs now, rather than when the saves' events run after the
    demo's transaction; recorded as given by default like any employee's."""
    ensure_default_roles()
    for employee in demo.employees.values():
        employee_default_roles_move(actor=None, employee=employee, created=True)
