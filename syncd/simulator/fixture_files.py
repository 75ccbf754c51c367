"""The simulator's own fixture files for a hospital's rehearsal (``syncd simulator --persons
FILE --items FILE``): CSV, JSON or YAML, every record with the line it starts on, so that a bad
file is reported as ``file:line: what is wrong``.

Persons: YAML/JSON ``{persons: [{aac001: …, …}, …]}`` (or the list itself); CSV with a header
row of the person columns (:data:`~syncd.simulator.fixtures.PERSON_COLUMNS`), ``insured``,
``frozen`` and the injury columns ``bka042 aaz267 bka026 aae030 aae031``.

Covered items (item code ``ake005`` → covered / partly / self-pay): YAML/JSON
``{partly_self_pay: "0.10", items: {X0101: covered, X0102: {class: partly, self_pay: "0.20"},
X9001: self-pay, Z0001: 换药}}`` (a name alone: covered, the shipped file's form); CSV with the
header ``ake005,class,self_pay,name``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError

ONE, ZERO = Decimal(1), Decimal(0)
CLASSES = {
    "covered": ZERO,
    "全额": ZERO,
    "partly": None,  # the item's self_pay, else the file's partly_self_pay
    "部分": None,
    "self-pay": ONE,
    "self_pay": ONE,
    "自费": ONE,
}
DEFAULT_PARTLY = Decimal("0.10")
Record = tuple[int, dict[str, Any]]  # the line it starts on, its fields


def bad(path: Path, line: int, zh: str, en: str) -> ConfigError:
    return ConfigError(f"{path}:{line}: " + zh_en(zh, en))


def _kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("csv", "json", "yaml", "yml"):
        raise bad(path, 1, "文件须为 .csv、.json 或 .yaml", "the file must be .csv, .json or .yaml")
    return kind


def _document(path: Path) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """The file parsed as YAML (JSON is read the same way, keeping its lines)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise bad(path, 1, f"无法读取：{exc}", f"cannot read: {exc}") from exc
    if path.suffix.lower() == ".json":  # strict JSON first (YAML would take a trailing comma)
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            raise bad(path, error.lineno, f"JSON 格式错误：{error.msg}", error.msg) from None
    loader = yaml.SafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise bad(path, line, f"无法解析：{exc}", f"cannot parse: {exc}") from None


def _top(path: Path, node: yaml.Node | None, key: str) -> tuple[yaml.Node | None, dict[str, Any]]:
    """The ``key`` node of the document (or the document itself when it is a list) and the
    other top-level scalars."""
    if isinstance(node, yaml.SequenceNode):
        return node, {}
    if not isinstance(node, yaml.MappingNode):
        raise bad(path, 1, f"缺少顶层的 '{key}:'", f"expected a top-level '{key}:'")
    found, other = None, {}
    for k, v in node.value:
        if k.value == key:
            found = v
        elif isinstance(v, yaml.ScalarNode):
            other[str(k.value)] = v.value
        else:
            raise bad(path, k.start_mark.line + 1, f"未知的项 '{k.value}'", f"unknown '{k.value}'")
    if found is None:
        raise bad(path, 1, f"缺少顶层的 '{key}:'", f"expected a top-level '{key}:'")
    return found, other


def person_records(path: Path) -> list[Record]:
    if _kind(path) == "csv":
        return list(_csv(path))
    loader, node = _document(path)
    persons, _ = _top(path, node, "persons")
    if not isinstance(persons, yaml.SequenceNode):
        raise bad(path, 1, "'persons:' 须为列表", "'persons:' must be a list")
    out = []
    for item in persons.value:
        line = item.start_mark.line + 1
        value = loader.construct_object(item, deep=True)
        if not isinstance(value, dict):
            raise bad(path, line, "每个人员须为一组 字段: 值", "each person must be a mapping")
        out.append((line, value))
    return out


@dataclass(frozen=True)
class ItemRecord:
    line: int
    code: str
    share: Decimal  # the self-paid share: 0 covered, 1 self-pay, between: partly


def item_records(path: Path) -> list[ItemRecord]:
    if _kind(path) == "csv":
        return [_item(path, line, row, DEFAULT_PARTLY) for line, row in _csv(path)]
    loader, node = _document(path)
    items, other = _top(path, node, "items")
    unknown = set(other) - {"partly_self_pay"}
    if unknown:
        raise bad(path, 1, f"未知的项 {sorted(unknown)}", f"unknown {sorted(unknown)}")
    partly = _share(path, 1, other.get("partly_self_pay", DEFAULT_PARTLY))
    if not isinstance(items, yaml.MappingNode):
        raise bad(path, 1, "'items:' 须为 项目编码: 类别", "'items:' must map codes to classes")
    out = []
    for k, v in items.value:
        line, value = k.start_mark.line + 1, loader.construct_object(v, deep=True)
        if isinstance(value, dict):
            fields = value
        elif str(value) in CLASSES:
            fields = {"class": value}
        else:  # the shipped file's form: code → name, covered
            fields = {"class": "covered", "name": value}
        out.append(_item(path, line, {"ake005": k.value, **fields}, partly))
    return out


def _item(path: Path, line: int, row: dict[str, Any], partly: Decimal) -> ItemRecord:
    code, kind = str(row.get("ake005") or "").strip(), str(row.get("class") or "").strip()
    unknown = set(row) - {"ake005", "class", "self_pay", "name"}
    if unknown:
        raise bad(path, line, f"未知的列 {sorted(unknown)}", f"unknown columns {sorted(unknown)}")
    if not code:
        raise bad(path, line, "缺少项目编码 ake005", "the item code ake005 is missing")
    if kind not in CLASSES:
        words = "covered / partly / self-pay（全额 / 部分 / 自费）"
        raise bad(path, line, f"类别须为 {words}", f"class must be {words}")
    share = CLASSES[kind]
    if share is None:
        given = row.get("self_pay")
        share = partly if given in (None, "") else _share(path, line, given)
        if not ZERO < share < ONE:
            zh, en = "部分自费的比例须在 0 与 1 之间", "self_pay must be between 0 and 1"
            raise bad(path, line, zh, en)
    return ItemRecord(line, code, share)


def _share(path: Path, line: int, value: object) -> Decimal:
    try:
        share = Decimal(str(value))
    except InvalidOperation:
        raise bad(path, line, "self_pay 须为小数，如 0.10", "self_pay must be a decimal") from None
    if not share.is_finite() or not ZERO <= share <= ONE:
        raise bad(path, line, "self_pay 须在 0 与 1 之间", "self_pay must be between 0 and 1")
    return share


def _csv(path: Path) -> Iterator[Record]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                if None in row:
                    raise bad(path, reader.line_num, "列数多于表头", "more values than columns")
                values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                yield reader.line_num, {k: v for k, v in values.items() if v != ""}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise bad(path, 1, f"无法读取：{exc}", f"cannot read: {exc}") from exc
