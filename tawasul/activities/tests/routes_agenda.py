"""How the agenda's routes stand to record rules."""

COVERED: dict = {}
NOT_GOVERNED = {
    "activities:calendar": "the calendar's frame; its entries come from calendar_entries",
    "activities:calendar_feed": "creates, renews or revokes the user's own feed token",
    "activities:calendar_move": "moves one entry through its source's service, which reads "
    "the record through restrict(user, 'change') and refuses others",
    "activities:calendar_entries": "entries come from the registered calendar sources, each "
    "reading through restrict",
    "activities:calendar_ics": "the feed of the token's user: the calendar sources' entries",
}
