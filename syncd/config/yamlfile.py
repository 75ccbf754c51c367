"""Read YAML files into plain values *and* remember where every key and value stands.

Settings and mapping files share this reader, so every error they report can name
``file:line:column``.  Duplicate keys (which PyYAML silently lets win) are problems too.
Validation errors from pydantic are turned into :class:`~syncd.core.errors.ConfigProblem` with a
"did you mean" hint for misspelt keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from syncd.core.errors import ConfigError, ConfigProblem

Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed YAML document plus the 1-based line/column of every path in it."""

    file: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)

    def where(self, path: Iterable[str | int]) -> tuple[int, int]:
        """The position of ``path``, or of its nearest existing parent."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))

    def problem(self, path: Iterable[str | int], message: str, hint: str = "") -> ConfigProblem:
        line, column = self.where(path)
        return ConfigProblem(self.file, line, column, message, hint)


def load_yaml(path: Path, *, display_name: str | None = None) -> Located:
    """Parse one YAML file; a syntax error becomes a ConfigError naming its position."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError([ConfigProblem(name, 0, 0, "file not found", "check the path")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(name, 0, 0, f"cannot read file: {exc}")]) from exc
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> Located:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        msg = f"YAML syntax error: {exc.problem}"
        hint = "check indentation and quoting; a value with ':' or '#' needs quotes"
        raise ConfigError([ConfigProblem(name, line, col, msg, hint)]) from exc
    located = Located(file=name, data=None)
    located.data = {} if node is None else _build(node, (), located)
    return located


def _build(node: yaml.Node, path: Path_, located: Located) -> Any:
    located.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, located)
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), located) for i, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Construct a scalar with YAML's safe rules (ints, bools, dates, strings)."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def _build_mapping(node: yaml.MappingNode, path: Path_, located: Located) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node)
        key_path = (*path, key)
        if key in result:
            line = key_node.start_mark.line + 1
            first = located.positions[key_path][0]
            located.problems.append(
                ConfigProblem(
                    located.file, line, key_node.start_mark.column + 1,
                    f"duplicate key '{key}' (first at line {first})",
                    "remove one of them; YAML keeps only the last",
                )
            )  # fmt: skip
            continue
        located.positions[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        result[key] = _build(value_node, key_path, located)
    return result


def validation_problems(
    exc: ValidationError, located: Located, model: type[BaseModel], prefix: Path_ = ()
) -> list[ConfigProblem]:
    """Turn pydantic's errors into positioned problems with hints."""
    problems = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        problems.append(located.problem(loc, _describe(err, loc), _hint(err, loc, model, prefix)))
    return problems


def _dotted(loc: Path_) -> str:
    return ".".join(str(p) for p in loc)


def _describe(err: Any, loc: Path_) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{_dotted(loc)}'"
    if kind == "missing":
        return f"missing required value '{_dotted(loc)}'"
    return f"'{_dotted(loc)}': {err['msg']}"


def _hint(err: Any, loc: Path_, model: type[BaseModel], prefix: Path_) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _known_keys(model, tuple(loc[len(prefix) : -1]))
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            return f"did you mean '{close[0]}'?"
        return f"allowed keys here: {', '.join(sorted(known))}" if known else ""
    if kind == "missing":
        parent = _dotted(loc[:-1]) or "the top level"
        return f"add '{loc[-1]}: ...' under {parent}"
    return ""


def _known_keys(model: type[BaseModel], path: Path_) -> list[str]:
    """The field names allowed at ``path`` inside ``model`` (best effort for nested models)."""
    current: Any = model
    for part in path:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(str(part))
        if info is None:
            return []
        current = _model_of(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [name for name, info in current.model_fields.items() if not info.exclude]
    return []


def _model_of(annotation: Any) -> Any:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return annotation
