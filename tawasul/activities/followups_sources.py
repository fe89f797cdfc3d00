"""Where generated follow-ups come from: follow-up rules, and any source another module
registers (sales forecasts, annual contracts, consumption patterns in the orders module), so
those modules add follow-ups without editing this one (docs/development/follow-up-sources.md).

A source is any callable `source(*, now) -> Iterable[Proposal]`, registered once at start-up
(from the module's `AppConfig.ready()`):

    from tawasul.activities.followups_sources import Proposal, register_source

    def contract_renewals(*, now):
        for contract in Contract.objects.filter(ends_on__lte=now.date() + timedelta(days=30)):
            yield Proposal.about(contract, assignee_id=contract.representative_id,
                                 due_at=..., purpose=_("Renew the annual contract"))

    register_source("orders.contract", contract_renewals)

The generator (`followups_generator.follow_ups_generate`) runs every source daily and inserts
what they propose in batches, skipping conflicts: the database keeps one follow-up per
(source, record, due date) and one open follow-up per (source, record), so a source may
propose the same thing on every run and from two workers at once. Proposals whose assignee is
not an active member of the record's company's staff are dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db import models

from .choices import Channel
from .subjects import subject_fields

# The key the rules' own source stores in `FollowUp.source`.
RULES = "rules"
MAX_KEY_LENGTH = 40


@dataclass(frozen=True)
class Proposal:
    """A follow-up a source would like to exist: for `assignee_id` (an `Employee` key) of
    `company_id`, due at `due_at` (aware), about the record `subject_type_id`/`subject_id`
    (and `contact_id`, the contact concerned)."""

    company_id: int
    assignee_id: int
    due_at: dt.datetime
    purpose: str
    channel: str = Channel.CALL
    subject_type_id: int | None = None
    subject_id: int | None = None
    contact_id: int | None = None

    @classmethod
    def about(
        cls,
        record: models.Model,
        *,
        assignee_id: int,
        due_at: dt.datetime,
        purpose: str,
        channel: str = Channel.CALL,
        company_id: int | None = None,
    ) -> Proposal:
        """A proposal about `record` (its company is `record.company_id` unless given)."""
        link = subject_fields(record)
        return cls(
            company_id=company_id if company_id is not None else record.company_id,  # type: ignore[attr-defined]
            assignee_id=assignee_id,
            due_at=due_at,
            purpose=purpose,
            channel=channel,
            subject_type_id=link["subject_type"].pk,
            subject_id=link["subject_id"],
            contact_id=link["contact_id"],
        )


class FollowUpSource(Protocol):
    """What a registered source answers: the follow-ups it proposes as of `now`."""

    def __call__(self, *, now: dt.datetime) -> Iterable[Proposal]: ...


_SOURCES: dict[str, Callable[..., Iterable[Proposal]]] = {}


def register_source(key: str, source: Callable[..., Iterable[Proposal]]) -> None:
    """Add `source` under `key` ("orders.contract", at most 40 characters, stored on each
    follow-up it makes). Registering a key again replaces its source."""
    if not key or len(key) > MAX_KEY_LENGTH or key == RULES:
        raise ValueError(f"a source key is 1-{MAX_KEY_LENGTH} characters, not {RULES!r}")
    _SOURCES[key] = source


def unregister_source(key: str) -> None:
    """Remove the source under `key` (tests; a module switched off)."""
    _SOURCES.pop(key, None)


def registered_sources() -> dict[str, Callable[..., Iterable[Proposal]]]:
    """The registered sources by key, in the order they were registered."""
    return dict(_SOURCES)
