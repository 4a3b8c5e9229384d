"""Every callback's inputs checked before it runs, in two layers.

Dash passes a callback whatever JSON the browser (or an attacker) posts.

1. **The request** (:func:`check_request`): each input and state value in a
   ``/_dash-update-component`` body is checked by what it is: a control named ``*-team``,
   ``*-staff``, ``*-fy`` ... holds one short text (a financial year like ``2020-21``, a
   date from 1990 to 2100, a count of days up to 366), ``n_clicks`` a whole number,
   ``pathname`` and ``search`` a text, ``*-late-only`` a list of texts.
2. **The callback** (:func:`_checked`): each one is annotated (``fy: str``,
   ``clicks: int | None``), and after Dash has gathered them each is wrapped so that a
   value of the wrong kind for its own hints is refused too.

Either way the answer is HTTP 400 with a sentence, before the callback or the data layer
sees the value. ``None`` is always let through (a cleared select sends it).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash
from flask import Flask, request

from queries.core.errors import QueryError

MAX_TEXT = 1000  # the longest text any filter, search box or commentary field sends
MAX_ITEMS = 500


class BadInput(QueryError):
    """A callback input of the wrong kind: answered with 400."""


def fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` (decoded JSON) is of the kind ``hint`` names."""
    if hint is type(None):
        return value is None
    if value is None or hint is Any or hint is object:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, h) for h in typing.get_args(hint))
    if hint is str:
        return isinstance(value, str) and len(value) <= MAX_TEXT
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**9
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint in (list, tuple) or origin in (list, tuple, Sequence):
        if not isinstance(value, list) or len(value) > MAX_ITEMS:
            return False
        args = typing.get_args(hint)
        return not args or all(fits(v, args[0]) for v in value)
    if hint is dict or origin in (dict, Mapping):
        return isinstance(value, dict) and len(value) <= MAX_ITEMS
    return True  # a hint this does not know: the callback checks for itself


def _checked(entry: Callable[..., Any]) -> Callable[..., Any]:
    func = getattr(entry, "__wrapped__", None)
    if func is None:
        return entry
    try:
        hints = typing.get_type_hints(func)
    except (NameError, TypeError):
        return entry
    names = [
        n
        for n, p in inspect.signature(func).parameters.items()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]

    @functools.wraps(entry)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, value in zip(names, args, strict=False):
            if name in hints and not fits(value, hints[name]):
                raise BadInput(
                    f"The value sent for '{name}' was not understood (expected "
                    f"{_words(hints[name])}). Reload the page and choose from the lists."
                )
        return entry(*args, **kwargs)

    checked.sqa_checked = True  # type: ignore[attr-defined]
    return checked


def _words(hint: Any) -> str:
    return str(hint).replace("typing.", "").replace("<class '", "").replace("'>", "")


FY = re.compile(r"^\d{4}-\d{2}$")
TEXT_CONTROLS = (
    "team", "staff", "kind", "file", "reason", "user", "text", "group", "audience",
    "quarter", "grain", "dim", "period", "section", "measure", "met",
)  # fmt: skip
# Every other select whose value is one short word (an option such as a chart type).
DATE_CONTROLS = ("since", "until", "from", "to")


def _date(value: Any) -> bool:
    if value == "":
        return True
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return dt.date(1990, 1, 1) <= day <= dt.date(2100, 12, 31)


def value_fits(component: Any, prop: str, value: Any) -> bool:
    """Whether ``value`` is of the kind the control ``component``'s ``prop`` sends."""
    if value is None:
        return True
    if prop in ("n_clicks", "n_clicks_timestamp", "page_current"):
        return fits(value, int)
    if prop == "pathname":
        return fits(value, str) and value.startswith("/")
    if prop == "search":
        return fits(value, str) and (value == "" or value.startswith("?"))
    if prop in ("hash", "href"):
        return fits(value, str)
    if prop == "date":  # a date picker: an ISO date from 1990 to 2100
        return isinstance(value, str) and _date(value[:10]) and len(value) <= 30
    if prop == "id":
        return isinstance(value, dict | str)
    if prop == "data":
        return isinstance(value, dict | list | str | int | float | bool)
    if prop in ("clickData", "hoverData", "selectedData", "relayoutData"):
        return isinstance(value, dict) and len(str(value)) <= 20_000
    if prop == "value" and isinstance(component, dict):
        # A pattern-matching control (a commentary box): one text, a few thousand at most.
        return isinstance(value, str) and len(value) <= 5000
    if prop == "value" and isinstance(component, str):
        name = component.rsplit("-", 1)[-1]
        if component.endswith("late-only"):
            return fits(value, list[str])
        if name in ("fy", "cmp"):
            return isinstance(value, str) and bool(FY.match(value))
        if name in DATE_CONTROLS:
            return _date(value)
        if name == "days":
            return (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, str) and value.isdigit() and len(value) <= 3
            )
        if name in TEXT_CONTROLS:
            return fits(value, str) and len(value) <= 200
    return isinstance(value, str | int | float | bool) or fits(value, list[str])


def check_request() -> None:
    """Refuse (400) a callback request any of whose values is of the wrong kind."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadInput("The request was not understood; reload the page.")
    for key in ("inputs", "state"):
        items = body.get(key) or []
        if not isinstance(items, list):
            raise BadInput("The request was not understood; reload the page.")
        for item in items:
            for one in item if isinstance(item, list) else [item]:
                if not isinstance(one, dict) or not value_fits(
                    one.get("id"), str(one.get("property")), one.get("value")
                ):
                    shown = one.get("id") if isinstance(one, dict) else "?"
                    raise BadInput(
                        f"The value sent for {str(shown)[:60]} was not understood. Reload "
                        "the page and choose from the lists."
                    )


def install(app: dash.Dash) -> None:
    """Check every callback request, and wrap every callback once Dash has gathered
    them (on its first request)."""

    server: Flask = app.server

    @server.before_request
    def check_callbacks() -> None:
        if request.path.endswith("/_dash-update-component") and request.method == "POST":
            check_request()
        for entry in app.callback_map.values():
            callback = entry.get("callback")
            if callback is not None and not getattr(callback, "sqa_checked", False):
                entry["callback"] = _checked(callback)
