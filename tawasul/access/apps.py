from django.apps import AppConfig, apps
from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from tawasul.core.access import set_policy, user_company_id
from tawasul.core.timezones import register_company_zone

from .generation import bump_generation


class AccessConfig(AppConfig):
    name = "tawasul.access"
    label = "access"

    def ready(self) -> None:
        # Models (and modules that import them) load once the app registry is ready.
        from . import handlers  # noqa: F401  (domain-event handlers)
        from .models import RecordRule, RuleCondition
        from .querysets import POLICY

        # The access policy answers every `restrict` (`tawasul.core.access`).
        set_policy(POLICY)

        # Cached copies of the rules are dropped whenever rules or memberships change.
        for model in (RecordRule, RuleCondition):
            post_save.connect(bump_generation, sender=model, dispatch_uid=f"bump-{model.__name__}")
            post_delete.connect(
                bump_generation, sender=model, dispatch_uid=f"bumpd-{model.__name__}"
            )
        m2m_changed.connect(
            bump_generation, sender=get_user_model().groups.through, dispatch_uid="bump-groups"
        )
        # Compiled rules hold the keys of a user's team and coordinated representatives.
        employee = apps.get_model("org", "Employee")
        post_save.connect(bump_generation, sender=employee, dispatch_uid="bump-employee")
        post_delete.connect(bump_generation, sender=employee, dispatch_uid="bumpd-employee")
        m2m_changed.connect(
            bump_generation,
            sender=employee.coordinators.through,
            dispatch_uid="bump-coordinators",
        )
        post_migrate.connect(_default_roles, sender=self, dispatch_uid="access-default-roles")
        register_company_zone(_company_zone)


def _company_zone(user) -> str | None:
    """The time zone of the company a user works for or is a customer of (`zone_for`)."""
    company_id = user_company_id(user)
    if company_id is None:
        return None
    employee = getattr(user, "employee", None)
    if employee is not None and type(employee).company.is_cached(employee):
        return employee.company.timezone  # loaded with the user (accounts.AccountBackend)
    company = apps.get_model("org", "Company")
    return company._default_manager.filter(pk=company_id).values_list("timezone", flat=True).first()


def _default_roles(sender, using="default", **kwargs):
    """Every installation has the default roles from its first migrate on."""
    from .roles import ensure_default_roles  # roles reads models: imported once apps are ready

    ensure_default_roles(reset=False)
