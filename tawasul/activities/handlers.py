"""Domain-event handlers of the activities (automatic tasks, notifications); listed in
docs/development/events.md."""
