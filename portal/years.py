"""Year groups (Reception to Year 13) and the age bands they fall in."""

from __future__ import annotations

import re

RECEPTION = 0
YEAR_GROUPS = range(0, 14)
AGE_BANDS = {"4-7": range(0, 3), "7-11": range(3, 7), "11-14": range(7, 10), "14-18": range(10, 14)}
_YEAR = re.compile(r"^(?:y(?:ea)?r?\.?\s*)?(\d{1,2})$")


def year_label(year_group: int) -> str:
    return "Reception" if year_group == RECEPTION else f"Year {year_group}"


def age_band(year_group: int) -> str:
    return next(band for band, years in AGE_BANDS.items() if year_group in years)


def parse_year_group(text: str) -> int | None:
    """Read a year group as MIS exports write it: 'R', 'Reception', 'YR', '3', 'Y3', 'Year 3'."""
    value = text.strip().lower()
    if value in ("r", "rec", "reception", "yr", "year r", "fs2", "foundation"):
        return RECEPTION
    match = _YEAR.match(value)
    if match and int(match.group(1)) in YEAR_GROUPS:
        return int(match.group(1))
    return None
