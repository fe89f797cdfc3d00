"""How the tasks area's routes stand to record rules (merged by `tests/routes.py`).

Tasks are governed by record rules and the involvement clause (initiator, assignees past and
present, their managers). The list, record page, API and PATCH are compared with the access
kit's oracle for rules and with an involvement oracle; a task about a record its reader may
not see is checked never to name it on any surface (`tests/tasks/test_access_leaks.py`)."""

LEAKS = "tawasul.activities.tests.tasks.test_access_leaks"

CHECKED = {
    "activities:task_list": f"{LEAKS}:test_involvement_matches_the_oracle",
    "activities:task_detail": f"{LEAKS}:test_involvement_matches_the_oracle",
    "activities:task_export": f"{LEAKS}:test_hidden_contact_never_named",
    "activities:task_report": f"{LEAKS}:test_hidden_contact_never_named",
    "activities:task_forward": f"{LEAKS}:test_hidden_contact_never_named",
    "router:task": f"{LEAKS}:test_reads_match_the_rules",
}
COVERED = {key: "task access and hidden records (tests/tasks)" for key in CHECKED}
NOT_GOVERNED = {
    "activities:task_create": (
        "a form: assignees are offered and checked through restrict on employees (no task is "
        "read); a record to be about is checked visible by the service (tests/tasks/test_views)"
    ),
    "activities:task_update": (
        "the form of one task read through get_restricted_or_404(change) (tests/tasks/test_views)"
    ),
    "activities:task_assignee_autocomplete": (
        "employees the user may give tasks to, read through restrict on employees; no task"
    ),
}
REVIEWED = {
    "activities:task_create": (
        "creates a task; reads no task and offers contacts through Contact.objects.restrict "
        "(the record picker) and employees through restrict"
    ),
    "activities:task_update": (
        "edits one task fetched with get_restricted_or_404(change); shows only its own fields"
    ),
}
