"""Helpers for the property-based fuzz tests: Hypothesis profiles, strategies for hostile input,
a snapshot of what the database holds, and the forms each page really shows.

Profiles, chosen with ESAFETY_FUZZ_PROFILE:

- unset: "fuzz", small and derandomized (every run tries the same inputs), with no example
  database, so the whole suite stays quick and a failure repeats;
- `nightly`: "fuzz-nightly", ten times the examples from a random seed, noted with any failure;
  ESAFETY_FUZZ_SEED=<seed> repeats a run;
- `examples`: "fuzz-examples", only the inputs that once found bugs (the explicit examples).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import os
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from hypothesis import HealthCheck, Phase, example, given, note, seed, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, func, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.db import Base

# --- Profiles --------------------------------------------------------------------------------

PROFILE_ENV = "ESAFETY_FUZZ_PROFILE"
SEED_ENV = "ESAFETY_FUZZ_SEED"

settings.register_profile(
    "fuzz",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz-nightly", settings.get_profile("fuzz"), max_examples=1000, derandomize=False
)
settings.register_profile("fuzz-examples", settings.get_profile("fuzz"), phases=[Phase.explicit])

PROFILE = {"nightly": "fuzz-nightly", "examples": "fuzz-examples"}.get(
    os.environ.get(PROFILE_ENV, ""), "fuzz"
)
NIGHTLY = PROFILE == "fuzz-nightly"
SEED = int(os.environ.get(SEED_ENV) or random.SystemRandom().randrange(2**32))


def describe_profile() -> str:
    if not NIGHTLY:
        return f"fuzz profile: {PROFILE} (derandomized; {PROFILE_ENV}=nightly tries more)"
    return f"fuzz profile: {PROFILE}, seed {SEED} (repeat with {SEED_ENV}={SEED})"


def fuzz(
    share: float, examples: Iterable[dict[str, Any]] = (), **strategies: st.SearchStrategy
) -> Callable:
    """`@given(**strategies)` with the profile's settings, and `share` of its max_examples
    (at least 1): a test that runs once per route asks for a small share, a loader a large one.
    `examples` always run first: inputs that once found a bug. Nightly runs are seeded from
    ESAFETY_FUZZ_SEED or a random seed, noted with any failure."""
    base = settings.get_profile(PROFILE)
    chosen = settings(base, max_examples=max(1, round(base.max_examples * share)))
    examples = list(examples)

    def decorate(test: Callable) -> Callable:
        if PROFILE == "fuzz-examples" and not examples:
            return lambda: None  # Hypothesis would skip the whole test, not just this part

        @functools.wraps(test)
        def noted(*args, **kwargs):
            note(describe_profile())
            return test(*args, **kwargs)

        run = given(**strategies)(noted)
        for known in examples:
            run = example(**known)(run)
        run = chosen(run)
        return seed(SEED)(run) if NIGHTLY else run

    return decorate


# --- Hostile values --------------------------------------------------------------------------

# Any text a browser could send: every Unicode character but lone surrogates (not encodable).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)

EDGE_VALUES = (
    "",
    " ",
    "0",
    "-1",
    "-0",
    "+1",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "0x10",
    "²",  # a digit to str.isdigit(), not to int()
    "٣",  # Arabic-Indic three
    str(2**31),
    str(2**63),
    "9" * 40,
    "-" + "9" * 40,
    "\x00",
    "a\x00b",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "{{ 7*7 }}",
    "../../../etc/passwd",
    "%",
    "%00",
    "\u202etxt.exe",
    "🙂" * 3,
    "x" * 5000,
    "É" * 300,
    "\r\n",
    "//evil.example/",
    "https://evil.example/",
)

# Numbers as text: beyond what a database column holds, negative, or digits int() refuses.
NUMBERS = (str(2**63), str(2**63 - 1), "9" * 40, str(2**31), "-1", "0", "²", "٣", "1e309", " 7 ")
number_text = st.one_of(
    st.sampled_from(NUMBERS), st.integers(min_value=-(10**30), max_value=10**30).map(str)
)
hostile_text = st.one_of(st.sampled_from(EDGE_VALUES), number_text, any_text)


def one_in(n: int) -> st.SearchStrategy[bool]:
    """True about once in n draws. (Hypothesis favours small integers and the first of a
    list, so `integers(0, n) == 0` would come far too often; False is first here.)"""
    return st.sampled_from([False] * (n - 1) + [True])


# Raw query-string pieces werkzeug must cope with: bad escapes, bare keys, empty pairs.
RAW_QUERY = ("&", "&&=&", "=", "a", "a&a&a", "%", "%%", "%zz", "%FF%FE", ";", "?", "#x", "+")


def _encode_pairs(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs]


@st.composite
def query_strings(draw, names: list[str], own: list[tuple[str, str]] = ()) -> str:
    """A query string: the page's own pairs (sometimes), known and made-up names with hostile
    values, repeated keys, and sometimes raw bytes that are not UTF-8."""
    key = st.one_of(st.sampled_from(sorted(names)), any_text) if names else any_text
    pairs = draw(st.lists(st.tuples(key, hostile_text), max_size=5))
    if pairs and draw(st.booleans()):
        pairs += pairs[: draw(st.integers(1, len(pairs)))]  # the same keys again
    parts = _encode_pairs([*own, *pairs] if draw(st.booleans()) else pairs)
    if draw(one_in(5)):
        parts.append(draw(st.sampled_from(RAW_QUERY)))
    if draw(one_in(5)):
        parts.append("k=" + "".join(f"%{b:02X}" for b in draw(st.binary(max_size=6))))
    return "&".join(parts)


# --- What the database holds -----------------------------------------------------------------

# The records that are evidence: what people agreed to, consented to and answered, and who they
# are. No refused request, and no page that is only opened, may change them.
EVIDENCE = ("acceptance", "image_consent", "quiz_answer", "pupil", "parent", "staff")


@dataclass(frozen=True)
class Snapshot:
    counts: dict[str, int]
    evidence: dict[str, str]  # table -> SHA-256 of its rows, in key order

    def differences(self, other: Snapshot) -> list[str]:
        changed = [
            f"{table}: {self.counts[table]} rows, then {other.counts[table]}"
            for table in self.counts
            if self.counts[table] != other.counts[table]
        ]
        changed += [
            f"{table}: rows changed"
            for table in self.evidence
            if self.evidence[table] != other.evidence[table]
        ]
        return changed


@functools.cache
def _counted(table):
    """Rows a request may not add unless it did something. The audit log's note of a refused
    request is the one row a refusal writes (services/audit.py), so it is not counted."""
    query = select(func.count()).select_from(table)
    if table.name == "audit_event":
        query = query.where(table.c.action.not_in(("refused", "refusals-capped")))
    return query


@functools.cache  # the same statements each time: SQLAlchemy then keeps their cache keys
def _snapshot_queries() -> tuple[Any, dict[str, Any]]:
    counts = select(
        *(
            _counted(table).scalar_subquery().label(table.name)
            for table in Base.metadata.sorted_tables
        )
    )
    rows = {
        name: select(table).order_by(*table.primary_key.columns)
        for name, table in ((name, Base.metadata.tables[name]) for name in EVIDENCE)
    }
    return counts, rows


def snapshot(bind: Engine | Connection) -> Snapshot:
    """Row counts of every table, and a hash of every row of the evidence tables: of what is
    committed (given the engine), or of what a transaction sees (given its connection)."""
    counts_query, rows_queries = _snapshot_queries()
    opened = bind.connect() if isinstance(bind, Engine) else contextlib.nullcontext(bind)
    with opened as connection:
        counts = dict(connection.execute(counts_query).one()._mapping)
        evidence = {}
        for name, query in rows_queries.items():
            rows = connection.execute(query)
            digest = hashlib.sha256()
            for row in rows:
                digest.update(repr(tuple(row)).encode("utf-8"))
            evidence[name] = digest.hexdigest()
    return Snapshot(counts, evidence)


# --- Routes, and the forms and links their pages show ----------------------------------------

QUERY_NAMES_IN_CODE = re.compile(
    r"""request\.(?:args|values)\.get(?:list)?\(\s*["']([^"']+)["']"""
    r"""|["']([^"']+)["']\s+(?:not\s+)?in\s+request\.(?:args|values)"""
)
FORM_NAMES_IN_CODE = re.compile(
    r"""request\.(?:form|values)\.get(?:list)?\(\s*["']([^"']+)["']"""
    r"""|["']([^"']+)["']\s+(?:not\s+)?in\s+request\.form"""
)


def names_in_code(pattern: re.Pattern[str]) -> set[str]:
    """Parameter names the portal's views read straight from the request."""
    web = Path(__file__).resolve().parents[2] / "portal" / "web"
    return {
        next(name for name in match.groups() if name)
        for path in web.glob("*.py")
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    }


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    values: list[str] = field(default_factory=list)  # what the page offers or fills in


@dataclass
class Form:
    action: str  # path with query, resolved against the page
    method: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str | None = None) -> Field:
        found = self.fields.setdefault(name, Field(name, kind))
        if value is not None and value not in found.values:
            found.values.append(value)
        return found


class PageParser(HTMLParser):
    """The links on a page, and each form with the names of its fields."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.page_url, a["href"]))
        elif tag == "form":
            action = urljoin(self.page_url, a.get("action") or self.page_url)
            self._form = Form(action, (a.get("method") or "get").upper())
            self.forms.append(self._form)
        elif self._form is None or (not a.get("name") and tag != "option"):
            return
        elif tag in ("input", "button"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            self._form.add(a["name"], kind, a.get("value", "on" if kind == "checkbox" else None))
        elif tag == "select":
            self._select = self._form.add(a["name"], "select")
        elif tag == "option" and self._select is not None and "value" in a:
            if a["value"] not in self._select.values:
                self._select.values.append(a["value"])
        elif tag == "textarea":
            self._form.add(a["name"], "textarea")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def local_path(url: str) -> str | None:
    """The path and query of a link on this site, or None for another site's."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "https", "http") or parts.netloc not in ("", "localhost"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def endpoint_of(adapter, url: str, method: str) -> str | None:
    try:
        endpoint, _ = adapter.match(urlsplit(url).path, method=method)
    except (HTTPException, RequestRedirect):
        return None
    return endpoint


@dataclass
class Discovered:
    """What one person can reach: each endpoint's URLs (from links and forms) and fields."""

    urls: dict[str, list[str]] = field(default_factory=dict)
    fields: dict[str, dict[str, Field]] = field(default_factory=dict)
    query_names: set[str] = field(default_factory=set)

    def add_url(self, endpoint: str, url: str) -> None:
        urls = self.urls.setdefault(endpoint, [])
        if url not in urls:
            urls.append(url)

    def add_form(self, endpoint: str, form: Form) -> None:
        self.add_url(endpoint, form.action)
        fields = self.fields.setdefault(endpoint, {})
        for name, found in form.fields.items():
            known = fields.setdefault(name, Field(name, found.kind))
            known.values += [value for value in found.values if value not in known.values]


def discover(app, client, start: list[str], per_endpoint: int = 3) -> Discovered:
    """Open the start pages and the pages they link to, a few per endpoint and once per shape
    of address (path and query names), noting every form's fields and where it posts."""
    adapter = app.url_map.bind("localhost", url_scheme="https")
    found = Discovered()
    queue, shapes, opened = list(start), set(), {}
    while queue:
        url = queue.pop(0)
        endpoint = endpoint_of(adapter, url, "GET")
        path, _, query = url.partition("?")
        shape = (path, frozenset(key for key, _ in parse_qsl(query, keep_blank_values=True)))
        if endpoint in (None, "static") or shape in shapes or opened.get(endpoint) == per_endpoint:
            continue
        shapes.add(shape)
        opened[endpoint] = opened.get(endpoint, 0) + 1
        found.add_url(endpoint, url)
        response = client.get(url)
        response.close()  # a file it sends (a lesson picture) is closed at once
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = PageParser(url)
        page.feed(response.get_data(as_text=True))
        for link in page.links:
            path = local_path(link)
            if path is not None:
                found.query_names.update(k for k, _ in parse_qsl(urlsplit(path).query))
                queue.append(path)
        for form in page.forms:
            action = local_path(form.action)
            if action is None:
                continue
            form.action = action
            target = endpoint_of(adapter, action, form.method)
            if target is None:
                continue
            if form.method == "GET":
                found.query_names.update(form.fields)
            found.add_form(target, form)
    return found


# --- Form submissions ------------------------------------------------------------------------

EXTRA_FIELD_NAMES = (
    "csrf_token",
    "choice",
    "lesson",
    "shown",
    "part",
    "class_id",
    "next",
    "code",
    "email",
    "pictures",
    "fingerprint",
    "method",
)


FORM_NAMES = tuple(sorted(names_in_code(FORM_NAMES_IN_CODE)))  # read straight from the form


@dataclass(frozen=True)
class Upload:
    """A file field's value: made afresh for each request, since sending it reads it."""

    content: bytes
    filename: str

    def file(self) -> tuple[io.BytesIO, str]:
        return io.BytesIO(self.content), self.filename


upload_files = st.builds(
    Upload,
    content=st.one_of(
        st.binary(max_size=200),
        hostile_text.map(lambda text: text.encode("utf-8")),
        st.just(b"Adno,Forename,Surname,Year\nA1,Amy,Smith,3\n"),
    ),
    filename=st.one_of(
        st.sampled_from(["roster.csv", "ROSTER.CSV", "roster.txt", "", ".csv", "../../x.csv"]),
        any_text,
    ),
)


def field_values(known: Field) -> st.SearchStrategy[list[Any]]:
    """What one field sends: nothing, the page's own value, a hostile value, or several."""
    if known.kind == "file":
        one = upload_files
    elif known.values:
        one = st.one_of(st.sampled_from(known.values), hostile_text)
    else:
        one = hostile_text
    return st.one_of(
        st.just([]),
        one.map(lambda value: [value]),
        st.lists(one, min_size=2, max_size=3),
    )


@st.composite
def form_data(draw, fields: dict[str, Field]) -> list[tuple[str, Any]]:
    """The form's own fields, each filled, left out or repeated, plus made-up fields."""
    pairs = [
        (name, value)
        for name, known in sorted(fields.items())
        if name != "csrf_token"
        for value in draw(field_values(known))
    ]
    extra_name = st.one_of(st.sampled_from(EXTRA_FIELD_NAMES + FORM_NAMES), any_text)
    pairs += draw(st.lists(st.tuples(extra_name, hostile_text), max_size=3))
    return pairs


def multidict(pairs: list[tuple[str, Any]]) -> MultiDict:
    return MultiDict(
        [(name, value.file() if isinstance(value, Upload) else value) for name, value in pairs]
    )


# --- Roster files ----------------------------------------------------------------------------

ROSTER_VALUES = {
    "reference": st.sampled_from(["A1", "A2", "A3", "A4", "UPN123", "a1"]),
    "first_name": st.sampled_from(["Amy", "Ben", "Zoë", "Siân", "O'Neil", "Mary-Jane"]),
    "last_name": st.sampled_from(["Smith", "Jones", "Ng", "de la Cruz", "Ó Briain"]),
    "year": st.sampled_from(["R", "Reception", "YR", "1", "3", "Y3", "Year 6", "13", "14"]),
    "class_name": st.sampled_from(["3B", "1A", "", "Oak", "3b"]),
    "name": st.sampled_from(["Jo Smith", "Sam Smith", "Ms Ng", "Pat Jones"]),
    "email": st.sampled_from(
        [
            "jo@example.org",
            "JO@example.org",
            "sam@example.org",
            "taken@example.org",
            "ü@exämple.org",
        ]
    ),
    "role": st.sampled_from(["staff", "ICT lead", "admin", "School Admin", "ict-lead"]),
    "relationship": st.sampled_from(["Mother", "Father", "Carer", ""]),
    "reference_contact": st.sampled_from(["C1", "C2", "C3", ""]),
}
ENCODINGS = ("utf-8",) * 12 + ("utf-8-sig",) * 4 + ("utf-16", "utf-16-le", "cp1252", "latin-1")


def _header_variant(name: str) -> st.SearchStrategy[str]:
    """A header as an MIS or spreadsheet might write it: other case, spacing, punctuation."""
    return st.sampled_from(
        [name, name.upper(), name.lower(), name.replace(" ", "_"), f" {name} ", name + "."]
    )


def _cell(key: str | None, row: int, hostile: bool) -> st.SearchStrategy[str]:
    """A plausible value for the column (mostly this row's own, for what must be unique), or
    a hostile one."""
    if key is None:  # a column the importer ignores
        return any_text
    if hostile:
        return hostile_text
    if key == "reference":
        return st.sampled_from([f"A{row}"] * 4 + ["A1", "a1"])
    if key == "email":
        return st.sampled_from([f"staff{row}@example.org"] * 9 + ["admin@example.org"])
    field = key.rsplit("_", 1)[-1] if key.startswith("contact") else key
    field = "reference_contact" if key.startswith("contact") and field == "reference" else field
    return ROSTER_VALUES.get(field, st.just("x"))


@st.composite
def roster_files(draw) -> bytes:
    """A CSV file as schools send them, often broken: any mix of the accepted columns in any
    order (now and then a required one missing), unknown columns, plausible and hostile cells,
    ragged rows, blank lines, stray quotes and NUL bytes, in one of several encodings."""
    from portal.services.roster.columns import PUPILS, STAFF, columns_for

    kind = draw(st.sampled_from([PUPILS, STAFF]))
    columns = [
        column
        for column in columns_for(kind)
        if (column.required and not draw(one_in(20))) or draw(st.booleans())
    ]
    for number in range(1, 4):  # a contact's other columns come with their name's, mostly
        group = [c for c in columns_for(kind) if c.key.startswith(f"contact{number}_")]
        if set(group) & set(columns) and not draw(one_in(10)):
            columns += [c for c in group if c.key.endswith("_name") and c not in columns]
    header = [
        (column.key, draw(_header_variant(draw(st.sampled_from(column.names)))))
        for column in columns
    ]
    header += [
        (None, draw(st.one_of(st.sampled_from(["DOB", "Address", "Notes"]), any_text)))
        for _ in range(draw(st.integers(0, 2)))
    ]
    header = draw(st.permutations(header))
    rows = [[name for _, name in header]]
    badness = draw(st.sampled_from([0, 0, 1, 2, 3]))  # 0: all plausible; 3: 1 in 5 hostile
    for number in range(draw(st.integers(0, 6))):
        row = [
            draw(_cell(key, number, badness > 0 and draw(one_in(13 // badness))))
            for key, _ in header
        ]
        ragged = badness and draw(one_in(4))
        cut = draw(st.integers(-2, 2)) if ragged else 0  # cells missing or extra at the end
        rows.append(row[:cut] if cut < 0 else row + [draw(any_text) for _ in range(cut)])
        if draw(one_in(6)):
            rows.append([])
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    csv.writer(
        out, quoting=quoting, lineterminator=draw(st.sampled_from(["\r\n", "\n"]))
    ).writerows(rows)
    text = out.getvalue()
    if draw(one_in(5)):  # damage: a stray quote, a NUL, a lone carriage return
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "\x00", "\r", "\n\n", "\ufeff"])) + text[at:]
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(one_in(10)):  # bytes that are not UTF-8 at all
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


# --- Content files: YAML, front matter and policy text ---------------------------------------

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    any_text,
    st.dates(),
    st.datetimes(),
    st.sampled_from(
        [
            *("2025.09", "2025.9", "published", "draft", "parents", "new-version", "or-ey-1"),
            *("4-7", "or", "picture-choice", "single", "scenario", "multiple", "true-false"),
            *("ok.svg", "../../images/ok.svg", "missing.svg", "x" * 300 + ".svg", "../" * 20),
        ]
    ),
)
# Any value YAML can hold: scalars, lists and mappings (with keys of any scalar kind).
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(any_text, st.integers(), st.booleans()), inner, max_size=3),
    ),
    max_leaves=6,
)

# A value to put in a field's place: as often a scalar of another type as a list or mapping.
replacements = st.one_of(yaml_scalars, yaml_values)

# Text that yaml.safe_dump never writes but people (and editors) do.
YAML_SNIPPETS = (
    "approved_on: 2025-02-30",
    "effective_from: 2025-13-01",
    "review_by: 2026-07-31 25:61:00",
    "x: !!timestamp hello",
    "x: !!int abc",
    "x: !!float abc",
    "x: !!bool maybe",
    "x: !!binary '%%%'",
    "x: !!set {a, b}",
    "x: !!omap [a: 1]",
    "x: !!str [1]",
    "x: !!map 1",
    "x: !custom 1",
    "x: !!python/name:os.system",
    "? [a, b]\n: 1",
    "? {a: 1}\n: 2",
    "[a]: 1",
    "{a: 1}: 2",
    "x: &a [*a]",
    "x: *undefined",
    "<<: 5",
    "<<: [1, 2]",
    "title: a\ntitle: b",
    "\t- tab",
    "x: 'unterminated",
    'x: "\\xZZ"',
    "- a\nb: c",
    "%YAML 1.1\n---",
    "...",
    "x: @reserved",
    "x: 1e400",
    "x: 0o99",
    "2025-09-01 10:00:00: x",
    "version: 2025.09",
    "status: Published",
    "order: '10'",
    "order: 1.5",
    "accepted_by: parents",
    "accepted_by: [[parents]]",
    "accepted_by: [{a: 1}]",
    "renew: {a: 1}",
    "review_by: 2020-01-01",
    "effective_from: 2025-09-01 10:00:00",
    "approved_on: 2025-07-01 10:00:00",
    "options: 5",
    "options: {text: a}",
    "options: [a, 1]",
    "strands: or",
    "strands: 5",
    "outcomes: 5",
    "minutes: ten",
    "minutes: [20]",
    "band: [4-7]",
    "id: [x]",
    "type: [single]",
    "outcome: {a: 1}",
    "- {text: a, correct: yes, feedback: b, alt: 5, image: x}",
    "- {text: a, correct: true, feedback: b, image: " + "x" * 300 + ".svg}",
    "- {text: a, correct: true, feedback: b, image: [a], alt: {b: 1}}",
    "[" * 200,
    "\x00",
    "\ufeff",
    "\x85",
    "\u2028",
    "\x07",
)
MARKDOWN_SNIPPETS = (
    "# A title",
    "## Rules",
    "{{ school.name }}",
    "{{ roles.dsl }}",
    "{{ unknown.thing }}",
    "{{ }}",
    "{{ school.name",
    "![](../../images/ok.svg)",
    "![alt](missing.svg)",
    "![alt](" + "x" * 300 + ".svg)",
    "---",
    "\x00",
)


# Text an author might type: letters, digits, punctuation and spaces from any script.
words = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=20)


@st.composite
def mutated_text(draw, text: str, snippets: tuple[str, ...] = YAML_SNIPPETS) -> str:
    """`text` with lines put in, replaced or removed, or a value swapped for a snippet's."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(lines)))
        piece = draw(st.one_of(st.sampled_from(snippets), st.sampled_from(snippets), words))
        how = draw(st.sampled_from(["insert", "replace", "value", "remove", "indent"]))
        if how == "insert" or at == len(lines):
            lines.insert(at, piece)
        elif how == "replace":
            lines[at] = piece
        elif how == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {piece.split(': ', 1)[-1]}"
        elif how == "remove":
            del lines[at]
        else:
            lines[at] = draw(st.sampled_from(["  ", "\t", "- "])) + lines[at]
    return "\n".join(lines)


@st.composite
def yaml_documents(draw, valid: dict[str, Any], dump: Callable[[Any], str]) -> str:
    """A YAML document grown from a valid one: fields dropped, added or given any value (then
    written out properly), or its text damaged by hand."""
    data = dict(valid)
    if not draw(one_in(3)):
        keys = st.lists(st.sampled_from(sorted(valid)), min_size=1, max_size=3, unique=True)
        for key in draw(keys):
            if draw(one_in(4)):
                del data[key]
            else:
                data[key] = draw(replacements)
        if draw(one_in(4)):
            data[draw(any_text)] = draw(replacements)
        return dump(data)
    if draw(one_in(8)):
        return dump(draw(yaml_values))  # not a mapping at all
    return draw(mutated_text(dump(data)))


@st.composite
def file_bytes(draw, text: str) -> bytes:
    """How an editor might save the text: mostly UTF-8, sometimes not."""
    encoding = draw(st.sampled_from(("utf-8",) * 16 + ("utf-8-sig", "utf-16", "cp1252")))
    data = text.encode(encoding, errors="replace")
    if draw(one_in(20)):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at:]
    return data
