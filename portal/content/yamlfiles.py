"""YAML and front matter that remember line numbers, so errors can point at them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problems


class LineDict(dict):
    """A mapping from YAML that knows the line of itself and of each key."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    """`yaml.safe_load` plus line numbers and a refusal of duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    data = LineDict()
    yield data
    data.line = node.start_mark.line + 1
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
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


def load_yaml_file(path: Path, problems: Problems) -> Any:
    return parse_yaml(path.read_text(encoding="utf-8"), path, problems)


def split_front_matter(path: Path, problems: Problems) -> tuple[LineDict | None, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.add(path, 1, "a version file must start with front matter between '---' lines")
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            meta = parse_yaml("".join(lines[1:index]), path, problems, first_line=2)
            if meta is not None and not isinstance(meta, dict):
                problems.add(path, 2, "front matter must be a set of 'field: value' lines")
                meta = None
            return meta, "".join(lines[index + 1 :]), index + 2
    problems.add(path, 1, "front matter is not closed: add a '---' line after it")
    return None, "", 1
