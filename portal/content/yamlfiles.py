"""YAML and front matter that remember line numbers, so errors can point at them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .errors import Problems


class LineDict(dict[Any, Any]):
    """A mapping from YAML that knows the line of itself and of each key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


# libyaml's parser where PyYAML was built with it (its wheels are): the same safe loading, about
# ten times faster, which the portal's start and every test that starts it feel.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """`yaml.safe_load` plus line numbers and a refusal of duplicate keys."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """A value YAML's own constructors cannot make (a date such as 2025-02-30, or
        `!!int abc`) is a problem at its line, not a crash."""
        try:
            return super().construct_object(node, deep=deep)
        except (ArithmeticError, AttributeError, KeyError, TypeError, ValueError) as error:
            value = node.value if isinstance(node, yaml.ScalarNode) else node.tag
            raise yaml.constructor.ConstructorError(
                None, None, f"'{value}' cannot be read ({error})", node.start_mark
            ) from None


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LineDict]:
    if not isinstance(node, yaml.MappingNode):  # such as `!!map 1`
        raise yaml.constructor.ConstructorError(
            None, None, "expected 'field: value' lines here", node.start_mark
        )
    data = LineDict()
    yield data
    data.line = node.start_mark.line + 1
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a single word or value, not a list", key_node.start_mark
            ) from None
        if key in data.key_lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{key}' appears twice", key_node.start_mark
            )
        data.key_lines[key] = key_node.start_mark.line + 1
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, path: Path, problems: Problems, first_line: int = 1) -> Any:
    """Parse YAML text that starts at `first_line` of its file; on a syntax error, record it."""
    padded = "\n" * (first_line - 1) + text  # so every line number is the file's own
    try:
        return yaml.load(padded, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else first_line
        problems.add(path, line, f"invalid YAML: {error.problem or error.context}")
    except yaml.YAMLError as error:
        problems.add(path, first_line, f"invalid YAML: {error}")
    return None


def read_text(path: Path, problems: Problems) -> str | None:
    """The file's text, as `read_text` gives it (any line ending read as \\n); None, with the
    line of its first bad byte recorded, if it is not UTF-8."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.add(path, line, "this file is not saved as UTF-8: save it again as UTF-8")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_yaml_file(path: Path, problems: Problems) -> Any:
    text = read_text(path, problems)
    return None if text is None else parse_yaml(text, path, problems)


def split_front_matter(path: Path, problems: Problems) -> tuple[LineDict | None, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    text = read_text(path, problems)
    if text is None:
        return None, "", 1
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.add(path, 1, "a version file must start with front matter between '---' lines")
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            meta = parse_yaml("".join(lines[1:index]), path, problems, first_line=2)
            if meta is not None and not isinstance(meta, LineDict):
                problems.add(path, 2, "front matter must be a set of 'field: value' lines")
                meta = None
            return meta, "".join(lines[index + 1 :]), index + 2
    problems.add(path, 1, "front matter is not closed: add a '---' line after it")
    return None, "", 1
