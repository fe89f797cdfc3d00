"""How the access app's routes stand to record rules (see `tawasul/core/tests/routes.py`)."""

AUTH = "authentication page: no business records"
MFA = "the signed-in user's own two-factor authentication"

COVERED = {
    "access:value_autocomplete": "rule editor's search over contacts (the dealer field)",
    "access:condition_row": "rule editor's values select for the dealer field",
    "access:portal_account_list": "portal accounts of the contacts one may see",
    "access:portal_account_create": "no portal account for a contact one does not see",
    "access:portal_account_deactivate": "404 and nothing changed for an account of a contact "
    "one does not see (test_portal_deactivate)",
    "access:portal_account_reactivate": "as access:portal_account_deactivate",
}
NOT_GOVERNED = {
    "login": AUTH,
    "login_code": AUTH,
    "mfa_overview": MFA,
    "mfa_setup": MFA,
    "mfa_recovery_codes": MFA,
    "mfa_disable": MFA,
    "access:rule_list": "record-rule administration: rules and their values' names",
    "access:rule_create": "rule editor: its condition rows come from the ConditionForm whose "
    "value lists are checked through access:condition_row",
    "access:rule_update": "rule editor: as access:rule_create",
    "access:rule_delete": "deletes one rule (rule administration)",
    "access:rule_model_parts": "rule editor: actions and one empty condition row (no values)",
    "access:rule_preview": "rule administration: counts of what a rule would grant someone",
    "access:role_list": "roles (groups) and their permissions",
    "access:role_create": "roles (groups) and their permissions",
    "access:role_update": "roles (groups) and their permissions",
    "access:role_delete": "roles (groups) and their permissions",
    "access:user_autocomplete": "users of the company (through the employees one may view)",
    "access:audit": "the access audit: rule changes and denied attempts",
    "api-token": "exchanges credentials for an API token",
    "api-token-list": "the signed-in user's own API tokens",
    "api-token-detail": "one of the signed-in user's own API tokens",
    "api-token-current": "revokes the API token the request carries",
    "access_tokens:mine": "the signed-in user's own API tokens",
    "access_tokens:company": "API tokens of the company's users (through company_users)",
    "access_tokens:revoke": "revokes one API token (owner or company administrator)",
}
# Covered routes the code heuristic cannot see (they reach governed records through a
# declaration instead of naming the model).
HEURISTIC_BLIND = {
    "access:value_autocomplete": "reads the model a link field declares",
    "access:condition_row": "reads the model a link field declares",
    "access:portal_account_list": "reads PortalAccount.contact's related model",
    "access:portal_account_create": "its form reads PortalAccount.contact's related model",
    "access:portal_account_deactivate": "reads PortalAccount.contact's related model",
    "access:portal_account_reactivate": "reads PortalAccount.contact's related model",
}
