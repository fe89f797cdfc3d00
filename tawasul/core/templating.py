"""The message builder's engine: subject and body templates over a record, in a sandbox.

Administrators write templates such as

    Hello {{ recipient.first_name }},
    {{ contact.name }} is due to pay {{ bill.amount|money(bill.currency) }} on {{ bill.due|date }}.
    {% for line in lines %}
    - {{ line.product }} x {{ line.quantity|number }}
    {% endfor %}

Modules declare the kinds of record a template can be written for (`TemplateKind`, registered
from their module.py with `registry.template_kind(...)`), each with the placeholders it offers
and a `build` function that turns one record into a context of plain data: dicts, lists,
strings, numbers, dates. Never a model instance, so nothing in a template can walk an ORM
relation or call a method.

The sandbox (Jinja2's `ImmutableSandboxedEnvironment`, tightened further) gives a template
nothing but its context:

- no globals (`range`, `lipsum`, `cycler`, `namespace`, ... are gone) and a short list of
  filters (`FILTERS`), each safe on any input;
- attributes are keys of dicts (or the loop's counters); a name that starts with an underscore,
  a method, a call (other than `loop.cycle()` and `loop.changed()`) is refused;
- no `set`, `with`, `macro`, `call`, `include`, `import`, `extends`, `block`, recursive loops;
- limits: `MAX_ITERATIONS` loop turns, `MAX_OUTPUT` characters (also on `*`, `join` and
  `replace` before they build a string), `**` and `%` bounded, `TIME_LIMIT` seconds of wall
  time; passing one is a `TemplateRenderError`, never a hang.

`validate(kind, text)` is what the editor calls on save: syntax errors, refused constructs and
placeholders the kind does not declare, each with its line. `render` and `render_html` turn a
template and a context into text in a language and time zone; `render_for` does it for one
recipient (their language and zone), `preview` for the editor on a real record. See
docs/development/message-builder.md.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, wraps
from typing import Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import formats, translation
from django.utils import timezone as dj_timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from jinja2 import Template, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.runtime import ChainableUndefined, Context, LoopContext, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape

from . import clock, money
from .http import site_url
from .registry import get_registry
from .timezones import as_zone, zone_for

# --- limits ----------------------------------------------------------------------------------

MAX_TEMPLATE = 50_000  # characters of template text
MAX_OUTPUT = 100_000  # characters of rendered text, and of any string or list built on the way
MAX_ITERATIONS = 100_000  # loop turns in one rendering, all loops together
MAX_POWER_BITS = 4_096  # the largest number `**` may produce, in bits
TIME_LIMIT = 1.0  # seconds of wall time for one rendering
MAX_WORK = 2_000_000  # characters (and list items) the operations of one rendering may build

# --- declaring kinds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Placeholder:
    """A value a kind offers: `path` as written in a template ("contact.name"); items of a
    list as `lines[].product` (written `{% for line in lines %}{{ line.product }}`), and a list
    of plain values as `tags[]`. `label` and `example` are shown by the editor."""

    path: str
    label: Any = ""
    example: Any = ""

    @property
    def snippet(self) -> str:
        """How an author writes it: "{{ contact.name }}", or for an item of a list
        "{% for item in lines %}{{ item.product }}{% endfor %}"."""
        if "[]" not in self.path:
            return "{{ " + self.path + " }}"
        outer, _, rest = self.path.partition("[]")
        inner = f"item{rest}" if rest else "item"
        if "[]" in rest:  # a list in a list item: the editor shows the outer loop only
            inner = f"item{rest.partition('[]')[0]}"
        return "{% for item in " + outer + " %}{{ " + inner + " }}{% endfor %}"


Builder = Callable[..., Mapping[str, Any]]


@dataclass(frozen=True)
class TemplateKind:
    """A kind of record templates are written for ("sales.quotation", "tasks.reminder").

    `build(record, *, recipient, actor, extra) -> dict` (a callable or its dotted path) makes
    the context of one record, reading what it needs through the access entry point; the
    engine adds the `COMMON_PLACEHOLDERS` (recipient, actor, today) unless it sets them.
    `model_label` ("contacts.contact") names the model whose records it takes, if any.
    """

    key: str
    label: Any
    placeholders: Sequence[Placeholder]
    build: Builder | str
    model_label: str | None = None

    @property
    def all_placeholders(self) -> list[Placeholder]:
        """The kind's placeholders, then the common ones it does not declare itself."""
        own = {placeholder.path for placeholder in self.placeholders}
        return list(self.placeholders) + [p for p in COMMON_PLACEHOLDERS if p.path not in own]

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(placeholder.path for placeholder in self.all_placeholders)

    def builder(self) -> Builder:
        return import_string(self.build) if isinstance(self.build, str) else self.build

    def example_context(self) -> dict[str, Any]:
        """A context made of the placeholders' examples, for previews without a record."""
        context: dict[str, Any] = {}
        for placeholder in self.all_placeholders:
            _put_example(context, placeholder.path.split("."), placeholder.example)
        if context.get("today") is None:
            context["today"] = _today()
        return context


def _put_example(target: dict[str, Any], parts: list[str], example: Any) -> None:
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        items = target.setdefault(head[:-2], [])
        if not isinstance(items, list):
            return
        if not rest:
            items.append(example)
            return
        if not items or not isinstance(items[0], dict):
            items[:] = [{}]
        _put_example(items[0], rest, example)
    elif rest:
        inner = target.setdefault(head, {})
        if isinstance(inner, dict):
            _put_example(inner, rest, example)
    else:
        target.setdefault(head, example)


def _today() -> datetime.date:
    return clock.today()


# Offered by every kind (`build_context` fills them): who reads the message, who sends it.
COMMON_PLACEHOLDERS: list[Placeholder] = [
    Placeholder("recipient.name", _lazy("Recipient's name"), "Rana Haddad"),
    Placeholder("recipient.first_name", _lazy("Recipient's first name"), "Rana"),
    Placeholder("recipient.email", _lazy("Recipient's e-mail"), "rana@example.com"),
    Placeholder("actor.name", _lazy("Sender's name"), "Omar Saleh"),
    Placeholder("actor.first_name", _lazy("Sender's first name"), "Omar"),
    Placeholder("actor.email", _lazy("Sender's e-mail"), "omar@example.com"),
    Placeholder("today", _lazy("Today's date"), None),
]

# Kinds declared outside a module.py (tests, scripts); module.py's go to the registry.
_kinds: dict[str, TemplateKind] = {}
_kinds_lock = threading.Lock()


def register_kind(kind: TemplateKind) -> None:
    """Declare a kind outside a module.py (a module declares its kinds with
    `registry.template_kind(kind)`); it takes the place of a declared kind with its key."""
    if not kind.key:
        raise ValueError("A template kind needs a key.")
    with _kinds_lock:
        _kinds[kind.key] = kind


def unregister_kind(key: str) -> None:
    """Forget a kind declared with `register_kind` (for tests that declare their own)."""
    with _kinds_lock:
        _kinds.pop(key, None)


def _declared() -> dict[str, TemplateKind]:
    return {**get_registry().template_kinds, **_kinds}


def get_kind(key: str) -> TemplateKind:
    """The kind declared under `key`; LookupError when no module declares it."""
    try:
        return _declared()[key]
    except KeyError:
        raise LookupError(f"No template kind {key!r} is declared.") from None


def all_kinds() -> list[TemplateKind]:
    """Every declared kind, in the order the modules declared them."""
    return list(_declared().values())


def kind_choices() -> list[tuple[str, str]]:
    """(key, label) of every kind, for a form's choice field."""
    return [(kind.key, str(kind.label)) for kind in all_kinds()]


def _as_kind(kind: TemplateKind | str | None) -> TemplateKind | None:
    if kind is None or isinstance(kind, TemplateKind):
        return kind
    return get_kind(kind)


# --- contexts of plain data -----------------------------------------------------------------

_SCALARS = (str, int, float, Decimal, datetime.date, datetime.time, type(None))


def plain(value: Any, *, where: str = "context", depth: int = 0) -> Any:
    """`value` as plain data (dicts with string keys, lists, strings, numbers, dates, None);
    TypeError for anything else, such as a model instance, so a build function cannot hand a
    template an object whose methods or relations it could reach."""
    if depth > 20:
        raise TypeError(f"{where}: nested too deep for a template context.")
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass (TextChoices, Markup) as a plain string
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, Promise):  # a lazy translation
        return str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys of a template context are strings, not {key!r}.")
            result[key] = plain(item, where=f"{where}.{key}", depth=depth + 1)
        return result
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item, where=f"{where}[]", depth=depth + 1) for item in value]
    raise TypeError(
        f"{where}: a {type(value).__name__} is not plain data; put its values in the context "
        "(dicts, lists, strings, numbers, dates), never the object."
    )


def person(who: Any) -> dict[str, str]:
    """A user, an employee or anyone with a name and an e-mail, as a template sees a person:
    `name` (the employee name in the active language, else the account's full name or user
    name), `first_name` and `email`. None gives empty values."""
    if who is None or (hasattr(who, "is_authenticated") and not who.is_authenticated):
        return {"name": "", "first_name": "", "email": ""}
    employee = None
    if hasattr(who, "get_full_name"):  # a user account
        try:
            employee = getattr(who, "employee", None)
        except ObjectDoesNotExist:  # an account with no employee
            employee = None
    else:
        employee = who
    user = who if hasattr(who, "get_full_name") else getattr(who, "user", None)
    name = ""
    if employee is not None:
        name = str(getattr(employee, "display_name", "") or getattr(employee, "name", "") or "")
    if not name and user is not None:
        name = user.get_full_name() or getattr(user, "username", "")
    first = str(getattr(user, "first_name", "") or "") if user is not None else ""
    if not first:
        first = name.split()[0] if name.split() else ""
    email = str(getattr(employee, "email", "") or "") if employee is not None else ""
    if not email and user is not None:
        email = str(getattr(user, "email", "") or "")
    return {"name": name, "first_name": first, "email": email}


def record_link(record: Any) -> str:
    """The address of `record`'s page (`get_absolute_url()`), absolute when the setting
    `SITE_URL` ("https://crm.example.com") is set; "" for a record without a page."""
    getter = getattr(record, "get_absolute_url", None)
    if getter is None:
        return ""
    return site_url(str(getter()))


def build_context(
    kind: TemplateKind | str,
    record: Any,
    *,
    recipient: Any = None,
    actor: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The context of `record` for `kind`: its build function's values, plus `recipient`,
    `actor` (as `person`) and `today` where the build function did not set them."""
    resolved = _as_kind(kind)
    assert resolved is not None
    values = dict(
        resolved.builder()(record, recipient=recipient, actor=actor, extra=dict(extra or {}))
    )
    values.setdefault("recipient", person(recipient))
    values.setdefault("actor", person(actor))
    values.setdefault("today", _today())
    return plain(values)


# --- errors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateError:
    """What is wrong with a template: `line` (1-based, None when not tied to one), a
    translated `message`, and the `placeholder` concerned, if any."""

    line: int | None
    message: str
    placeholder: str | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class TemplateRenderError(Exception):
    """A template could not be rendered (refused, over a limit, or failed on the data); the
    message is translated and may be shown to the template's author."""

    def __init__(self, message: str, *, errors: Sequence[TemplateError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


class _Refused(SecurityError):
    """Raised inside a rendering; its message is already translated."""


# --- the sandbox ----------------------------------------------------------------------------

# What a loop's `loop` offers; `cycle` and `changed` are the only calls a template makes.
LOOP_ATTRIBUTES = frozenset(
    {
        "index",
        "index0",
        "revindex",
        "revindex0",
        "first",
        "last",
        "length",
        "depth",
        "depth0",
        "previtem",
        "nextitem",
        "cycle",
        "changed",
    }
)
LOOP_CALLS = frozenset({"cycle", "changed"})
# Names the template runtime itself puts in a context.
RESERVED_NAMES = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})
_ITERATE = "tawasul_iterate"  # the internal filter every loop's sequence goes through
_CONCAT = "tawasul_concat"  # and the one every `~` goes through


@dataclass
class _Budget:
    deadline: float
    iterations: int = 0
    work: int = 0

    def spend(self, size: int) -> None:
        self.work += size
        if self.work > MAX_WORK:
            raise _Refused(_("The template does too much work to render."))
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise _Refused(_("The template took too long to render."))

    def iterate(self, values: Iterable[Any]) -> Iterator[Any]:
        for value in values:
            self.iterations += 1
            if self.iterations > MAX_ITERATIONS:
                raise _Refused(
                    _("The template's loops repeat more than %(n)s times.") % {"n": MAX_ITERATIONS}
                )
            self.check_time()
            yield value


_budget: ContextVar[_Budget | None] = ContextVar("tawasul_template_budget", default=None)


def _iterate(value: Any) -> Any:
    budget = _budget.get()
    if budget is None:  # compiled templates are only rendered through `_render`
        raise _Refused(_("The template could not be rendered."))
    if isinstance(value, Undefined):
        return value
    return budget.iterate(value)


def _spend(size: int) -> None:
    budget = _budget.get()
    if budget is not None:
        budget.spend(size)


def _weight(value: Any, limit: int = MAX_OUTPUT) -> int:
    """About how many characters `value` prints as, counted up to just past `limit` (so a
    list that repeats a large list is measured without being printed)."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            total += abs(item).bit_length() // 3 + 1
        else:
            total += 25
    return total


def _text(value: Any) -> str:
    """`str(value)`, refused first when it would be longer than `MAX_OUTPUT`."""
    if isinstance(value, str):
        return value  # as it is (Markup stays Markup)
    if isinstance(value, list | tuple | set | frozenset | Mapping) and _weight(value) > MAX_OUTPUT:
        raise _too_long()
    return str(value)


def _too_long() -> _Refused:
    return _Refused(
        _("The template would make a text longer than %(n)s characters.") % {"n": MAX_OUTPUT}
    )


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _multiply(left: Any, right: Any) -> Any:
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(count, int) and count > 0:
            if _weight(sequence, MAX_OUTPUT // count + 1) * count > MAX_OUTPUT:
                raise _too_long()
    if isinstance(left, int) and isinstance(right, int):
        if abs(left).bit_length() + abs(right).bit_length() > MAX_POWER_BITS:
            raise _Refused(_("A number in the template grew too large."))
    result = left * right
    _spend(_size(result))
    return result


def _power(left: Any, right: Any) -> Any:
    if isinstance(right, int | float | Decimal) and isinstance(left, int | float | Decimal):
        exponent = abs(Decimal(str(right)))
        base_bits = abs(int(left)).bit_length()
        if exponent > 1 and base_bits > 1 and base_bits * exponent > MAX_POWER_BITS:
            raise _Refused(_("A number in the template grew too large."))
    return left**right


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, str | list | tuple) and _weight(left) + _weight(right) > MAX_OUTPUT:
        raise _too_long()
    result = left + right
    _spend(_size(result))
    return result


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):  # "%s" % value: formatting is the filters' job
        raise _Refused(_("Text cannot be formatted with “%”; use the filters."))
    return left % right


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, reduced to dict keys, loop counters and safe filters."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(
            autoescape=html,
            undefined=ChainableUndefined,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            cache_size=0,
        )
        self.globals.clear()
        self.filters = _safe_filters(html=html)
        self.binop_table.update({"+": _add, "*": _multiply, "**": _power, "%": _modulo})

    def getattr(self, obj: Any, attribute: str) -> Any:
        _refuse_private(attribute)
        if isinstance(obj, Undefined):
            return self.undefined(obj=obj, name=attribute)
        if isinstance(obj, Mapping):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext) and attribute in LOOP_ATTRIBUTES:
            return getattr(obj, attribute)
        raise _Refused(
            _("“%(name)s” is not a placeholder: only records have attributes.")
            % {"name": attribute}
        )

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, str):
            return self.getattr(obj, argument)
        if isinstance(obj, Undefined):
            return self.undefined(obj=obj, name=str(argument))
        if isinstance(obj, list | tuple | str) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except (IndexError, TypeError, ValueError):
                return self.undefined(obj=obj, name=str(argument))
        return self.undefined(obj=obj, name=str(argument))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, LoopContext) and getattr(__obj, "__name__", "") in LOOP_CALLS:
            return __context.call(__obj, *args, **kwargs)
        raise _Refused(_("A message template cannot call functions."))


def _refuse_private(name: str) -> None:
    if name.startswith("_"):
        raise _Refused(_("Names that start with an underscore are not allowed."))


# --- filters --------------------------------------------------------------------------------

_DATE_FORMATS = {None: "DATE_FORMAT", "": "DATE_FORMAT", "short": "SHORT_DATE_FORMAT"}
_DATETIME_FORMATS = {
    None: "DATETIME_FORMAT",
    "": "DATETIME_FORMAT",
    "short": "SHORT_DATETIME_FORMAT",
}
_TIME_FORMATS = {None: "TIME_FORMAT", "": "TIME_FORMAT"}


def _missing(value: Any) -> bool:
    return value is None or isinstance(value, Undefined) or value == ""


def _local(value: datetime.datetime) -> datetime.datetime:
    return dj_timezone.localtime(value) if dj_timezone.is_aware(value) else value


def _filter_date(value: Any, format: str | None = None) -> str:
    """A date (or a moment, on its day in the render's zone) in the active language:
    `date`, `date('short')` or a Django date format such as `date('d/m/Y')`."""
    if _missing(value):
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    if not isinstance(value, datetime.date):
        raise _Refused(_("“date” formats dates only."))
    return formats.date_format(value, _DATE_FORMATS.get(format, format))


def _filter_datetime(value: Any, format: str | None = None) -> str:
    """A moment in the render's time zone and the active language."""
    if _missing(value):
        return ""
    if not isinstance(value, datetime.datetime):
        if isinstance(value, datetime.date):
            return _filter_date(value)
        raise _Refused(_("“datetime” formats dates and times only."))
    return formats.date_format(_local(value), _DATETIME_FORMATS.get(format, format))


def _filter_time(value: Any, format: str | None = None) -> str:
    """The time of a moment (in the render's zone), or a time of day."""
    if _missing(value):
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).time()
    if not isinstance(value, datetime.time):
        raise _Refused(_("“time” formats times only."))
    return formats.time_format(value, _TIME_FORMATS.get(format, format))


def _number_value(value: Any) -> Decimal | int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _Refused(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, str):
        try:
            return money.to_decimal(value)
        except ValueError:
            raise _Refused(_("“%(value)s” is not a number.") % {"value": value}) from None
    return value


def _filter_number(value: Any, decimals: int | None = None) -> str:
    """A number with the active language's separators: `number`, `number(2)` (at most
    20 places, so a template cannot pad a number with a million zeros)."""
    if _missing(value):
        return ""
    if decimals is not None and (
        not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 20
    ):
        raise _Refused(_("A number is shown with 0 to 20 decimal places."))
    return formats.number_format(
        _number_value(value), decimal_pos=decimals, use_l10n=True, force_grouping=True
    )


def _filter_money(value: Any, currency: str | None = None) -> str:
    """An amount rounded to its currency's unit, grouped, with the currency code:
    `amount|money('SAR')`, or `total|money` on a dict with `amount` and `currency`."""
    if isinstance(value, Mapping):
        currency = currency or value.get("currency")
        value = value.get("amount")
    if _missing(value):
        return ""
    amount = _number_value(value)
    if isinstance(amount, float):
        amount = Decimal(str(amount))
    code = str(currency or "").strip().upper()
    if not code:
        return formats.number_format(amount, use_l10n=True, force_grouping=True)
    try:
        rounded = money.quantize(amount, code)
        places = money.minor_unit(code)
    except ValueError:
        raise _Refused(_("“%(value)s” is not a currency code.") % {"value": currency}) from None
    shown = formats.number_format(rounded, decimal_pos=places, use_l10n=True, force_grouping=True)
    return f"{shown} {code}"


def _filter_default(value: Any, fallback: Any = "") -> Any:
    """`value`, or `fallback` when it is missing, None or empty text."""
    return fallback if _missing(value) else value


def _filter_join(value: Any, separator: str = "", attribute: str | int | None = None) -> str:
    """Jinja's `join`, refused before it builds a text longer than `MAX_OUTPUT`."""
    if isinstance(value, Undefined) or value is None:
        return ""
    items = list(value)
    if attribute is not None:
        items = [_item_attribute(item, attribute) for item in items]
    markup = any(hasattr(item, "__html__") for item in items)  # escaped items stay escaped once
    texts = [escape(_text(_finalize(item))) if markup else _text(_finalize(item)) for item in items]
    if sum(map(len, texts)) + len(str(separator)) * max(len(texts) - 1, 0) > MAX_OUTPUT:
        raise _too_long()
    if markup:
        return Markup(escape(separator)).join(texts)
    return str(separator).join(texts)


def _item_attribute(item: Any, attribute: str | int) -> Any:
    for part in str(attribute).split(".") if isinstance(attribute, str) else [attribute]:
        item = _ENV_TEXT.getitem(
            item, int(part) if isinstance(part, str) and part.isdigit() else part
        )
    return item


def _filter_replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    """Jinja's `replace`, refused before it builds a text longer than `MAX_OUTPUT`."""
    text, old, new = _text(_finalize(value)), str(old), str(new)
    hits = (len(text) + 1) if old == "" else text.count(old)
    if count is not None and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * max(len(new) - len(old), 0) > MAX_OUTPUT:
        raise _too_long()
    return text.replace(old, new, -1 if count is None else count)


# Jinja's own filters that cannot amplify their input (no padding, batching or formatting).
_JINJA_SAFE = (
    "abs",
    "capitalize",
    "count",
    "dictsort",
    "e",
    "escape",
    "first",
    "float",
    "int",
    "items",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "reverse",
    "round",
    "select",
    "selectattr",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "urlencode",
    "wordcount",
)

# Those of them that turn their value into text.
_PRINTS = frozenset(
    {"capitalize", "e", "escape", "lower", "string", "striptags", "title", "trim", "truncate"}
    | {"upper", "urlencode", "wordcount"}
)

_OWN_FILTERS: dict[str, Callable[..., Any]] = {
    "date": _filter_date,
    "datetime": _filter_datetime,
    "time": _filter_time,
    "number": _filter_number,
    "money": _filter_money,
    "default": _filter_default,
    "join": _filter_join,
    "replace": _filter_replace,
}

# The filters a template may use, by name (the editor lists them).
FILTERS: tuple[str, ...] = tuple(sorted(set(_JINJA_SAFE) | set(_OWN_FILTERS)))


def _bounded(function: Callable[..., Any], *, prints: bool = False) -> Callable[..., Any]:
    """`function` refused when its result is a text or list longer than `MAX_OUTPUT`, so no
    chain of filters (escaping an escaped text, ...) grows without bound; what it builds
    counts towards `MAX_WORK`. `prints`: it turns its value into text, which is refused first
    when it would be too long (a list that repeats a large list)."""

    @wraps(function)  # keeps Jinja's pass_context/pass_environment marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if prints:
            for arg in args:
                if isinstance(arg, list | tuple | set | frozenset | Mapping):
                    _text(arg)
        result = function(*args, **kwargs)
        size = _size(result)
        if size > MAX_OUTPUT:
            raise _too_long()
        _spend(size)
        return result

    return bounded


def _concat_text(parts: list[Any]) -> str:
    texts = [_text(_finalize(part)) for part in parts]
    size = sum(map(len, texts))
    if size > MAX_OUTPUT:
        raise _too_long()
    _spend(size)
    return "".join(texts)


def _concat_html(parts: list[Any]) -> Markup:
    return Markup(_concat_text([escape(_text(_finalize(part))) for part in parts]))


def _safe_filters(*, html: bool) -> dict[str, Callable[..., Any]]:
    found = {name: _bounded(JINJA_FILTERS[name], prints=name in _PRINTS) for name in _JINJA_SAFE}
    found.update({name: _bounded(function) for name, function in _OWN_FILTERS.items()})
    found[_ITERATE] = _iterate
    found[_CONCAT] = _concat_html if html else _concat_text
    return found


def _finalize(value: Any) -> Any:
    """How a value prints: dates and moments by the active language and zone, None as ""."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return _filter_datetime(value)
    if isinstance(value, datetime.date):
        return _filter_date(value)
    if isinstance(value, datetime.time):
        return _filter_time(value)
    if isinstance(value, list | tuple | set | frozenset | Mapping):
        _text(value)  # refused before Jinja prints it, if too long
    return value


_ENV_TEXT = SandboxEnvironment(html=False)
_ENV_HTML = SandboxEnvironment(html=True)


# --- checking a template ----------------------------------------------------------------------

# Statements a message template may not use, with the tag an author would recognise.
_FORBIDDEN: dict[type[nodes.Node], str] = {
    nodes.Assign: "set",
    nodes.AssignBlock: "set",
    nodes.With: "with",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Block: "block",
    nodes.Extends: "extends",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from … import",
    nodes.ScopedEvalContextModifier: "autoescape",
    nodes.EvalContextModifier: "autoescape",
    nodes.ExprStmt: "do",
    nodes.FilterBlock: "filter",
    nodes.Break: "break",
    nodes.Continue: "continue",
    nodes.Scope: "scope",
    nodes.OverlayScope: "scope",
}
_ALLOWED = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Const,
    nodes.Name,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.For,
    nodes.If,
    nodes.CondExpr,
    nodes.Filter,
    nodes.Test,
    nodes.Compare,
    nodes.Operand,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Neg,
    nodes.Pos,
    nodes.BinExpr,
    nodes.Concat,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Keyword,
    nodes.Call,
)
# Filters that keep the items of a list (the result is still `path`), and that pick one item.
_SAME_ITEMS = frozenset({"sort", "reverse", "unique", "list", "select", "reject"})
_SAME_ITEMS_BY_ATTRIBUTE = frozenset({"selectattr", "rejectattr"})
_ONE_ITEM = frozenset({"first", "last", "min", "max"})
# Filters that may take a whole record: they show none of its keys.
_WHOLE_RECORD_FILTERS = frozenset({"length", "count"})
# Filters that read an item's key named by a string: (positional index of it, or None).
_ATTRIBUTE_ARGUMENT = {
    "map": None,
    "selectattr": 0,
    "rejectattr": 0,
    "sort": None,
    "sum": None,
    "min": None,
    "max": None,
    "unique": None,
    "join": 1,
}


@dataclass(frozen=True)
class _Ref:
    """What an expression is to the checker: a placeholder path (`path`, as written `shown`),
    the loop variable, or a value it cannot follow further (`path` None)."""

    path: str | None
    shown: str
    loop: bool = False


_OPAQUE = _Ref(None, "")


@dataclass
class _Checker:
    """Walks a parsed template: refused constructs always, undeclared placeholders when
    `paths` is given. `used` collects the placeholder paths met."""

    paths: frozenset[str] | None
    errors: list[TemplateError] = field(default_factory=list)
    used: list[str] = field(default_factory=list)
    _seen: set[tuple[int | None, str]] = field(default_factory=set)

    def error(self, node: nodes.Node | None, message: str, placeholder: str | None = None) -> None:
        line = getattr(node, "lineno", None)
        if (line, message) not in self._seen:
            self._seen.add((line, message))
            self.errors.append(TemplateError(line, message, placeholder))

    def known(self, path: str) -> bool:
        assert self.paths is not None
        if path in self.paths:
            return True
        return any(p.startswith(path + ".") or p.startswith(path + "[]") for p in self.paths)

    def is_record(self, ref: _Ref) -> bool:
        """Whether `ref` is a whole record (a dict the kind offers only some keys of)."""
        if self.paths is None or ref.path is None or ref.path in self.paths:
            return False
        prefix = ref.path + "."
        return any(p.startswith(prefix) for p in self.paths) and not any(
            p.startswith(ref.path + "[]") for p in self.paths
        )

    def check_path(self, node: nodes.Node, ref: _Ref) -> None:
        if ref.path is None or ref.loop:
            return
        if ref.path not in self.used:
            self.used.append(ref.path)
        if self.paths is None or self.known(ref.path):
            return
        self.error(
            node,
            _("“%(name)s” is not a placeholder of this kind of template.") % {"name": ref.shown},
            ref.path,
        )

    def check_whole(self, node: nodes.Node, ref: _Ref) -> None:
        """A whole record printed or filtered would show keys the kind does not offer."""
        if self.is_record(ref):
            self.error(
                node,
                _("“%(name)s” is a record: use one of its placeholders, such as %(example)s.")
                % {"name": ref.shown, "example": self.example_of(ref)},
                ref.path,
            )

    def example_of(self, ref: _Ref) -> str:
        assert self.paths is not None and ref.path is not None
        for path in sorted(self.paths):
            if path.startswith(ref.path + "."):
                return f"“{ref.shown}{path[len(ref.path) :]}”"
        return ""

    # --- statements and expressions ---

    def visit(self, node: nodes.Node, scope: dict[str, _Ref], *, printed: bool = True) -> None:
        """Check `node`; `printed` False where its value is only tested (`if`, `not`, `is`,
        comparisons), the one place a whole record may stand."""
        if isinstance(node, nodes.Scope) and node.find(nodes.ScopedEvalContextModifier):
            node = node.find(nodes.ScopedEvalContextModifier) or node  # {% autoescape %}
        if type(node) in _FORBIDDEN:
            self.error(
                node,
                _("“{%% %(tag)s %%}” is not allowed in a message template.")
                % {"tag": _FORBIDDEN[type(node)]},
            )
            return
        if not isinstance(node, _ALLOWED):
            self.error(
                node,
                _("“%(what)s” is not allowed in a message template.")
                % {"what": type(node).__name__},
            )
            return
        if isinstance(node, nodes.For):
            self.visit_for(node, scope)
        elif isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem | nodes.Filter):
            ref = self.expression(node, scope)
            if printed:
                self.check_whole(node, ref)
        elif isinstance(node, nodes.Call):
            self.visit_call(node, scope)
        elif isinstance(node, nodes.Test):
            self.visit_test(node, scope)
        elif isinstance(node, nodes.If):
            self.visit(node.test, scope, printed=False)
            for child in [*node.body, *node.elif_, *node.else_]:
                self.visit(child, scope)
        elif isinstance(node, nodes.CondExpr):
            self.visit(node.test, scope, printed=False)
            for branch in (node.expr1, node.expr2):
                if branch is not None:
                    self.visit(branch, scope, printed=printed)
        elif isinstance(node, nodes.Not | nodes.Compare | nodes.Operand):
            for child in node.iter_child_nodes():
                self.visit(child, scope, printed=False)
        elif isinstance(node, nodes.And | nodes.Or):  # they answer one of their operands
            for child in node.iter_child_nodes():
                self.visit(child, scope, printed=printed)
        else:
            for child in node.iter_child_nodes():
                self.visit(child, scope)

    def visit_for(self, node: nodes.For, scope: dict[str, _Ref]) -> None:
        if node.recursive:
            self.error(node, _("Recursive loops are not allowed in a message template."))
        items = self.expression(node.iter, scope)
        self.check_whole(node.iter, items)
        inner = dict(scope)
        targets = [node.target] if isinstance(node.target, nodes.Name) else []
        if isinstance(node.target, nodes.Tuple):
            targets = [item for item in node.target.items if isinstance(item, nodes.Name)]
        for target in targets:
            _check_name(self, target)
            if isinstance(node.target, nodes.Name) and items.path is not None:
                inner[target.name] = _Ref(items.path + "[]", target.name)
            else:
                inner[target.name] = _Ref(None, target.name)
        if node.test is not None:
            self.visit(node.test, inner, printed=False)
        body_scope = dict(inner)
        body_scope["loop"] = _Ref(None, "loop", loop=True)
        for child in node.body:
            self.visit(child, body_scope)
        for child in node.else_:
            self.visit(child, scope)

    def visit_call(self, node: nodes.Call, scope: dict[str, _Ref]) -> None:
        func = node.node
        if (
            isinstance(func, nodes.Getattr)
            and func.attr in LOOP_CALLS
            and isinstance(func.node, nodes.Name)
            and scope.get(func.node.name, _OPAQUE).loop
        ):
            for child in [*node.args, *node.kwargs]:
                self.visit(child, scope)
            for extra in (node.dyn_args, node.dyn_kwargs):
                if extra is not None:
                    self.visit(extra, scope)
            return
        self.error(node, _("A message template cannot call functions."))

    def visit_test(self, node: nodes.Test, scope: dict[str, _Ref]) -> None:
        if node.name not in _ENV_TEXT.tests:
            self.error(node, _("There is no test “%(name)s”.") % {"name": node.name})
        self.visit(node.node, scope, printed=False)
        for child in [*node.args, *node.kwargs]:
            self.visit(child, scope)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self.visit(extra, scope)

    def expression(self, node: nodes.Node, scope: dict[str, _Ref]) -> _Ref:
        """Check `node` and answer what it refers to."""
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem | nodes.Filter):
            ref = self.ref(node, scope)
            self.check_path(node, ref)
            return ref
        self.visit(node, scope)
        return _OPAQUE

    # --- references ---

    def ref(self, node: nodes.Node, scope: dict[str, _Ref]) -> _Ref:
        """What a Name/Getattr/Getitem/Filter chain refers to; checks what hangs off it."""
        if isinstance(node, nodes.Name):
            _check_name(self, node)
            if node.name in scope:
                return scope[node.name]
            if node.name in RESERVED_NAMES:
                return _OPAQUE
            return _Ref(node.name, node.name)
        if isinstance(node, nodes.Getattr):
            return self.member(node, self.ref(node.node, scope), node.attr)
        if isinstance(node, nodes.Getitem):
            base = self.ref(node.node, scope)
            arg = node.arg
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
                return self.member(node, base, arg.value)
            if isinstance(arg, nodes.Slice):
                self.visit(arg, scope)
                return base
            if not (isinstance(arg, nodes.Const) and isinstance(arg.value, int)):
                self.visit(arg, scope)
            if base.path is None:
                return _OPAQUE
            index = arg.value if isinstance(arg, nodes.Const) else "…"
            return _Ref(base.path + "[]", f"{base.shown}[{index}]")
        if isinstance(node, nodes.Filter):
            return self.filter_ref(node, scope)
        self.visit(node, scope)
        return _OPAQUE

    def member(self, node: nodes.Node, base: _Ref, name: str) -> _Ref:
        if name.startswith("_"):
            self.error(node, _("Names that start with an underscore are not allowed."), name)
            return _OPAQUE
        if base.loop:
            if name not in LOOP_ATTRIBUTES:
                self.error(node, _("“loop.%(name)s” does not exist.") % {"name": name})
            return _OPAQUE
        if base.path is None:
            if self.paths is not None:
                self.error(
                    node,
                    _("“%(name)s” is not a placeholder: only records have attributes.")
                    % {"name": name},
                    name,
                )
            return _OPAQUE
        return _Ref(f"{base.path}.{name}", f"{base.shown}.{name}")

    def filter_ref(self, node: nodes.Filter, scope: dict[str, _Ref]) -> _Ref:
        if node.name not in FILTERS:
            self.error(node, _("There is no filter “%(name)s”.") % {"name": node.name})
        base = self.expression(node.node, scope) if node.node is not None else _OPAQUE
        if node.name not in _WHOLE_RECORD_FILTERS:
            self.check_whole(node, base)
        for child in [*node.args, *node.kwargs]:
            self.visit(child, scope)
        for extra in (node.dyn_args, node.dyn_kwargs):
            if extra is not None:
                self.visit(extra, scope)
                self.error(node, _("Arguments of a filter are written out one by one."))
        self.check_filter_arguments(node, base)
        if base.path is None:
            return _OPAQUE
        if node.name in _SAME_ITEMS or node.name in _SAME_ITEMS_BY_ATTRIBUTE:
            return base
        if node.name in _ONE_ITEM:
            return _Ref(base.path + "[]", f"({base.shown}|{node.name})")
        return _OPAQUE

    def check_filter_arguments(self, node: nodes.Filter, base: _Ref) -> None:
        """Keys named by strings (`map(attribute='product')`), filter and test names."""
        name = node.name
        if name in ("select", "reject") and node.args:
            self.named(node, node.args[0], _ENV_TEXT.tests, _("There is no test “%(name)s”."))
        if name in ("selectattr", "rejectattr") and len(node.args) > 1:
            self.named(node, node.args[1], _ENV_TEXT.tests, _("There is no test “%(name)s”."))
        if name not in _ATTRIBUTE_ARGUMENT:
            return
        attribute: nodes.Node | None = None
        position = _ATTRIBUTE_ARGUMENT[name]
        for keyword in node.kwargs:
            if keyword.key == "attribute":
                attribute = keyword.value
        if attribute is None and position is not None and len(node.args) > position:
            attribute = node.args[position]
        if attribute is None:
            if name == "map" and node.args:
                self.named(node, node.args[0], FILTERS, _("There is no filter “%(name)s”."))
            return
        if not isinstance(attribute, nodes.Const) or not isinstance(attribute.value, str | int):
            self.error(node, _("The key a filter reads must be written out."))
            return
        parts = str(attribute.value).split(".")
        if any(part.startswith("_") for part in parts):
            self.error(node, _("Names that start with an underscore are not allowed."))
            return
        if base.path is None:
            return
        path = base.path + "[]"
        for part in parts:
            path += "[]" if part.isdigit() else f".{part}"
        self.check_path(node, _Ref(path, f"{base.shown}[].{attribute.value}"))

    def named(self, node: nodes.Node, arg: nodes.Node, names: Iterable[str], message: str) -> None:
        if not isinstance(arg, nodes.Const) or arg.value not in set(names):
            shown = arg.value if isinstance(arg, nodes.Const) else "…"
            self.error(node, message % {"name": shown})


def _check_name(checker: _Checker, node: nodes.Name) -> None:
    if node.name.startswith("_"):
        checker.error(node, _("Names that start with an underscore are not allowed."), node.name)
    elif node.name in RESERVED_NAMES - {"loop"}:
        checker.error(
            node,
            _("“%(name)s” is not a placeholder of this kind of template.") % {"name": node.name},
            node.name,
        )


def _parse(text: str, env: SandboxEnvironment) -> tuple[nodes.Template | None, list[TemplateError]]:
    if len(text) > MAX_TEMPLATE:
        message = _("A template has at most %(n)s characters.") % {"n": MAX_TEMPLATE}
        return None, [TemplateError(None, message)]
    try:
        return env.parse(text), []
    except TemplateSyntaxError as exc:
        reason = exc.message or ""
        return None, [TemplateError(exc.lineno, _("Syntax error: %(reason)s") % {"reason": reason})]
    except (RecursionError, MemoryError):
        return None, [TemplateError(None, _("The template is nested too deeply."))]


def _check(tree: nodes.Template, paths: frozenset[str] | None) -> list[TemplateError]:
    checker = _Checker(paths)
    try:
        checker.visit(tree, {})
    except RecursionError:
        checker.errors.append(TemplateError(None, _("The template is nested too deeply.")))
    return sorted(checker.errors, key=lambda error: error.line or 0)


def validate(kind: TemplateKind | str | None, text: str) -> list[TemplateError]:
    """What is wrong with `text` as a template of `kind` (nothing: an empty list): a syntax
    error, a construct the sandbox refuses, or a placeholder the kind does not declare, each
    with its line. With `kind` None, placeholders are not checked."""
    resolved = _as_kind(kind)
    tree, errors = _parse(str(text), _ENV_TEXT)
    if tree is None:
        return errors
    return _check(tree, resolved.paths if resolved is not None else None)


def placeholders_used(text: str) -> list[str]:
    """The placeholder paths `text` uses, in order of first use ([] when it does not parse)."""
    tree, errors = _parse(str(text), _ENV_TEXT)
    if tree is None:
        return []
    checker = _Checker(None)
    try:
        checker.visit(tree, {})
    except RecursionError:
        return []
    return checker.used


# --- rendering ------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _valid(paths: frozenset[str], text: str) -> bool:
    """Whether `text` validates against `paths` (cached: a sweep renders one template often)."""
    tree, errors = _parse(text, _ENV_TEXT)
    return tree is not None and not _check(tree, paths)


class _Guard(NodeTransformer):
    """Sends every loop's sequence through the budget and every `~` through the size check."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _ITERATE, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        parts = nodes.List(list(node.nodes), lineno=node.lineno)
        return nodes.Filter(parts, _CONCAT, [], [], None, None, lineno=node.lineno)


@lru_cache(maxsize=256)
def _compile(text: str, html: bool) -> Template:
    env = _ENV_HTML if html else _ENV_TEXT
    tree, errors = _parse(text, env)
    if tree is None:
        raise TemplateRenderError(str(errors[0]), errors=errors)
    errors = _check(tree, None)
    if errors:
        raise TemplateRenderError(str(errors[0]), errors=errors)
    _Guard().visit(tree)
    tree.set_environment(env)
    try:
        return env.from_string(tree)
    except (JinjaTemplateError, SyntaxError, RecursionError, MemoryError, ValueError) as exc:
        message = _("The template could not be compiled: %(reason)s") % {"reason": exc}
        raise TemplateRenderError(message) from None


def _zone(value: datetime.tzinfo | str | None) -> datetime.tzinfo | None:
    if value is None or isinstance(value, datetime.tzinfo):
        return value
    zone = as_zone(value)
    if zone is None:
        raise ValueError(f"Not a time zone: {value!r}")
    return zone


def _render(
    kind: TemplateKind | str | None,
    text: str,
    context: Mapping[str, Any],
    *,
    html: bool,
    language: str | None,
    timezone: datetime.tzinfo | str | None,
) -> str:
    resolved = _as_kind(kind)
    text = str(text)
    if resolved is not None and not _valid(resolved.paths, text):
        errors = validate(resolved, text)
        raise TemplateRenderError(str(errors[0]), errors=errors)
    values = plain(context)
    zone = _zone(timezone)
    with ExitStack() as stack:
        if language:
            stack.enter_context(translation.override(language))
        if zone is not None:
            stack.enter_context(dj_timezone.override(zone))
        compiled = _compile(text, html)
        budget = _Budget(deadline=time.monotonic() + TIME_LIMIT)
        token = _budget.set(budget)
        try:
            parts: list[str] = []
            size = 0
            for chunk in compiled.generate(values):
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise _too_long()
                budget.check_time()
                parts.append(chunk)
            return "".join(parts)
        except _Refused as exc:
            raise TemplateRenderError(str(exc.message)) from None
        except TemplateRenderError:
            raise
        except (
            Exception
        ) as exc:  # whatever the template did with the data, the caller hears one error
            reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            message = _("The template could not be rendered: %(reason)s") % {"reason": reason}
            raise TemplateRenderError(message) from None
        finally:
            _budget.reset(token)


def render(
    kind: TemplateKind | str | None,
    text: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    timezone: datetime.tzinfo | str | None = None,
) -> str:
    """`text` rendered over `context` as plain text (no escaping), in `language` and
    `timezone` (the active ones by default). With a `kind` the template is validated first.
    TemplateRenderError (translated message) for anything wrong; TypeError when `context`
    holds something that is not plain data (a programming error)."""
    return _render(kind, text, context, html=False, language=language, timezone=timezone)


def render_html(
    kind: TemplateKind | str | None,
    text: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    timezone: datetime.tzinfo | str | None = None,
) -> str:
    """As `render`, with every value escaped for HTML (an e-mail's HTML part)."""
    return str(
        Markup(_render(kind, text, context, html=True, language=language, timezone=timezone))
    )


def recipient_language(recipient: Any) -> str:
    """The language to write to `recipient` in: their saved choice, else the site's."""
    if (
        recipient is not None
        and getattr(recipient, "pk", None)
        and hasattr(recipient, "get_full_name")
    ):
        # The model by name: the engine is imported before the models are loaded.
        preference = apps.get_model("core", "UserPreference")
        chosen = (
            preference.objects.filter(user_id=recipient.pk)
            .values_list("language", flat=True)
            .first()
        )
        if chosen and translation.check_for_language(chosen):
            return str(chosen)
    return str(settings.LANGUAGE_CODE)


def render_for(
    kind: TemplateKind | str,
    text: str,
    record: Any,
    *,
    recipient: Any,
    actor: Any = None,
    extra: Mapping[str, Any] | None = None,
    html: bool = False,
) -> str:
    """`text` over `record` for one `recipient` (a user): the kind's context, in the
    recipient's language and time zone. TemplateRenderError when it cannot be rendered."""
    language = recipient_language(recipient)
    with translation.override(language):  # names the context holds in the recipient's language
        context = build_context(kind, record, recipient=recipient, actor=actor, extra=extra)
    return _render(kind, text, context, html=html, language=language, timezone=zone_for(recipient))


@dataclass(frozen=True)
class Preview:
    """What the editor shows: the rendered `text`, or the `errors` that prevent it."""

    text: str
    errors: list[TemplateError]

    @property
    def ok(self) -> bool:
        return not self.errors


def preview(
    kind: TemplateKind | str,
    text: str,
    record: Any,
    *,
    user: Any,
    recipient: Any = None,
    language: str | None = None,
    timezone: datetime.tzinfo | str | None = None,
    html: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> Preview:
    """`text` rendered over a real `record` (fetched by the caller through access for `user`;
    the kind's build function reads the rest through access too) as `recipient` (the user by
    default) would read it in `language`; or the errors. With `record` None, the placeholders'
    examples stand in."""
    resolved = _as_kind(kind)
    assert resolved is not None
    errors = validate(resolved, text)
    if errors:
        return Preview(text="", errors=errors)
    reader = recipient if recipient is not None else user
    if record is None:
        context = plain(resolved.example_context())
    else:
        with translation.override(language or translation.get_language()):
            context = build_context(resolved, record, recipient=reader, actor=user, extra=extra)
    try:
        rendered = _render(resolved, text, context, html=html, language=language, timezone=timezone)
    except TemplateRenderError as exc:
        return Preview(text="", errors=exc.errors or [TemplateError(None, exc.message)])
    return Preview(text=rendered, errors=[])
