"""Home dashboard widgets; each module registers the ones it offers."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Widget:
    title: str
    template: str
    context: Callable  # (user) -> dict, reading only through restrict()
    perm: str | None = None


_WIDGETS: list[Widget] = []


def register_widget(widget: Widget) -> None:
    _WIDGETS.append(widget)


def widgets_for(user) -> list[dict]:
    out = []
    for widget in _WIDGETS:
        if widget.perm and not user.has_perm(widget.perm):
            continue
        out.append({"title": widget.title, "template": widget.template, **widget.context(user)})
    return out
