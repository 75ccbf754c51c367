"""Check a validated feed against the platform catalogue and complete it from there.

Problems found: unknown or unusable function ids, required platform fields (and required
datasets) the mapping does not produce, field codes the transaction does not have, decimal
fields without their places, date fields without a pattern, reply fields that do not exist.
The returned feed carries the wire function id, the catalogue's Chinese field names as labels
and ``required`` on every field the platform requires (unless the rule has a default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from syncd.config.yamlfile import Located
from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.mapping.names import did_you_mean
from syncd.mapping.rules import FieldRule
from syncd.mapping.spec import DatasetSpec, FeedSpec
from syncd.protocol.catalogue import CallKind, Catalogue, FieldSpec, FunctionSpec

_WIRE_ID = re.compile(r"^(bizh\d{6}|sys\d{4})$")
_ENVELOPE_REPLY = ("return_code", "return_code_message")
CataloguePath = tuple[Any, ...]


def catalogue_problems(
    spec: FeedSpec, located: Located, catalogue: Catalogue
) -> tuple[FeedSpec, list[ConfigProblem]]:
    """The feed completed from the catalogue, and every problem found on the way."""
    function, problem = _resolve(spec.function_id, catalogue, located)
    if function is None and not spec.enabled:
        function = _unset_configurable(spec.function_id, catalogue)
    if function is None:
        return spec, [problem] if problem else []
    problems = _field_problems(function, function.inputs, spec.fields, located, ("fields",))
    problems += _dataset_problems(function, spec, located)
    problems += _writeback_problems(function, spec, located)
    return _completed(spec, function), problems


def _unset_configurable(name: str, catalogue: Catalogue) -> FunctionSpec | None:
    """A disabled feed may name a configurable transaction whose id is not set yet."""
    return next((f for f in catalogue.all() if f.name == name and f.function_id is None), None)


def presence_problems(
    data: Mapping[str, Any], located: Located, catalogue: Catalogue
) -> list[ConfigProblem]:
    """For a file that failed validation: what its keys alone show (id, missing fields)."""
    function_id, fields = data.get("function_id"), data.get("fields")
    if not isinstance(function_id, str) or not isinstance(fields, dict):
        return []
    function, problem = _resolve(function_id, catalogue, located)
    if function is None:
        return [problem] if problem else []
    return _missing_fields(function, function.inputs, set(fields), located, ("fields",))


def _resolve(
    function_id: str, catalogue: Catalogue, located: Located
) -> tuple[FunctionSpec | None, ConfigProblem | None]:
    where = ("function_id",)
    try:
        function = catalogue.get(function_id) if _WIRE_ID.match(function_id) else None
        function = function or catalogue.by_name(function_id)
    except ConfigError as exc:
        known = [*(f.function_id for f in catalogue.all() if f.function_id)]
        known += [f.name for f in catalogue.all()]
        if any(f.name == function_id for f in catalogue.all()):
            return None, located.problem(where, exc.problems[0].message)
        hint = did_you_mean(function_id, known)
        message = zh_en(f"未知的交易号 '{function_id}'", f"unknown function id '{function_id}'")
        return None, located.problem(where, message, hint)
    if function.kind is CallKind.SESSION:
        return None, located.problem(
            where,
            zh_en("登录（sys0001）不是业务", "login (sys0001) is not a feed"),
            zh_en("syncd 自己登录；请删除此文件", "syncd logs in by itself; remove this file"),
        )
    return function, None


def short_name(field: FieldSpec) -> str:
    """The Chinese name of a field without the explanation the spec appends."""
    text = re.split(r"[\s（(]", field.name_zh.strip(), maxsplit=1)[0]
    return text or field.code


def _field_problems(
    function: FunctionSpec,
    known: tuple[FieldSpec, ...],
    rules: Mapping[str, FieldRule],
    located: Located,
    path: CataloguePath,
) -> list[ConfigProblem]:
    by_code = {field.code: field for field in known}
    problems = _missing_fields(function, known, set(rules), located, path)
    for code, rule in rules.items():
        field = by_code.get(code)
        problem = (
            _unknown(code, function, by_code, located, path)
            if field is None
            else (_shape_problem(field, rule, located, (*path, code)))
        )
        problems += [problem] if problem else []
    return problems


def _missing_fields(
    function: FunctionSpec,
    known: tuple[FieldSpec, ...],
    codes: set[Any],
    located: Located,
    path: CataloguePath,
) -> list[ConfigProblem]:
    missing = [field for field in known if field.required and field.code not in codes]
    return [_missing(field, function, located, path) for field in missing]


def _missing(
    field: FieldSpec, function: FunctionSpec, located: Located, path: CataloguePath
) -> ConfigProblem:
    return located.problem(
        path,
        zh_en(
            f"{function.function_id} {function.name_zh} 的必填字段 '{field.code}'"
            f"（{short_name(field)}）没有映射",
            f"required platform field '{field.code}' ({short_name(field)}) is not mapped "
            f"for {function.function_id} {function.name_zh}",
        ),
        zh_en(
            f"在 {path[-1]} 下加入 '{field.code}: {{column: ...}}'（{short_name(field)}）",
            f"add '{field.code}: {{column: ...}}' ({short_name(field)}) under {path[-1]}",
        ),
    )


def _unknown(
    code: str,
    function: FunctionSpec,
    by_code: Mapping[str, FieldSpec],
    located: Located,
    path: CataloguePath,
) -> ConfigProblem:
    return located.problem(
        (*path, code),
        zh_en(
            f"'{code}' 不是 {function.function_id} {function.name_zh} 的字段",
            f"'{code}' is not a field of {function.function_id} {function.name_zh}",
        ),
        did_you_mean(code, by_code),
    )


def _shape_problem(
    field: FieldSpec, rule: FieldRule, located: Located, path: CataloguePath
) -> ConfigProblem | None:
    name = f"'{field.code}' ({short_name(field)})"
    if rule.inferred and field.required:
        return located.problem(
            (*path, "inferred"),
            zh_en(
                f"{name} 是平台必填字段，不能标为 'inferred' 而省略",
                f"{name} is required by the platform: it cannot be left out as 'inferred'",
            ),
            zh_en(
                "删除 'inferred: true'（否则 platform.send_inferred_fields 会让每次调用都无效）",
                "remove 'inferred: true' (platform.send_inferred_fields would make every call "
                "invalid)",
            ),
        )
    if field.type == "decimal" and field.places is not None and rule.decimal != field.places:
        return located.problem(
            path,
            zh_en(
                f"{name} 在平台上有 {field.places} 位小数",
                f"{name} has {field.places} decimal places on the platform",
            ),
            zh_en(
                f"在此规则中写 decimal: {field.places}",
                f"write decimal: {field.places} in this rule",
            ),
        )
    if field.type == "date" and rule.date is None and rule.const is None:
        return located.problem(
            path,
            zh_en(f"{name} 在平台上是日期", f"{name} is a date on the platform"),
            zh_en(
                "加上 date: yyyyMMdd（视图中为文本时再加 date_in:）",
                "add date: yyyyMMdd (and date_in: if the view holds text)",
            ),
        )
    return None


def _dataset_problems(
    function: FunctionSpec, spec: FeedSpec, located: Located
) -> list[ConfigProblem]:
    given = set(spec.datasets) | ({spec.batch.dataset} if spec.batch else set())
    problems = [
        located.problem(
            ("datasets",),
            zh_en(
                f"{function.function_id} {function.name_zh} 需要数据集 '{name}'",
                f"dataset '{name}' is required by {function.function_id} {function.name_zh}",
            ),
            zh_en("加上", "add")
            + f" datasets: {{{name}: {{view: ..., join: ..., order_by: ..., fields: ...}}}}",
        )
        for name in sorted(function.required_datasets - given)
    ]
    for name, dataset in spec.datasets.items():
        path = ("datasets", name)
        problems += _one_dataset(function, name, path, dataset.fields, dataset.max_rows, located)
    if spec.batch is not None:
        batch = spec.batch
        problems += _one_dataset(
            function, batch.dataset, ("batch",), batch.fields, batch.max_rows, located
        )
    return problems


def _one_dataset(
    function: FunctionSpec,
    name: str,
    path: CataloguePath,
    fields: Mapping[str, FieldRule],
    max_rows: int,
    located: Located,
) -> list[ConfigProblem]:
    if name not in function.datasets:
        hint = (
            did_you_mean(name, function.datasets)
            if function.datasets
            else zh_en(
                f"{function.function_id} 没有数据集", f"{function.function_id} takes no datasets"
            )
        )
        message = zh_en(
            f"'{name}' 不是 {function.function_id} 的数据集",
            f"'{name}' is not a dataset of {function.function_id}",
        )
        return [located.problem(path, message, hint)]
    problems = []
    if function.max_rows and max_rows > function.max_rows:
        problems.append(
            located.problem(
                (*path, "max_rows"),
                zh_en(
                    f"max_rows 超过平台上限 {function.max_rows}",
                    f"max_rows is over the platform's {function.max_rows}",
                ),
                zh_en(f"最多写 {function.max_rows}", f"use at most {function.max_rows}"),
            )
        )
    known = function.datasets[name]
    return problems + _field_problems(function, known, fields, located, (*path, "fields"))


def _writeback_problems(
    function: FunctionSpec, spec: FeedSpec, located: Located
) -> list[ConfigProblem]:
    valid = {*_ENVELOPE_REPLY, *(f.code for f in function.outputs)}
    valid |= {f"{ds}.{f.code}" for ds, rows in function.output_datasets.items() for f in rows}
    return [
        located.problem(
            ("writeback", reply),
            zh_en(
                f"'{reply}' 不在 {function.function_id} {function.name_zh} 的应答中",
                f"'{reply}' is not in the reply of {function.function_id} {function.name_zh}",
            ),
            did_you_mean(reply, valid),
        )
        for reply in spec.writeback
        if reply not in valid
    ]


def _completed(spec: FeedSpec, function: FunctionSpec) -> FeedSpec:
    fields = _enriched(spec.fields, function.inputs)
    datasets = {name: _enriched_dataset(name, ds, function) for name, ds in spec.datasets.items()}
    update: dict[str, Any] = {
        "fields": fields,
        "datasets": datasets,
        "wire_function_id": function.function_id,
    }
    if spec.batch is not None:
        known = function.datasets.get(spec.batch.dataset, ())
        batch_fields = _enriched(spec.batch.fields, known)
        update["batch"] = spec.batch.model_copy(update={"fields": batch_fields})
    return spec.model_copy(update=update)


def _enriched_dataset(name: str, dataset: DatasetSpec, function: FunctionSpec) -> DatasetSpec:
    fields = _enriched(dataset.fields, function.datasets.get(name, ()))
    required = dataset.required or name in function.required_datasets
    return dataset.model_copy(update={"fields": fields, "required": required})


def _enriched(rules: Mapping[str, FieldRule], known: tuple[FieldSpec, ...]) -> dict[str, FieldRule]:
    by_code = {field.code: field for field in known}
    return {code: _enriched_rule(rule, by_code.get(code)) for code, rule in rules.items()}


def _enriched_rule(rule: FieldRule, field: FieldSpec | None) -> FieldRule:
    if field is None:
        return rule
    update: dict[str, Any] = {}
    if rule.label is None:
        update["label"] = short_name(field)
    if field.required and rule.default is None and not rule.required:
        update["required"] = True
    return rule.model_copy(update=update) if update else rule
