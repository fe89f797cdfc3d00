"""Home dashboard widgets; each module registers the ones it offers in its `module.py`
(`registry.dashboard_widget`, `core.registry`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Widget:
    title: Any  # text, or lazily translated text
    template: str
    context: Callable  # (user) -> dict, reading only through restrict(); None: not shown
    perm: str | None = None
    wide: bool = False  # two columns' width on large screens (lists with actions)


_WIDGETS: list[Widget] = []


def register_widget(widget: Widget) -> None:
    """Add a widget; modules call it through `registry.dashboard_widget`. A widget of the same
    template registered again replaces the first, so registering twice shows it once."""
    for i, known in enumerate(_WIDGETS):
        if known.template == widget.template:
            _WIDGETS[i] = widget
            return
    _WIDGETS.append(widget)


def widgets() -> list[Widget]:
    """Every registered widget, in the order the modules registered them (layer order)."""
    return list(_WIDGETS)


def widgets_for(user) -> list[dict]:
    """The widgets `user` may see, each as its template's context: title, template and what
    its `context(user)` gives."""
    out = []
    for widget in _WIDGETS:
        if widget.perm and not user.has_perm(widget.perm):
            continue
        context = widget.context(user)
        if context is None:
            continue
        out.append(
            {"title": widget.title, "template": widget.template, "wide": widget.wide, **context}
        )
    return out
