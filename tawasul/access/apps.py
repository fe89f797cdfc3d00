from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "tawasul.access"
    label = "access"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import RecordRule, RuleCondition
        from .rules import bump_generation

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
        from django.apps import apps

        employee = apps.get_model("org", "Employee")
        post_save.connect(bump_generation, sender=employee, dispatch_uid="bump-employee")
        post_delete.connect(bump_generation, sender=employee, dispatch_uid="bumpd-employee")
        m2m_changed.connect(
            bump_generation,
            sender=employee.coordinators.through,
            dispatch_uid="bump-coordinators",
        )
        from django.db.models.signals import post_migrate

        from . import handlers  # noqa: F401  (domain-event handlers)

        post_migrate.connect(_default_roles, sender=self, dispatch_uid="access-default-roles")

        from tawasul.core.timezones import register_company_zone

        register_company_zone(_company_zone)


def _company_zone(user) -> str | None:
    """The time zone of the company a user works for or is a customer of (`zone_for`)."""
    from tawasul.org.models import Company

    from .querysets import user_company_id

    company_id = user_company_id(user)
    if company_id is None:
        return None
    return Company._default_manager.filter(pk=company_id).values_list("timezone", flat=True).first()


def _default_roles(sender, using="default", **kwargs):
    """Every installation has the default roles from its first migrate on."""
    from .roles import ensure_default_roles

    ensure_default_roles(reset=False)
