"""How the portal's routes stand to record rules (see `tawasul/core/tests/routes.py`)."""

COVERED = {
    "portal:home": "a dealer's customers served (test_portal)",
}
NOT_GOVERNED: dict[str, str] = {}
