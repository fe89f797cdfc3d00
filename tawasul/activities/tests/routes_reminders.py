"""How the reminders' routes stand to record rules: reminders are not governed by rules; each
route reads them through restrict (the company) narrowed to the reminders the user wrote or
receives (administrators: the company's), `reminders_services.visible_reminders`."""

_MINE = "reminders the user wrote or receives, through restrict and visible_reminders"

COVERED: dict = {}
NOT_GOVERNED = {
    "activities:reminder_list": _MINE,
    "activities:reminder_detail": _MINE + "; the record it is about named by subject_labels",
    "activities:reminder_create": "writes through reminder_save; its contact picker reads "
    "Contact.objects.restrict(user, 'view')",
    "activities:reminder_update": "the user's own reminders (visible_reminders 'change'), "
    "written through reminder_save",
    "activities:reminder_delete": "the user's own reminders (visible_reminders 'delete')",
    "activities:reminder_toggle": "the user's own reminders (visible_reminders 'change')",
    "router:reminder": _MINE + "; writes through reminder_save",
}
