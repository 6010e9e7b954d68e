"""Files to download: CSV that spreadsheets open safely (UTF-8 with a byte order mark, and no
cell that a spreadsheet would run as a formula), and JSON for a subject access request."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one starting = + - @ (or a tab or return) could be
    run as a formula, so it gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_download(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    """The whole file is written before the response starts, so the database work is done
    (and its connection returned) within the request, and a failure is an error page rather
    than a truncated file."""
    out = io.StringIO()
    out.write("\ufeff")  # a byte order mark, so spreadsheets read it as UTF-8
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def json_download(filename: str, data: object) -> Response:
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
