"""How the frame's routes stand to record rules (read by the access coverage meta-test).

Every app keeps such a file, `<app>/tests/routes.py`: COVERED (route key -> what the property
tests compare with the oracle), NOT_GOVERNED (route key -> why it returns no governed records),
and optionally REVIEWED and HEURISTIC_BLIND (see `tawasul/access/tests/test_coverage_meta.py`).
"""

AUTH = "authentication page: no business records"

COVERED = {
    "home": "the 'My contacts' widget count",
    "global_search": "the contact hits",
}
NOT_GOVERNED = {
    "logout": AUTH,
    "password_change": AUTH,
    "password_change_done": AUTH,
    "password_reset": AUTH,
    "password_reset_done": AUTH,
    "password_reset_confirm": AUTH,
    "password_reset_complete": AUTH,
    "preferences": "the signed-in user's own language and time zone",
}
# Covered routes the code heuristic cannot see (they read through a registry).
HEURISTIC_BLIND = {
    "home": "reads through the dashboard widgets' registry",
    "global_search": "reads through the search providers' registry",
}
