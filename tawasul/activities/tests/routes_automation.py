"""How the automation area's routes stand to record rules (merged by `tests/routes.py`).

Message templates and automatic task rules are company-scoped settings (restrict), not governed
records. The editors and previews name governed records (the preview's record picker, the
rendered texts): they read them through `restrict` for the author, checked by
`tests/automation/test_views.py` and `test_api.py`; the code heuristic cannot see them (they
reach the records through the template kind's or the trigger's model label)."""

VIEWS = "tawasul.activities.tests.automation.test_views"
API = "tawasul.activities.tests.automation.test_api"

CHECKED = {
    "activities:message_template_create": f"{VIEWS}:test_pickers_offer_only_visible_records",
    "activities:message_template_update": f"{VIEWS}:test_pickers_offer_only_visible_records",
    "activities:message_template_placeholders": (
        f"{VIEWS}:test_pickers_offer_only_visible_records"
    ),
    "activities:automatic_task_rule_create": f"{VIEWS}:test_pickers_offer_only_visible_records",
    "activities:automatic_task_rule_update": f"{VIEWS}:test_pickers_offer_only_visible_records",
    "activities:message_template_preview": f"{VIEWS}:test_template_preview_only_on_visible_records",
    "activities:automatic_task_rule_preview": f"{VIEWS}:test_rule_preview_only_on_visible_records",
    "router:messagetemplate": f"{API}:test_previews_only_on_visible_records",
    "router:automatictaskrule": f"{API}:test_previews_only_on_visible_records",
}
COVERED = {key: "previews and pickers only on records the author may view" for key in CHECKED}
HEURISTIC_BLIND = {
    key: "reads records through the kind's or trigger's model label (apps.get_model)"
    for key in CHECKED
}
SETTINGS = "company-scoped settings (restrict); names no governed record"
NOT_GOVERNED = {
    "activities:message_template_list": SETTINGS,
    "activities:message_template_delete": SETTINGS,
    "activities:automatic_task_rule_list": SETTINGS,
    "activities:automatic_task_rule_delete": SETTINGS,
}
