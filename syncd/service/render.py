"""``syncd render FEED KEY``: the exact XML one source row (or command) would send; sends nothing.

Composition only: read the row (:mod:`syncd.db.views`), the visit ledger and the command's
parameters, run the mapping engine, build and encode each request as the client would.

* a view feed: KEY is the row key (several key columns joined by ``/``);
* a command feed: KEY is the ``WI_REQUEST`` id; a two-step command (``before:``) shows both
  steps, or only the first when the second takes rows from the first one's reply;
* a row-batched feed (``batch:``): every row of KEY's visit in the view, in batches;
* a visit without ``aaz218`` in ``WI_VISIT``: a note, and the value shown as :data:`NO_AAZ218`.

``mask=True`` hides ID numbers and names (:func:`masked`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from syncd.config.mappings import settings_values
from syncd.config.settings import Settings
from syncd.core.errors import MappingError, RequestEncodingError, SourceError
from syncd.db.schema import StagingTables
from syncd.db.views import ViewReader, code_tables, command_params, visit_fields
from syncd.mapping import FeedSpec, FieldRule, MappedCall, RenderContext, render
from syncd.mapping.engine import render_batch
from syncd.protocol import messages
from syncd.protocol.catalogue import Catalogue
from syncd.protocol.codec import SESSION_MASK

if TYPE_CHECKING:
    import sqlalchemy as sa

NO_AAZ218 = "(待登记)"
_ID_FIELDS = frozenset({"aac002", "aac044", "yzy011"})
_NAME_FIELDS = frozenset({"aac003", "aae004"})
_ID_SHAPE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")


@dataclass
class RenderResult:
    """What a dry run produced: XML documents in send order, notes, and row errors."""

    documents: list[tuple[str, bytes]] = field(default_factory=list)
    requests: list[messages.Request] = field(default_factory=list)  # unmasked, as sent
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenderSources:
    """Where a dry run reads from."""

    engine: sa.Engine
    tables: StagingTables
    settings: Settings
    catalogue: Catalogue
    feeds: Mapping[str, FeedSpec]


def render_key(
    sources: RenderSources, feed: str, key: str, *, mask: bool = False,
    reply: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
) -> RenderResult:  # fmt: skip
    """Render feed ``feed`` for ``key``; SourceError when the row or request does not exist.

    ``reply`` (the first step's reply datasets) fills the ``from_reply`` datasets of a two-step
    command as the engine does; without it they are shown empty.
    """
    spec = sources.feeds[feed]
    reader = ViewReader(sources.engine)
    result = RenderResult()
    row, params = _source(sources, reader, spec, key)
    context = _context(sources, reader, spec, key, row, params, result)
    if spec.before and reply is None:
        first = sources.feeds[spec.before]
        _documents(sources, first, _rendered(reader, first, {}, context, result), mask, result)
        if any(ds.from_reply for ds in spec.datasets.values()):
            result.notes.append(
                f"第二步（{spec.function}）在 {spec.before} 成功后按其回复生成，此处只显示第一步 / "
                f"the second step ({spec.function}) is built from the reply of {spec.before}"
            )
            return result
    elif spec.before and reply is not None:
        context = _with_reply(spec, context, reply)
    _documents(sources, spec, _rendered(reader, spec, row, context, result), mask, result)
    return result


def _source(
    sources: RenderSources, reader: ViewReader, spec: FeedSpec, key: str
) -> tuple[dict[str, object], dict[str, object]]:
    """(the view row, the command parameters) for ``key``."""
    if spec.source.is_command:
        if not key.isdigit():
            raise SourceError(f"a command is named by its WI_REQUEST id (a number), not {key!r}")
        params = command_params(sources.engine, sources.tables, int(key))
        if params is None:
            raise SourceError(f"WI_REQUEST {key} does not exist")
        if params.pop("command") != spec.source.command:
            raise SourceError(f"WI_REQUEST {key} is not a '{spec.source.command}' command")
        return {}, params
    view = str(spec.source.view)
    values = key.split("/")
    if len(values) != len(spec.source.key):
        raise SourceError(f"{spec.feed} has {len(spec.source.key)} key column(s); got {key!r}")
    rows = reader.select(view, spec.columns(), dict(zip(spec.source.key, values, strict=True)))
    if not rows:
        raise SourceError(f"{view} has no row with {'/'.join(spec.source.key)} = {key}")
    return rows[0], {}


def _context(
    sources: RenderSources, reader: ViewReader, spec: FeedSpec, key: str,
    row: Mapping[str, object], params: Mapping[str, object], result: RenderResult,
) -> RenderContext:  # fmt: skip
    visit = _visit(sources, spec, row, params, result)
    datasets = {
        name: reader.select(str(ds.view), ds.columns(), _join(ds.join, row, params), ds.order_by)
        for name, ds in spec.datasets.items()
        if ds.view is not None
    }
    return RenderContext(
        key=key,
        settings=settings_values(sources.settings),
        visit=visit,
        params=params,
        code_tables=code_tables(sources.engine, sources.tables, spec.code_categories()),
        datasets=datasets,
        max_rows=sources.settings.platform.fee_rows_per_call,
    )


def _join(
    join: Mapping[str, str], row: Mapping[str, object], params: Mapping[str, object]
) -> dict[str, object]:
    parent = row or params
    return {child: _lookup(parent, name) for child, name in join.items()}


def _lookup(values: Mapping[str, object], name: str) -> object:
    if name in values:
        return values[name]
    return next((v for k, v in values.items() if k.casefold() == name.casefold()), None)


def _visit(
    sources: RenderSources, spec: FeedSpec, row: Mapping[str, object],
    params: Mapping[str, object], result: RenderResult,
) -> dict[str, object]:  # fmt: skip
    if spec.visit is None:
        return {}
    visit_key = _lookup(row, spec.visit.column) if spec.visit.column else params.get(
        str(spec.visit.param))  # fmt: skip
    kind = spec.requires.visit.kind if spec.requires.visit else None
    if visit_key is None or visit_key == "":
        return {}  # e.g. a look-up by person (bka895/bka896) instead of by visit
    found = visit_fields(sources.engine, sources.tables, str(visit_key), kind) or {}
    if _reads_aaz218(spec) and not found.get("aaz218"):
        result.notes.append(
            f"注意：就诊 {visit_key} 在 WI_VISIT 中还没有就医登记号 aaz218（尚未在平台登记），"
            f"下面以 {NO_AAZ218} 标出 / note: visit {visit_key} has no aaz218 yet"
        )
        found["aaz218"] = NO_AAZ218
    return found


def _reads_aaz218(spec: FeedSpec) -> bool:
    def reads(rule: FieldRule) -> bool:
        return rule.visit == "aaz218" or any(reads(part) for part in rule.parts)

    return any(reads(rule) for rule in spec.all_rules())


def _with_reply(
    spec: FeedSpec, context: RenderContext, reply: Mapping[str, Sequence[Mapping[str, object]]]
) -> RenderContext:
    datasets = dict(context.datasets)
    for name, ds in spec.datasets.items():
        if ds.from_reply is not None:
            datasets[name] = list(reply.get(ds.from_reply, ()))
    return replace(context, datasets=datasets)


def _rendered(
    reader: ViewReader, spec: FeedSpec, row: Mapping[str, object],
    context: RenderContext, result: RenderResult,
) -> Sequence[MappedCall]:  # fmt: skip
    try:
        if spec.batch is None:
            return render(spec, row, context).requests
        return _batch(reader, spec, row, context, result)
    except MappingError as exc:
        result.errors.append(describe_error(exc))
        return ()


def _batch(
    reader: ViewReader, spec: FeedSpec, row: Mapping[str, object],
    context: RenderContext, result: RenderResult,
) -> Sequence[MappedCall]:  # fmt: skip
    assert spec.batch is not None and spec.visit is not None and spec.visit.column is not None
    visit_column = spec.visit.column
    where = {visit_column: _lookup(row, visit_column)}
    rows = reader.select(str(spec.source.view), spec.columns(), where, spec.batch.order_by)
    result.notes.append(
        f"按就诊成批：视图中该就诊共 {len(rows)} 行（未扣除已上传的行） / "
        f"batched by visit: all {len(rows)} rows of the visit in the view"
    )
    batched = render_batch(spec, rows, context)
    result.errors += [describe_error(exc) for exc in batched.rejected]
    return [call.request for call in batched.calls]


def _documents(
    sources: RenderSources, spec: FeedSpec, requests: Sequence[MappedCall], mask: bool,
    result: RenderResult,
) -> None:  # fmt: skip
    for number, request in enumerate(requests, start=1):
        cat, function_id = sources.catalogue, request.function_id
        try:
            built = messages.Request.build(cat, function_id, request.params, request.datasets)
        except RequestEncodingError as exc:
            result.errors.append(f"{spec.feed} {exc.field}: {exc.reason_zh}")
            continue
        result.requests.append(built)
        if mask:
            datasets = {n: tuple(masked(r) for r in rows) for n, rows in built.datasets.items()}
            built = replace(built, params=masked(built.params), datasets=datasets)
        title = f"{spec.feed} {request.function_id} call {number}/{len(requests)}"
        xml = built.encode(session_id=SESSION_MASK,
                           xml_declaration=sources.settings.platform.xml_declaration)  # fmt: skip
        result.documents.append((title, xml))


def describe_error(exc: MappingError) -> str:
    return f"{exc.feed} {exc.key} {exc.field}: {exc.reason_zh}"


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """ID numbers and names hidden: an ID keeps its first 6 characters, a name its first."""
    out = dict(values)
    id_lookup = values.get("bka895") in ("aac002", "身份证号")
    for code, value in values.items():
        if not isinstance(value, str) or not value:
            continue
        if code in _ID_FIELDS or _ID_SHAPE.match(value) or (code == "bka896" and id_lookup):
            out[code] = value[:6] + "*" * max(len(value) - 6, 0)
        elif code in _NAME_FIELDS:
            out[code] = value[0] + "*" * (len(value) - 1)
    return out
