"""How the notifications area's routes stand to record rules (merged by `tests/routes.py`).

Notifications are the reader's own rows (`recipient=user` on top of `restrict`); the record a
notification is about is named only through `subjects.subject_labels` (restrict), and when it
is hidden neither its name nor the stored title and body show. The pages that name records are
checked by `tests/notifications/test_hidden_subjects.py`; the code heuristic cannot see them
(they reach the governed records through the notification's generic link)."""

HIDDEN = "tawasul.activities.tests.notifications.test_hidden_subjects"
OWN = "the user's own notifications (recipient=user on top of restrict); names no record"
THREADS = (
    "conversations the user takes part in (ThreadParticipant on top of company-scoped "
    "restrict); no governed record"
)

CHECKED = {
    "activities:notification_list": f"{HIDDEN}:test_inbox_never_names_a_hidden_record",
    "activities:notification_bell": f"{HIDDEN}:test_bell_never_names_a_hidden_record",
    "router:notification": f"{HIDDEN}:test_api_never_names_a_hidden_record",
}
CHECKED_WIDGETS = {
    "activities/notifications/_widget.html": f"{HIDDEN}:test_widget_never_names_a_hidden_record",
}
COVERED = {key: "hidden subjects never named (tests/notifications)" for key in CHECKED}
HEURISTIC_BLIND = {
    key: "names records through the notification's generic link (subject_labels)" for key in CHECKED
}
NOT_GOVERNED = {
    "activities:notification_read": OWN,
    "activities:notification_read_all": OWN,
    "activities:notification_open": OWN + "; redirects only to a local path",
    "activities:notification_preferences": "the user's own e-mail preference",
    "activities:message_list": THREADS,
    "activities:message_thread": THREADS,
    "activities:message_new": THREADS,
    "activities:message_recipient_search": "employees of the user's company through restrict",
    "router:internal-message": THREADS,
}
