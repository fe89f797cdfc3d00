"""A message template worded for one recipient: `render_message`.

    subject, body = render_message(template, contact, recipient=user, actor=request.user)

The recipient's language (`UserPreference.language`; the Arabic version falls back to the
English one where it is empty) and time zone are used, and the record is named only if the
recipient may view it (the kind's context builder asks `restrict`). A template that cannot be
rendered never raises to the caller: the subject becomes the template's name, the body is
empty, and a warning is logged for the administrators.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.utils import translation

from tawasul.core import templating
from tawasul.core.timezones import zone_for

from .models import MessageTemplate

logger = logging.getLogger("tawasul.activities.messages")


def template_texts(template: MessageTemplate, language: str) -> tuple[str, str]:
    """The subject and body to render in `language`: the Arabic version where written, else
    the English one (each of subject and body on its own)."""
    if language.startswith("ar"):
        return (template.subject_ar or template.subject_en, template.body_ar or template.body_en)
    return template.subject_en, template.body_en


def render_message(
    template: MessageTemplate,
    record: Any,
    *,
    recipient: Any,
    actor: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> tuple[str, str]:
    """(subject, body) of `template` over `record` as `recipient` (a user) reads it."""
    language = templating.recipient_language(recipient)
    subject_text, body_text = template_texts(template, language)
    try:
        with translation.override(language):
            context = templating.build_context(
                template.kind, record, recipient=recipient, actor=actor, extra=extra
            )
        zone = zone_for(recipient)
        subject = templating.render(
            template.kind, subject_text, context, language=language, timezone=zone
        )
        body = templating.render(
            template.kind, body_text, context, language=language, timezone=zone
        )
    except Exception as exc:  # noqa: BLE001 - a broken template never breaks the caller's work
        logger.warning(
            "message template %s (%s) could not be rendered for user %s: %s",
            template.pk,
            template.name,
            getattr(recipient, "pk", None),
            getattr(exc, "message", exc),
        )
        return template.name, ""
    # A subject is one line.
    return " ".join(subject.split())[:300], body.strip()
