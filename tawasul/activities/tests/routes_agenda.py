"""How the agenda's routes stand to record rules."""

COVERED = {
    "activities:dashboard_task_actions": "the task is read through restrict(user, 'change'): "
    "its assignee gets the forms, a colleague who may not change it a 404",
}
CHECKED = {
    "activities:dashboard_task_actions": (
        "tawasul.activities.tests.agenda.test_dashboard:test_done_and_progress_in_place"
    ),
}
NOT_GOVERNED = {
    "activities:calendar": "the calendar's frame; its entries come from calendar_entries",
    "activities:calendar_feed": "creates, renews or revokes the user's own feed token",
    "activities:calendar_move": "moves one entry through its source's service, which reads "
    "the record through restrict(user, 'change') and refuses others",
    "activities:calendar_entries": "entries come from the registered calendar sources, each "
    "reading through restrict",
    "activities:calendar_ics": "the feed of the token's user: the calendar sources' entries",
}

_DASHBOARD = "tawasul.activities.tests.agenda.test_dashboard"
CHECKED_WIDGETS = {
    "activities/agenda/_my_tasks.html": f"{_DASHBOARD}:test_my_tasks_name_only_records_i_may_see",
    "activities/agenda/_follow_ups_due.html": (
        f"{_DASHBOARD}:test_my_tasks_name_only_records_i_may_see"
    ),
    "activities/agenda/_initiated_tasks.html": f"{_DASHBOARD}:test_widgets_show_my_work_and_my_team",
    "activities/agenda/_reminders.html": f"{_DASHBOARD}:test_widgets_show_my_work_and_my_team",
    "activities/agenda/_team.html": f"{_DASHBOARD}:test_widgets_show_my_work_and_my_team",
}
