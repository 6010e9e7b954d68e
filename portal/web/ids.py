"""Record ids in addresses, query strings and forms: whole numbers a database can hold.

Ids are INTEGER columns. PostgreSQL refuses to compare one with a number beyond 32 bits
("integer out of range") and SQLite's driver with one beyond 64 bits (OverflowError), so a
long id, typed or crafted, must find nothing rather than break the page: the `int` part of
every address stops at MAX_ID, and `record_id` reads one from a query string or form.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest INTEGER in PostgreSQL


class IdConverter(IntegerConverter):
    """`<int:...>`, up to MAX_ID: a larger number matches no page (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any route is added, so every `<int:...>` uses it."""
    app.url_map.converters["int"] = IdConverter


def record_id(value: Any) -> int:
    """A record id, for `request.args.get(name, type=record_id)`: a value that is not one
    raises ValueError, which makes `get` return its default (None)."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"{value!r} is not a record id")
    return number
