"""How the followups area's routes stand to record rules (merged by `tests/routes.py`).

Follow-ups are governed with the involvement clause (assignee, who set it, their managers;
rule holders); every page and endpoint that reads them is compared with that oracle, and a
follow-up about a record its reader may not see is checked never to name it
(`tests/followups/test_access_leaks.py`). Follow-up rules are company-scoped settings."""

LEAKS = "tawasul.activities.tests.followups.test_access_leaks"

CHECKED = {
    "activities:follow_up_list": f"{LEAKS}:test_list_and_pages_match_the_oracle",
    "activities:follow_up_detail": f"{LEAKS}:test_hidden_subject_never_named_on_pages",
    "activities:follow_up_create": f"{LEAKS}:test_create_about_a_hidden_record_is_refused_everywhere",
    "activities:follow_up_complete": f"{LEAKS}:test_hidden_subject_never_named_on_pages",
    "activities:follow_up_forward": f"{LEAKS}:test_hidden_subject_never_named_on_pages",
    "activities:follow_up_postpone": f"{LEAKS}:test_actions_match_the_oracle",
    "activities:follow_up_cancel": f"{LEAKS}:test_hidden_subject_never_named_on_pages",
    "activities:follow_up_rule_preview": (
        f"{LEAKS}:test_rule_preview_never_names_a_contact_the_reader_may_not_see"
    ),
    "activities:follow_up_rule_preview_saved": (
        f"{LEAKS}:test_rule_preview_never_names_a_contact_the_reader_may_not_see"
    ),
    "router:followup": f"{LEAKS}:test_api_matches_the_oracle",
    "router:followuprule": (
        f"{LEAKS}:test_rule_preview_never_names_a_contact_the_reader_may_not_see"
    ),
}
COVERED = {key: "follow-up access and hidden subjects (tests/followups)" for key in CHECKED}
RULES = "the company's follow-up rules (company-scoped settings); no governed record"
NOT_GOVERNED = {
    "activities:follow_up_rule_list": RULES,
    "activities:follow_up_rule_create": RULES,
    "activities:follow_up_rule_update": RULES,
    "activities:follow_up_rule_delete": RULES,
}
