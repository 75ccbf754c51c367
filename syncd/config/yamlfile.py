"""Read YAML files into plain values *and* remember where every key and value stands.

Settings and mapping files share this reader, so every error they report can name
``file:line:column``.  Duplicate keys (which PyYAML silently lets win) are problems too.
Validation errors from pydantic are turned into :class:`~syncd.core.errors.ConfigProblem` with a
"did you mean" hint for misspelt keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.mapping.names import did_you_mean

KeyPath = tuple[str | int, ...]
# libyaml's parser when PyYAML has it (its wheels do): the same nodes and marks, ~20x faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Located:
    """A parsed YAML document plus the 1-based line/column of every path in it."""

    file: str
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
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
        problem = ConfigProblem(
            name, 0, 0, zh_en("文件不存在", "file not found"), zh_en("检查路径", "check the path")
        )
        raise ConfigError([problem]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        message = zh_en(f"无法读取文件：{exc}", f"cannot read file: {exc}")
        raise ConfigError([ConfigProblem(name, 0, 0, message)]) from exc
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> Located:
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        msg = zh_en(f"YAML 语法错误：{exc.problem}", f"YAML syntax error: {exc.problem}")
        hint = zh_en(
            "检查缩进和引号；含 ':' 或 '#' 的值要加引号",
            "check indentation and quoting; a value with ':' or '#' needs quotes",
        )
        raise ConfigError([ConfigProblem(name, line, col, msg, hint)]) from exc
    located = Located(file=name, data=None)
    located.data = {} if node is None else _build(node, (), located)
    return located


def _build(node: yaml.Node, path: KeyPath, located: Located) -> Any:
    located.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, located)
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), located) for i, child in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Construct a scalar with YAML's safe rules (ints, bools, dates, strings)."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def _build_mapping(node: yaml.MappingNode, path: KeyPath, located: Located) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _scalar(key_node)
        key_path = (*path, key)
        if key in result:
            line = key_node.start_mark.line + 1
            first = located.positions[key_path][0]
            located.problems.append(
                ConfigProblem(
                    located.file,
                    line,
                    key_node.start_mark.column + 1,
                    zh_en(
                        f"重复的键 '{key}'（首次出现在第 {first} 行）",
                        f"duplicate key '{key}' (first at line {first})",
                    ),
                    zh_en(
                        "删除其中一个；YAML 只保留最后一个",
                        "remove one of them; YAML keeps only the last",
                    ),
                )
            )
            continue
        located.positions[key_path] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        result[key] = _build(value_node, key_path, located)
    return result


def validation_problems(
    exc: ValidationError, located: Located, model: type[BaseModel], prefix: KeyPath = ()
) -> list[ConfigProblem]:
    """Turn pydantic's errors into positioned problems with hints."""
    problems = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        problems.append(located.problem(loc, describe(err, loc), _hint(err, loc, model, prefix)))
    return problems


def dotted(loc: KeyPath) -> str:
    return ".".join(str(p) for p in loc)


# What pydantic's error types mean, in Chinese ({...} from the error's ctx); the English half
# is pydantic's own message.
_ZH = {
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于等于 {le}",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "float_parsing": "须为数字",
    "float_type": "须为数字",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "string_type": "须为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符",
    "literal_error": "须为 {expected} 之一",
    "dict_type": "须为键值映射（字典）",
    "list_type": "须为列表",
    "model_type": "须为一组键值（一个小节）",
    "model_attributes_type": "须为一组键值（一个小节）",
    "path_type": "须为路径",
    "value_error": "取值无效",
}


_CHINESE_FIRST = re.compile(r"^[^/]*[\u4e00-\u9fff][^/]*/ ")


def describe(err: Any, loc: KeyPath) -> str:
    """The message of one pydantic error at ``loc``, Chinese first."""
    kind, where = err["type"], dotted(loc) or "(文件顶层 / top level)"
    if kind == "extra_forbidden":
        return zh_en(f"未知的键 '{where}'", f"unknown key '{where}'")
    if kind == "missing":
        return zh_en(f"缺少必填项 '{where}'", f"missing required value '{where}'")
    english = str(err["msg"]).removeprefix("Value error, ")
    if kind == "mapping" or _CHINESE_FIRST.match(english):  # written bilingual by syncd
        return f"'{where}': {english}"
    zh = _ZH.get(kind, "取值无效").format_map(_Ctx(err.get("ctx") or {}))
    return f"'{where}': " + zh_en(zh, english)


class _Ctx(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "…"


def _hint(err: Any, loc: KeyPath, model: type[BaseModel], prefix: KeyPath) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _known_keys(model, tuple(loc[len(prefix) : -1]))
        return did_you_mean(str(loc[-1]), known)
    if kind == "missing":
        return missing_hint(loc)
    return ""


def missing_hint(loc: KeyPath) -> str:
    parent = dotted(loc[:-1])
    return zh_en(
        f"在 {parent or '文件顶层'} 下加入 '{loc[-1]}: ...'",
        f"add '{loc[-1]}: ...' under {parent or 'the top level'}",
    )


def _known_keys(model: type[BaseModel], path: KeyPath) -> list[str]:
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
