"""Record rules, portal accounts, and the audit of access changes and denied attempts."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tawasul.core.fields import ClockDateTimeField


class RecordRule(models.Model):
    """Grants actions on one kind of record to a role or a user, limited by conditions.

    Within a rule every condition must hold; a user gets the union of the rules that reach them
    (their own and their roles'). No rule, no row.
    """

    company = models.ForeignKey(
        "org.Company", on_delete=models.CASCADE, related_name="record_rules"
    )
    name = models.CharField(_("name"), max_length=120)
    model = models.CharField(_("kind of record"), max_length=60)
    actions = models.JSONField(_("actions"), default=list)
    role = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="record_rules",
        verbose_name=_("role"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="record_rules",
        verbose_name=_("user"),
    )
    all_records = models.BooleanField(
        _("all records of the company"),
        default=False,
        help_text=_("Grant every record of this kind, without conditions."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["model", "name"]
        verbose_name = _("record rule")
        verbose_name_plural = _("record rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role__isnull=False, user__isnull=True)
                    | models.Q(role__isnull=True, user__isnull=False)
                ),
                name="rule_has_one_grantee",
                violation_error_message=_("Grant the rule to a role or to a user, not both."),
                violation_error_code="rule_has_one_grantee",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grantee(self):
        return self.role or self.user


class RuleCondition(models.Model):
    """One condition of a rule: a declared link field, an operator and the chosen values."""

    rule = models.ForeignKey(RecordRule, on_delete=models.CASCADE, related_name="conditions")
    field = models.CharField(_("field"), max_length=60)
    operator = models.CharField(_("operator"), max_length=30)
    values = models.JSONField(_("values"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.field} {self.operator} {self.values}"


class PortalAccount(models.Model):
    """An external user (customer, dealer, agent, supplier) who sees only their own contact.

    The contact is the portal subject model (`settings.TAWASUL_PORTAL_SUBJECT_MODEL`).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    contact = models.ForeignKey(
        settings.TAWASUL_PORTAL_SUBJECT_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_accounts",
        verbose_name=_("contact"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = ClockDateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.contact_id}"


class AccessChange(models.Model):
    """An audit row for a change to roles, their members or their permissions."""

    at = ClockDateTimeField(auto_now_add=True, db_index=True)
    company = models.ForeignKey(
        "org.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"


class AccessDenial(models.Model):
    """A denied attempt to reach a governed record (answered 403 or 404)."""

    at = ClockDateTimeField(auto_now_add=True, db_index=True)
    company = models.ForeignKey(
        "org.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=20, blank=True)
    path = models.CharField(max_length=500, blank=True)
    method = models.CharField(max_length=10, blank=True)
    status = models.PositiveSmallIntegerField(default=404)

    class Meta:
        ordering = ["-at", "-id"]
        permissions = [("view_audit", "Can see the access audit")]

    def __str__(self) -> str:
        return f"{self.status} {self.model} {self.object_id}"


class ApiToken(models.Model):
    """A user's named API key: only its SHA-256 digest is stored; the key is shown once.

    It stops working when revoked (deleted), when unused or too old (API_TOKEN_IDLE_DAYS,
    API_TOKEN_MAX_DAYS, applied when it is presented), when its user's password changes, or when
    its user may no longer sign in (tawasul/access/tokens.py).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    # The key's first characters, so that its owner can tell tokens apart.
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # A digest of the user's password hash when the token was made: a new password ends it.
    password_fingerprint = models.CharField(max_length=64, editable=False)
    created_at = ClockDateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class DefaultRoleGrant(models.Model):
    """A role a user holds because their employee's department and job roles call for it.

    Such roles follow the employee (`services.employee_default_roles_move`): they are taken back
    when the department or job roles stop calling for them. A role held without this row was
    given by hand (roles page, Django admin) and is never taken back by a move.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="default_role_grants"
    )
    role = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="default_grants")
    given_at = ClockDateTimeField(auto_now_add=True)

    # Written by employee_default_roles_move only: no input reaches the constraint.
    constraint_error_fields = {"uniq_default_role_grant": "role"}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                name="uniq_default_role_grant",
                violation_error_message=_("This role was already given by default."),
                violation_error_code="uniq_default_role_grant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ← {self.role_id}"
