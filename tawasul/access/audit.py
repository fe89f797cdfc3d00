"""Audit of access: denied attempts on governed records and changes to roles and rules."""

import logging

from tawasul.core.access import user_company_id
from tawasul.core.types import Actor

from .current import current_request
from .models import AccessChange, AccessDenial
from .registry import model_key

logger = logging.getLogger("tawasul.access")


def log_denial(*, user, model, object_id="", action="", request=None, status=404) -> None:
    """Record that `user` tried to reach a record outside their rights."""
    path = method = ""
    if request is not None:
        path, method = request.get_full_path()[:500], request.method or ""
    else:
        current = current_request()
        if current is not None:
            path, method = current.get_full_path()[:500], current.method or ""
    AccessDenial.objects.create(
        company_id=user_company_id(user) if getattr(user, "pk", None) else None,
        user=user if getattr(user, "pk", None) else None,
        model=model_key(model) if not isinstance(model, str) else model,
        object_id=str(object_id)[:64],
        action=action,
        path=path,
        method=method,
        status=status,
    )
    logger.info(
        "access denied: user=%s model=%s id=%s action=%s",
        getattr(user, "pk", None),
        model,
        object_id,
        action,
    )


def log_change(
    *, actor: Actor, kind: str, subject: str, before=None, after=None, company=None
) -> None:
    """Record a change to roles, memberships or rules (of `company`, else the actor's)."""
    company_id = getattr(company, "pk", None)
    if company_id is None and getattr(actor, "pk", None):
        company_id = user_company_id(actor)
    AccessChange.objects.create(
        company_id=company_id,
        actor_id=getattr(actor, "pk", None),  # an anonymous user's is None
        kind=kind,
        subject=subject[:200],
        before=before or {},
        after=after or {},
    )
