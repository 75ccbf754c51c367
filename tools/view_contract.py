"""Write the contract of every view the shipped mappings read into ``docs/dba-guide.md``.

Usage: ``.venv/bin/python tools/view_contract.py [--check]``.  Between the markers
``<!-- view-contract:start -->`` and ``<!-- view-contract:end -->`` the guide gets, per view, a
table of the columns syncd reads: which platform fields each fills (code and the catalogue's
Chinese name), how the value is shaped (date, decimal places, code list), and whether the row
is rejected without it (the mapping's ``required``, or a field the catalogue requires with no
default) — so the contract cannot drift from the mappings.  ``--check`` writes nothing and
exits 1 when the guide is out of date.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from syncd.config.mappings import load_mappings
from syncd.mapping import FeedSpec, FieldRule
from syncd.protocol import catalogue as catalogue_module
from syncd.protocol.catalogue import Catalogue

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "dba-guide.md"
START, END = "<!-- view-contract:start -->", "<!-- view-contract:end -->"
# column → (field, its Chinese name, rule, catalogue-required); a key column's field is ''
Uses = dict[str, list[tuple[str, str, FieldRule | None, bool]]]


def contract(feeds: Mapping[str, FeedSpec], catalogue: Catalogue) -> str:
    """The markdown of every view's contract, views in file order."""
    views: dict[str, tuple[list[str], Uses, list[str]]] = {}
    for name, spec in feeds.items():
        if spec.source.view:
            _add(views, spec.source.view, f"`{name}`", spec, catalogue, _row_fields(spec))
        for dataset, child in spec.datasets.items():
            if child.view:
                fields = {f"{dataset}.{c}": r for c, r in child.fields.items()}
                _add(views, child.view, f"`{name}` 的 `{dataset}`", spec, catalogue, fields)
                for column, parent in child.join.items():
                    views[child.view][2].append(f"`{column}` 关联 `{parent}`")
                views[child.view][2].append("按 " + "、".join(f"`{c}`" for c in child.order_by))
    out = []
    for view in sorted(views):
        feeds_of, uses, notes = views[view]
        out.append(f"#### `{view}`（{'、'.join(dict.fromkeys(feeds_of))}）\n")
        if notes:
            out.append("；".join(dict.fromkeys(notes)) + "。\n")
        out.append("| 列 | 填入的平台字段 | 取值 | 必需 |\n|---|---|---|---|")
        for column in sorted(uses, key=lambda c: (all(code for code, *_ in uses[c]), c)):
            out.append(_line(column, uses[column]))
        out.append("")
    return "\n".join(out)


def _row_fields(spec: FeedSpec) -> dict[str, FieldRule]:
    rows = (
        {f"{spec.batch.dataset}.{c}": r for c, r in spec.batch.fields.items()} if spec.batch else {}
    )
    return {**spec.fields, **rows}


def _add(
    views: dict[str, tuple[list[str], Uses, list[str]]],
    view: str,
    label: str,
    spec: FeedSpec,
    catalogue: Catalogue,
    fields: Mapping[str, FieldRule],
) -> None:
    feeds_of, uses, _ = views.setdefault(view, ([], {}, []))
    feeds_of.append(label)
    required, names = _catalogue_fields(spec, catalogue)
    for code, rule in fields.items():
        for column, part in _columns(rule):
            name = names.get(code, "")
            uses.setdefault(column, []).append((code, name, part, code in required))
    if spec.source.view == view:
        roles = [(c, "主键：一行的身份，不得重复、不得改变") for c in spec.source.key]
        if spec.source.version:
            roles.append((spec.source.version, "版本列：值改变即为新版本，重新发送"))
        if spec.visit and spec.visit.column:
            roles.append((spec.visit.column, "就诊键：同一次就诊的各行相同（WI_VISIT.visit_key）"))
        if spec.source.watermark:
            mark = spec.source.watermark.column
            roles.append((mark, "水位：随新行递增、只增不减（按它查找新行，请建索引）"))
        for column, role in roles:
            uses.setdefault(column, []).append(("", role, None, True))


def _columns(rule: FieldRule) -> Iterator[tuple[str, FieldRule]]:
    if rule.column:
        yield rule.column, rule
    for part in rule.parts:
        for column, inner in _columns(part):
            yield column, rule if rule.person else inner


def _catalogue_fields(spec: FeedSpec, catalogue: Catalogue) -> tuple[set[str], dict[str, str]]:
    """The fields the function requires, and every field's Chinese name (``dataset.code``)."""
    try:
        function = catalogue.get(spec.function)
    except Exception:  # a configurable function id the catalogue names differently
        return set(), {}
    groups = [("", function.inputs), *((f"{n}.", rows) for n, rows in function.datasets.items())]
    required = {prefix + f.code for prefix, rows in groups for f in rows if f.required}
    names = {prefix + f.code: _short(f.name_zh) for prefix, rows in groups for f in rows}
    return required, names


def _short(name_zh: str) -> str:
    """A catalogue name without its notes: 处方号? → 处方号, 住院原因 0 普通… → 住院原因."""
    for cut in ("（", "(", " ", "?", "？"):
        name_zh = name_zh.split(cut)[0] if not name_zh.startswith(cut) else name_zh
    return name_zh


def _line(column: str, uses: list[tuple[str, str, FieldRule | None, bool]]) -> str:
    fields = "；".join(
        dict.fromkeys(f"`{code}` {name}".strip() if code else name for code, name, _, _ in uses)
    )
    shapes = "；".join(dict.fromkeys(s for _, _, rule, _ in uses if rule and (s := _shape(rule))))
    needed = any(
        rule is None or rule.required or (cat and rule.default is None) for _, _, rule, cat in uses
    )
    return f"| `{column}` | {fields} | {shapes or '文本'} | {'是' if needed else '否'} |"


def _shape(rule: FieldRule) -> str:
    if rule.person:
        kind = next(iter(rule.by or {}), "")
        return f"人员查询的键（按 {kind} 向平台查询 {rule.person}）"
    if rule.date:
        return f"日期/时间（发送 {rule.date}{'，文本按 ' + rule.date_in if rule.date_in else ''}）"
    if rule.decimal is not None:
        sign = {"non_negative": "，不得为负", "non_positive": "，不得为正"}.get(rule.sign, "")
        return f"数字，至多 {rule.decimal} 位小数{sign}"
    if rule.codes:
        return "代码：" + "、".join(f"`{k}`" for k in list(rule.codes)[:6])
    if rule.codes_table:
        return f"代码（码表 {rule.codes_table.category}）"
    if "integer" in rule.transform:
        return "整数"
    if rule.max_length:
        return f"文本，至多 {rule.max_length} 字"
    return ""


def main(argv: list[str]) -> int:
    catalogue = catalogue_module.load()
    feeds = load_mappings(ROOT / "mappings", catalogue)
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n\n{contract(feeds, catalogue)}\n{END}{tail}"
    if "--check" in argv:
        if new != text:
            sys.stderr.write(
                "docs/dba-guide.md: view contract out of date: run tools/view_contract.py\n"
            )
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
