"""The school's look, from its profile: colours and badge for the site and the portal alike.

Both read the same `Brand` and write it as CSS custom properties (`site_css` for Material's
palette, `portal_css` for the portal's own), so a parent moving from one to the other stays in
one school's place. Colours must be readable: white text on the primary colour, and the accent
colour as text on white, each at least WCAG AA's 4.5:1 for normal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import Problems
from .yamlfiles import LineDict

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
AA_NORMAL_TEXT = 4.5
# The badge is written into every portal page, so no phone fetches it as a file: keep it small.
BADGE_MOST_BYTES = 16 * 1024
# A profile without colours keeps the portal's own navy and blue.
DEFAULT_COLOURS = {"primary": "#1d3a8a", "accent": "#1a4fb5"}
# How each colour is read, for the contrast check and its message: (text, background, words).
READ_AS = {
    "primary": (WHITE, "primary", "white text on it (the header and buttons)"),
    "accent": ("accent", WHITE, "as text on white (links when pointed at)"),
}


@dataclass(frozen=True)
class Brand:
    name: str
    short_name: str
    primary: str
    accent: str
    badge: Path | None  # an image file in the policies folder

    @property
    def primary_dark(self) -> str:
        return mix(self.primary, "#000000", 0.25)

    @property
    def primary_light(self) -> str:
        return mix(self.primary, WHITE, 0.25)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour written #rrggbb."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` of `other` mixed in, as #rrggbb."""
    channels = (
        round(int(colour[i : i + 2], 16) * (1 - share) + int(other[i : i + 2], 16) * share)
        for i in (1, 3, 5)
    )
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def load_brand(school: LineDict, path: Path, problems: Problems) -> Brand | None:
    """The `school` section's name, `colours` and `badge`; every problem names its field."""
    found = len(problems.errors)
    colours = school.get("colours") or {}
    if not isinstance(colours, dict):
        problems.add(path, school.line_of("colours"), "'school.colours' needs primary and accent")
        colours = {}
    chosen = {}
    for field, default in DEFAULT_COLOURS.items():
        value = str(colours.get(field, default)).strip()
        line = colours.line_of(field) if isinstance(colours, LineDict) else school.line
        if not HEX_COLOUR.match(value):
            problems.add(
                path,
                line,
                f"school.colours.{field} is {value!r}: write a colour as # and six hex digits, "
                "such as #2e6b3f",
            )
            continue
        chosen[field] = value.lower()
        text, background, words = READ_AS[field]
        ratio = contrast_ratio(chosen.get(text, text), chosen.get(background, background))
        if ratio < AA_NORMAL_TEXT:
            problems.add(
                path,
                line,
                f"school.colours.{field} {value} is too light to read {words}: its contrast "
                f"ratio is {ratio:.2f}:1 and WCAG AA needs at least {AA_NORMAL_TEXT}:1 for "
                "normal text. Choose a darker colour.",
            )
    badge = None
    if school.get("badge"):
        badge = (path.parent / str(school["badge"])).resolve()  # as read now, wherever served
        if not badge.is_file() or badge.suffix.lower() not in (".svg", ".png"):
            problems.add(
                path,
                school.line_of("badge"),
                f"school.badge names {school['badge']}: put an .svg or .png file there, in the "
                "policies folder",
            )
        elif badge.stat().st_size > BADGE_MOST_BYTES:
            problems.add(
                path,
                school.line_of("badge"),
                f"school.badge {school['badge']} is {badge.stat().st_size // 1024} KB: a badge "
                f"shown on every page must be at most {BADGE_MOST_BYTES // 1024} KB. Save it "
                "smaller (an .svg, or a .png of about 128 pixels square).",
            )
    if len(problems.errors) > found:
        return None
    name = str(school["name"])
    return Brand(
        name=name,
        short_name=str(school.get("short_name") or name),
        primary=chosen["primary"],
        accent=chosen["accent"],
        badge=badge,
    )


def site_css(brand: Brand) -> str:
    """Material's palette as the school's (mkdocs.yml sets `primary: custom`)."""
    return (
        ":root > * {\n"
        f"  --md-primary-fg-color: {brand.primary};\n"
        f"  --md-primary-fg-color--light: {brand.primary_light};\n"
        f"  --md-primary-fg-color--dark: {brand.primary_dark};\n"
        f"  --md-primary-bg-color: {WHITE};\n"
        f"  --md-accent-fg-color: {brand.accent};\n"
        f"  --md-typeset-a-color: {brand.primary};\n"
        "}\n"
    )


def portal_css(brand: Brand) -> str:
    """The portal's colours (portal.css reads these custom properties)."""
    return (
        f":root {{ --brand: {brand.primary}; --brand-dark: {brand.primary_dark}; "
        f"--link: {brand.primary}; --accent: {brand.accent}; }}"
    )
