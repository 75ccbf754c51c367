"""Load every mapping file of a folder: strict validation, every problem of every file at once.

``load_mappings(folder, catalogue)`` reads ``folder/**/*.yaml`` (one file per feed; the feed
is named after the file), validates each against :class:`~syncd.mapping.spec.FeedSpec`, then
against the platform catalogue (function ids, required fields, decimal places, dates,
datasets, reply fields), the settings tree (``setting:`` paths) and the other feeds
(``requires.after``).  All problems are raised together as one :class:`ConfigError`, each with
``file:line:column``, what is wrong and a hint.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from syncd.config.mapping_catalogue import catalogue_problems, presence_problems
from syncd.config.settings import Settings
from syncd.config.yamlfile import Located, describe, load_yaml, missing_hint
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.core.records import REQUEST_WRITEBACK, SYNC_STATUS_WRITEBACK
from syncd.mapping import lookup_feed, names, needs_persons
from syncd.mapping.spec import FeedSpec
from syncd.mapping.types import FEED_NAME_HINT
from syncd.protocol.catalogue import Catalogue

_QUOTE_HINT = 'put the value in quotes, e.g. "01" (YAML reads 01 as a number)'


@dataclass(frozen=True)
class LoadedFeed:
    """A validated feed and the parsed file it came from (for positions in later checks)."""

    spec: FeedSpec
    located: Located


def load_mappings(folder: Path, catalogue: Catalogue | None) -> dict[str, FeedSpec]:
    """Every feed of ``folder`` by name; ConfigError listing every problem of every file."""
    if not folder.is_dir():
        problem = ConfigProblem(
            str(folder),
            0,
            0,
            zh_en("找不到映射目录", "mapping folder not found"),
            zh_en("检查设置的 folders.mappings", "check folders.mappings in the settings"),
        )
        raise ConfigError([problem])
    problems: list[ConfigProblem] = []
    feeds: dict[str, LoadedFeed] = {}
    for path in _mapping_files(folder, problems):
        loaded, found = load_feed_file(path, catalogue)
        problems += found
        if loaded is not None:
            problems += _add_unique(feeds, loaded)
    problems += _cross_feed_problems(feeds)
    if problems:
        raise ConfigError(sorted(problems, key=_order))
    return {name: feed.spec for name, feed in sorted(feeds.items())}


def _order(problem: ConfigProblem) -> tuple[str, int, int]:
    return (problem.file, problem.line, problem.column)


def _mapping_files(folder: Path, problems: list[ConfigProblem]) -> list[Path]:
    for odd in sorted(folder.rglob("*.yml")):
        hint = zh_en(f"改名为 {odd.stem}.yaml", f"rename it to {odd.stem}.yaml")
        message = zh_en("映射文件的扩展名须为 .yaml", "mapping files end in .yaml")
        problems.append(ConfigProblem(str(odd), 0, 0, message, hint))
    return sorted(folder.rglob("*.yaml"))


def load_feed_file(
    path: Path, catalogue: Catalogue | None
) -> tuple[LoadedFeed | None, list[ConfigProblem]]:
    """Parse and validate one mapping file; the feed (or None) and the problems found."""
    try:
        located = load_yaml(path)
    except ConfigError as exc:
        return None, list(exc.problems)
    problems = list(located.problems)
    if not isinstance(located.data, dict):
        message = zh_en("映射文件须为键值映射", "a mapping file must be a mapping of keys")
        return None, [*problems, located.problem((), message)]
    problems += _name_problems(path, located) + _secret_problems(located, located.data, ())
    spec, found = _validate(located, path.stem)
    problems += found
    if spec is None:
        return None, problems + _presence(located, found, catalogue)
    problems += _setting_problems(located) + _param_problems(spec, located)
    problems += _writeback_target_problems(spec, located)
    if catalogue is not None:
        spec, found = catalogue_problems(spec, located, catalogue)
        problems += found
    return LoadedFeed(spec, located), problems


def _presence(
    located: Located, found: list[ConfigProblem], catalogue: Catalogue | None
) -> list[ConfigProblem]:
    """Catalogue problems of a file that failed validation, unless its function_id did."""
    id_line = located.where(("function_id",))[0]
    if catalogue is None or any(p.line == id_line for p in found):
        return []
    return presence_problems(located.data, located, catalogue)


def _name_problems(path: Path, located: Located) -> list[ConfigProblem]:
    problems = []
    if not names.FEED_NAME.match(path.stem):
        problems.append(
            located.problem(
                (),
                zh_en(f"'{path.stem}' 不是业务名", f"'{path.stem}' is not a feed name"),
                FEED_NAME_HINT,
            )
        )
    if "feed" in located.data:
        problems.append(
            located.problem(
                ("feed",),
                zh_en("未知的键 'feed'", "unknown key 'feed'"),
                zh_en(
                    "业务名即文件名，删除 'feed'", "the feed is named after its file; remove 'feed'"
                ),
            )
        )
        located.data.pop("feed")
    return problems


def _secret_problems(located: Located, data: Any, path: tuple[Any, ...]) -> list[ConfigProblem]:
    """Refuse (and drop) every key that names a secret, at any depth."""
    problems: list[ConfigProblem] = []
    for key, value in _children(data):
        if isinstance(key, str) and names.looks_secret(key):
            hint = zh_en(
                "映射文件不存放机密；syncd 从环境读取",
                "mapping files never hold secrets; syncd reads them from the environment",
            )
            message = zh_en(f"'{key}' 像是密码等机密", f"'{key}' looks like a secret")
            problems.append(located.problem((*path, key), message, hint))
            data.pop(key)
        else:
            problems += _secret_problems(located, value, (*path, key))
    return problems


def _children(data: Any) -> list[tuple[Any, Any]]:
    if isinstance(data, dict):
        return list(data.items())
    return list(enumerate(data)) if isinstance(data, list) else []


def _validate(located: Located, feed: str) -> tuple[FeedSpec | None, list[ConfigProblem]]:
    try:
        spec = FeedSpec.model_validate(located.data)
    except ValidationError as exc:
        return None, [_problem(err, located) for err in exc.errors()]
    return spec.model_copy(update={"feed": feed}), []


def _problem(err: Any, located: Located) -> ConfigProblem:
    loc = tuple(err["loc"])
    return located.problem(loc, describe(err, loc), _hint(err, loc))


def _hint(err: Any, loc: tuple[Any, ...]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if "hint" in ctx:
        return str(ctx["hint"])
    if kind == "extra_forbidden":
        return names.did_you_mean(str(loc[-1]), _keys_at(FeedSpec, loc[:-1]))
    if kind == "missing":
        return missing_hint(loc)
    if kind == "literal_error":
        return names.did_you_mean(str(err["input"]), _literal_choices(ctx))
    if kind == "string_type":
        return _QUOTE_HINT
    return ""


def _literal_choices(ctx: Mapping[str, Any]) -> list[str]:
    return [
        part.strip(" '") for part in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
    ]


def _keys_at(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``path`` (dict keys and list indexes in the path are stepped over)."""
    current: Any = model
    parts = list(path)
    while parts:
        info = current.model_fields.get(str(parts.pop(0))) if _is_model(current) else None
        if info is None:
            return []
        current, steps_over_item = _item_type(info.annotation)
        if steps_over_item and parts:
            parts.pop(0)
    return (
        [name for name, f in current.model_fields.items() if not f.exclude]
        if _is_model(current)
        else []
    )


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _item_type(annotation: Any) -> tuple[Any, bool]:
    """(the model inside ``annotation``, whether a dict key / list index comes first)."""
    container = getattr(annotation, "__origin__", None) in (dict, tuple, list)
    for candidate in _flatten(annotation):
        if _is_model(candidate):
            return candidate, container or _inside_container(annotation, candidate)
    return None, False


def _flatten(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _flatten(arg)
    yield from getattr(annotation, "__metadata__", ())


def _inside_container(annotation: Any, model: Any) -> bool:
    for arg in getattr(annotation, "__args__", ()) or ():
        if getattr(arg, "__origin__", None) in (dict, tuple, list) and model in _flatten(arg):
            return True
    return False


def _setting_problems(located: Located) -> list[ConfigProblem]:
    """Every ``setting:`` must name one value of the settings tree (secrets excluded)."""
    problems = []
    for setting, path in _uses(located.data, "setting"):
        error = _setting_error(setting)
        if error:
            problems.append(located.problem(path, *error))
    return problems


def _setting_error(setting: str) -> tuple[str, str] | None:
    current: Any = Settings
    for part in setting.split("."):
        if not _is_model(current):
            return f"setting '{setting}' is not a single value", "name a value, not a section"
        if part not in current.model_fields:
            return f"unknown setting '{setting}'", names.did_you_mean(part, current.model_fields)
        current = _item_type(current.model_fields[part].annotation)[0] or object
    if _is_model(current):
        return f"setting '{setting}' is a whole section", "name one value in it"
    return None


def _param_problems(spec: FeedSpec, located: Located) -> list[ConfigProblem]:
    """Every parameter a rule, the visit or a dataset join names must be declared."""
    declared = set(spec.source.params)
    used = list(_uses(located.data, "param"))
    if spec.source.is_command:
        for name, dataset in spec.datasets.items():
            used += [
                (parent, ("datasets", name, "join", child))
                for child, parent in dataset.join.items()
            ]
    return [
        located.problem(
            path,
            zh_en(f"'{param}' 不是此命令的参数", f"'{param}' is not a parameter of this command"),
            names.did_you_mean(param, declared)
            or zh_en("在 source.params 下声明它", "declare it under source.params"),
        )
        for param, path in used
        if param not in declared
    ]


def _writeback_target_problems(spec: FeedSpec, located: Located) -> list[ConfigProblem]:
    """Every ``writeback:`` column must be a reply column of the feed's staging table (a view
    feed writes into WI_SYNC_STATUS, a command into WI_REQUEST): nothing is dropped unseen."""
    table = "WI_REQUEST" if spec.source.is_command else "WI_SYNC_STATUS"
    columns: tuple[str, ...] = (
        REQUEST_WRITEBACK if spec.source.is_command else SYNC_STATUS_WRITEBACK
    )
    return [
        located.problem(
            ("writeback", reply),
            f"staging table {table} has no column '{column}' to write '{reply}' into "
            f"(中间表没有该列，无法回写)",
            f"{names.did_you_mean(column.lower(), columns)}; the whole reply is kept in "
            f"{table}.result_json (整个返回保存在 result_json)",
        )
        for reply, column in spec.writeback.items()
        if column.lower() not in columns
    ]


def _uses(data: Any, key: str, path: tuple[Any, ...] = ()) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every ``key: value`` (string value) in the document, with its parent path.

    Code tables (``codes:``) are data, not rules, and are not searched.
    """
    if isinstance(data, dict):
        if isinstance(data.get(key), str):
            yield data[key], (*path, key)
        for name, value in data.items():
            if name != "codes":
                yield from _uses(value, key, (*path, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _uses(value, key, (*path, index))


def _add_unique(feeds: dict[str, LoadedFeed], loaded: LoadedFeed) -> list[ConfigProblem]:
    name = loaded.spec.feed
    if name in feeds:
        first = feeds[name].located.file
        return [
            loaded.located.problem(
                (),
                zh_en(
                    f"业务 '{name}' 定义了两次（另见 {first}）",
                    f"feed '{name}' is defined twice (also {first})",
                ),
                zh_en("业务名即文件名：改名其一", "feed names are file names: rename one file"),
            )
        ]
    feeds[name] = loaded
    return []


NO_LOOKUP_ZH = "映射使用 person: 规则，但没有渲染人员查询（110001/120001）的命令映射"
NO_LOOKUP_EN = "person: rules need the look-up command's mapping (op_person / ip_person)"


def _cross_feed_problems(feeds: Mapping[str, LoadedFeed]) -> list[ConfigProblem]:
    problems = [p for feed in feeds.values() for p in _before_problems(feed, feeds)]
    specs = {name: feed.spec for name, feed in feeds.items()}
    for feed in feeds.values():
        if needs_persons(feed.spec) and lookup_feed(feed.spec, specs) is None:
            hint = zh_en(
                "在目录中保留 outpatient/op_person.yaml 或 inpatient/ip_person.yaml",
                "keep outpatient/op_person.yaml or inpatient/ip_person.yaml in the folder",
            )
            message = zh_en(NO_LOOKUP_ZH, NO_LOOKUP_EN)
            problems.append(feed.located.problem(("fields",), message, hint))
    for feed in feeds.values():
        for index, other in enumerate(feed.spec.requires.after):
            if other not in feeds:
                where = ("requires", "after", index)
                problems.append(
                    feed.located.problem(
                        where,
                        zh_en(f"没有业务 '{other}'", f"unknown feed '{other}'"),
                        names.did_you_mean(other, feeds),
                    )
                )
    return problems


def _before_problems(feed: LoadedFeed, feeds: Mapping[str, LoadedFeed]) -> list[ConfigProblem]:
    """``before:`` must name another command feed."""
    first = feed.spec.before
    if first is None:
        return []
    if first not in feeds:
        hint = names.did_you_mean(first, feeds)
        message = zh_en(f"没有业务 '{first}'", f"unknown feed '{first}'")
        return [feed.located.problem(("before",), message, hint)]
    if first == feed.spec.feed or not feeds[first].spec.source.is_command:
        message = zh_en(
            f"'before' 须为另一个命令类业务；'{first}' 不是",
            f"'before' must name another command feed; '{first}' is not one",
        )
        hint = zh_en("写一个 source: {command: …} 的业务", "name a feed with source: {command: …}")
        return [feed.located.problem(("before",), message, hint)]
    return []


def settings_values(settings: Settings) -> dict[str, object]:
    """The settings as flat ``section.key`` values for the engine (secrets are not included)."""
    flat: dict[str, object] = {}
    _flatten_into(flat, settings.model_dump(mode="python"), "")
    return flat


def _flatten_into(flat: dict[str, object], data: Mapping[str, Any], prefix: str) -> None:
    for key, value in data.items():
        if isinstance(value, dict) and not names.looks_secret(key):
            _flatten_into(flat, value, f"{prefix}{key}.")
        elif not names.looks_secret(key):
            flat[f"{prefix}{key}"] = value
