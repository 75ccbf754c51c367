"""Check mapping files against the live HIS database: every view and column they read exists.

:func:`live_problems` walks each mapping file as parsed (so every problem keeps its
``file:line:column``), asks the database through :class:`~syncd.db.views.ViewReader` for
each view named (source, datasets) and its columns, and reports every view or column that is
missing, with a "did you mean" among the names the database does have.  Names compare
case-blind (PostgreSQL folds to lower case, Oracle to upper case).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from syncd.config.yamlfile import Located, load_yaml
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.db.views import ViewReader, split_name
from syncd.mapping.names import did_you_mean

YamlPath = tuple[Any, ...]
# (view key in the file, column name, where the column is written)
Use = tuple[YamlPath, str, YamlPath]


def live_problems(folder: Path, reader: ViewReader) -> list[ConfigProblem]:
    """Every missing view/column of every mapping file in ``folder`` (files that parse)."""
    problems: list[ConfigProblem] = []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            located = load_yaml(path)
        except ConfigError:
            continue  # the loader reports a file that does not parse
        if isinstance(located.data, dict):
            problems += file_problems(located, reader)
    return problems


def disabled_views(folder: Path) -> list[tuple[Path, str]]:
    """(file, view) of every view a disabled feed (``enabled: false``) names: not checked."""
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        try:
            data = load_yaml(path).data
        except ConfigError:
            continue
        if isinstance(data, dict) and data.get("enabled") is False:
            found += [(path, view) for _, view in _views(data)]
    return found


def file_problems(located: Located, reader: ViewReader) -> list[ConfigProblem]:
    """The missing views and columns of one mapping file; none for a disabled feed (its views
    are not needed until it is enabled)."""
    data = located.data
    if data.get("enabled") is False:
        return []
    problems: list[ConfigProblem] = []
    views = dict(_views(data))
    missing: set[YamlPath] = set()
    for where, view in views.items():
        if reader.describe(view) is None:
            missing.add(where)
            problems.append(_missing_view(located, reader, where, view))
    for view_at, column, where in _column_uses(data):
        named = views.get(view_at)
        if named is None or view_at in missing:
            continue
        info = reader.describe(named)
        if info is not None and info.column(column) is None:
            message = f"column '{column}' is not in view {named} (视图中没有该列)"
            hint = _suggest(column, info.columns) or "check the view or the column name"
            problems.append(located.problem(where, message, hint))
    return problems


def _missing_view(
    located: Located, reader: ViewReader, where: YamlPath, view: str
) -> ConfigProblem:
    schema, name = split_name(view, reader.default_schema)
    hint = _suggest(name, reader.names(schema)) or zh_en(
        "创建该视图（见 sql/examples/）", "create the view (sql/examples/)"
    )
    message = zh_en(f"数据库中没有视图 '{view}'", f"view '{view}' does not exist in the database")
    return located.problem(where, message, hint)


def _suggest(word: str, names: Iterable[str]) -> str:
    """ "did you mean", names folded to lower case by the database shown as the mapping writes."""
    shown = [n.upper() if word.isupper() and n.islower() else n for n in names]
    return did_you_mean(word, shown)


def _views(data: Mapping[str, Any]) -> Iterator[tuple[YamlPath, str]]:
    source = data.get("source")
    if isinstance(source, dict) and isinstance(source.get("view"), str):
        yield ("source", "view"), source["view"]
    for name, dataset in _dict(data.get("datasets")).items():
        if isinstance(dataset, dict) and isinstance(dataset.get("view"), str):
            yield ("datasets", name, "view"), dataset["view"]


def _column_uses(data: Mapping[str, Any]) -> Iterator[Use]:
    source_view: YamlPath = ("source", "view")
    source = _dict(data.get("source"))
    for key in ("key", "version"):
        yield from _names(source_view, source.get(key), ("source", key))
    yield from _names(source_view, _dict(data.get("visit")).get("column"), ("visit", "column"))
    yield from _rule_columns(source_view, data.get("fields"), ("fields",))
    batch = _dict(data.get("batch"))
    yield from _rule_columns(source_view, batch.get("fields"), ("batch", "fields"))
    yield from _names(source_view, batch.get("order_by"), ("batch", "order_by"))
    for name, dataset in _dict(data.get("datasets")).items():
        yield from _dataset_uses(source_view, name, _dict(dataset))


def _dataset_uses(source_view: YamlPath, name: str, dataset: Mapping[str, Any]) -> Iterator[Use]:
    at: YamlPath = ("datasets", name)
    if "view" not in dataset:
        return  # from_reply: the columns are reply fields
    own = (*at, "view")
    yield from _rule_columns(own, dataset.get("fields"), (*at, "fields"))
    yield from _names(own, dataset.get("order_by"), (*at, "order_by"))
    for child, parent in _dict(dataset.get("join")).items():
        yield own, str(child), (*at, "join", child)
        yield source_view, str(parent), (*at, "join", child)


def _rule_columns(view: YamlPath, rules: Any, at: YamlPath) -> Iterator[Use]:
    """Every ``column:`` inside the rules (concat parts included); ``codes`` are data."""
    if isinstance(rules, dict):
        if isinstance(rules.get("column"), str):
            yield view, rules["column"], (*at, "column")
        for key, value in rules.items():
            if key != "codes":
                yield from _rule_columns(view, value, (*at, key))
    elif isinstance(rules, list):
        for index, value in enumerate(rules):
            yield from _rule_columns(view, value, (*at, index))


def _names(view: YamlPath, value: Any, at: YamlPath) -> Iterator[Use]:
    if isinstance(value, str):
        yield view, value, at
    elif isinstance(value, list):
        yield from ((view, item, (*at, i)) for i, item in enumerate(value) if isinstance(item, str))


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}
