"""The catalogue of every platform transaction syncd knows (pure data, no I/O library).

Generated once from the platform spec by ``tools/build_catalogue.py`` into the package data
file ``catalogue.json``; this module only reads it.  Three function ids are not pinned down by
the spec and come from the settings (``platform.function_ids``): ``settlement_slip``
(bizh120206, inferred), ``medical_record_patient`` (bizh200101, inferred) and
``illness_late_upload`` (unknown: no default, the transaction is unusable until it is set).

    >>> cat = load()
    >>> cat.get("bizh120103").name
    'inpatient_admission'
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem

FieldType = Literal["string", "decimal", "date", "int"]
FunctionGroup = Literal["outpatient", "inpatient", "medical_record", "other", "system"]
_DATA_FILE = "catalogue.json"
LOGIN_FUNCTION_ID = "sys0001"


class CallKind(enum.StrEnum):
    """What a call does to the platform; decides how an unknown outcome is handled."""

    SESSION = "session"  # sys0001 login
    QUERY = "query"  # reads only: safe to repeat
    STATE_CHANGE = "state_change"  # changes a business: never re-sent blindly
    MONEY = "money"  # settles or reverses money: never re-sent blindly
    UPLOAD = "upload"  # 病案首页 and late uploads: assumed safe to repeat


@dataclass(frozen=True)
class FieldSpec:
    """One element of a request, reply or dataset row."""

    code: str
    name_zh: str
    required: bool
    type: FieldType
    places: int | None = None


FieldSpecs = tuple[FieldSpec, ...]


@dataclass(frozen=True)
class FunctionSpec:
    """One transaction: its id, meaning and field lists (envelope fields excluded)."""

    function_id: str | None
    name: str
    name_zh: str
    group: FunctionGroup
    kind: CallKind
    inputs: FieldSpecs
    datasets: Mapping[str, FieldSpecs]
    outputs: FieldSpecs
    max_rows: int | None
    output_datasets: Mapping[str, FieldSpecs] = field(default_factory=lambda: MappingProxyType({}))
    required_datasets: frozenset[str] = frozenset()
    configurable: str | None = None  # key under platform.function_ids when the id is configurable
    confidence: str = "seen"

    def input(self, code: str) -> FieldSpec | None:
        """The scalar input ``code``, or None when the spec does not list it."""
        return next((f for f in self.inputs if f.code == code), None)

    def required_inputs(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.inputs if f.required)


class Catalogue:
    """All transactions, by function id and by logical name."""

    def __init__(self, specs: tuple[FunctionSpec, ...]) -> None:
        self._specs = specs
        self._by_name = {s.name: s for s in specs}
        self._by_id = {s.function_id: s for s in specs if s.function_id is not None}

    def get(self, function_id: str) -> FunctionSpec:
        """The transaction with this function id; :class:`ConfigError` when there is none."""
        spec = self._by_id.get(function_id)
        if spec is None:
            raise _config_error(
                zh_en(
                    f"平台交易目录中没有 function_id {function_id!r}",
                    f"function_id {function_id!r} is not in the platform catalogue",
                )
                + f" ({', '.join(sorted(self._by_id))})"
            )
        return spec

    def by_name(self, name: str) -> FunctionSpec:
        """The transaction with this logical name; it must have a function id."""
        spec = self._by_name.get(name)
        if spec is None:
            raise _config_error(
                zh_en(f"没有名为 {name!r} 的平台交易", f"no platform transaction is named {name!r}")
                + f" ({', '.join(sorted(self._by_name))})"
            )
        if spec.function_id is None:
            raise _config_error(_unset_id_message(spec))
        return spec

    def all(self) -> tuple[FunctionSpec, ...]:
        """Every transaction, including one whose id is not set (function_id None)."""
        return self._specs

    def __iter__(self) -> Iterator[FunctionSpec]:
        return iter(self._specs)

    def __contains__(self, function_id: object) -> bool:
        return function_id in self._by_id

    def decimal_places(self) -> Mapping[str, int]:
        """Places per field code over every decimal field of every transaction."""
        return _decimal_places(self._specs)


def _config_error(message: str) -> ConfigError:
    return ConfigError(
        [ConfigProblem(file="platform catalogue", line=0, column=0, message=message)]
    )


def _unset_id_message(spec: FunctionSpec) -> str:
    return (
        f"the function_id of {spec.name} ({spec.name_zh}) is not known; "
        f"set platform.function_ids.{spec.configurable} in the settings file"
    )


def _decimal_places(specs: tuple[FunctionSpec, ...]) -> Mapping[str, int]:
    places: dict[str, int] = {}
    for spec in specs:
        groups = [spec.inputs, spec.outputs, *spec.datasets.values()]
        groups += list(spec.output_datasets.values())
        for group in groups:
            places.update({f.code: f.places for f in group if f.places is not None})
    return MappingProxyType(places)


def load(function_ids: Mapping[str, str | None] | None = None) -> Catalogue:
    """The catalogue, with the configurable ids (settings ``platform.function_ids``) applied.

    ``function_ids`` maps a logical name (``settlement_slip``, ``medical_record_patient``,
    ``illness_late_upload``) to its id; a name absent from the mapping keeps the default.
    """
    overrides = dict(function_ids or {})
    specs = _default_specs()
    known = {s.configurable for s in specs if s.configurable}
    unknown = set(overrides) - known
    if unknown:
        names = ", ".join(sorted(unknown))
        raise _config_error(
            "platform.function_ids: "
            + zh_en(f"未知的键 {names}", f"unknown key(s) {names}")
            + f" ({', '.join(sorted(known))})"
        )
    result = tuple(_with_id(s, overrides) for s in specs)
    _refuse_duplicate_ids(result)
    return Catalogue(result)


def _with_id(spec: FunctionSpec, overrides: Mapping[str, str | None]) -> FunctionSpec:
    if spec.configurable is None or spec.configurable not in overrides:
        return spec
    new_id = overrides[spec.configurable]
    return _replace_id(spec, new_id.strip() if new_id else None)


def _replace_id(spec: FunctionSpec, function_id: str | None) -> FunctionSpec:
    return replace(spec, function_id=function_id or None)


def _refuse_duplicate_ids(specs: tuple[FunctionSpec, ...]) -> None:
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.function_id is None:
            continue
        if spec.function_id in seen:
            both = f"{seen[spec.function_id]}, {spec.name}"
            raise _config_error(
                "platform.function_ids: "
                + zh_en(
                    f"{spec.function_id!r} 被两个交易同时使用（{both}）",
                    f"{spec.function_id!r} is used by both "
                    f"{seen[spec.function_id]} and {spec.name}",
                )
            )
        seen[spec.function_id] = spec.name


@cache
def _default_specs() -> tuple[FunctionSpec, ...]:
    text = resources.files("syncd.protocol").joinpath(_DATA_FILE).read_text(encoding="utf-8")
    return tuple(_function(raw) for raw in json.loads(text)["functions"])


def _function(raw: dict[str, Any]) -> FunctionSpec:
    return FunctionSpec(
        function_id=raw["function_id"],
        name=raw["name"],
        name_zh=raw["name_zh"],
        group=raw["group"],
        kind=CallKind(raw["kind"]),
        inputs=_fields(raw["inputs"]),
        datasets=_datasets(raw["datasets"]),
        outputs=_fields(raw["outputs"]),
        max_rows=raw["max_rows"],
        output_datasets=_datasets(raw["output_datasets"]),
        required_datasets=frozenset(raw["required_datasets"]),
        configurable=raw["configurable"],
        confidence=raw["confidence"],
    )


def _fields(raw: list[dict[str, Any]]) -> FieldSpecs:
    return tuple(FieldSpec(**item) for item in raw)


def _datasets(raw: dict[str, list[dict[str, Any]]]) -> Mapping[str, FieldSpecs]:
    return MappingProxyType({name: _fields(rows) for name, rows in raw.items()})
