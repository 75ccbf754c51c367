"""``syncd render FEED KEY``: the exact XML one source row (or command) would send; sends nothing.

Composition only, with the engine's own parts: the row is read by the feed's
:class:`~syncd.db.feed_source.FeedSource`, the command by the request store, the visit by the
visit ledger, the code tables as a tick reads them, and the calls are prepared by
:class:`~syncd.engine.prepare.Preparation` and built as the exchange builds them — so the dry
run cannot drift from what is sent.

* a view feed: KEY is the row key (several key columns joined by ``/``);
* a command feed: KEY is the ``WI_REQUEST`` id; a two-step command (``before:``) shows both
  steps, or only the first when the second takes rows from the first one's reply;
* a row-batched feed (``batch:``): every row of KEY's visit in the view, in batches;
* a visit without ``aaz218`` in ``WI_VISIT``: a note, and the value shown as :data:`NO_AAZ218`.

``mask=True`` hides ID numbers, names, telephone numbers and addresses
(:func:`syncd.protocol.privacy.masked`, as the console masks them).  A
row or request that does not exist is an :class:`OperatorError` (the operator named it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from syncd.config.mappings import settings_values
from syncd.config.settings import Settings
from syncd.core.bilingual import zh_en
from syncd.core.errors import MappingError, OperatorError, RequestEncodingError
from syncd.core.records import Command, PersonKey, PersonRecord, SourceRow
from syncd.db.code_store import CodeStore
from syncd.db.feed_source import ChildViews, FeedSource
from syncd.db.person_store import PersonStore
from syncd.db.request_store import RequestStore
from syncd.db.schema import StagingTables
from syncd.db.visit_store import VisitStore
from syncd.engine.command_checks import visit_key_of
from syncd.engine.exchange.calls import build_request
from syncd.engine.prepare import Preparation, RenderInputs, ReplyRows
from syncd.mapping import FeedSpec, FieldRule, MappedCall, needs_persons, person_keys
from syncd.protocol import messages
from syncd.protocol.catalogue import Catalogue
from syncd.protocol.codec import SESSION_MASK
from syncd.protocol.privacy import masked
from syncd.rules.visits import Visit

if TYPE_CHECKING:
    import sqlalchemy as sa

NO_AAZ218 = "(待登记)"


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
    sources: RenderSources,
    feed: str,
    key: str,
    *,
    mask: bool = False,
    reply: ReplyRows | None = None,
) -> RenderResult:
    """Render feed ``feed`` for ``key``; OperatorError when the row or request does not exist.

    ``reply`` (the first step's reply datasets) fills the ``from_reply`` datasets of a two-step
    command as the engine does; without it they are shown empty.
    """
    spec = sources.feeds[feed]
    result = RenderResult()
    codes = CodeStore(sources.engine, sources.tables).tables_by_category()
    settings = sources.settings
    inputs = RenderInputs(settings_values(settings), codes, settings.platform.fee_rows_per_call)
    prep = Preparation(inputs, ChildViews(sources.engine))
    documents = _Documents(sources, mask, result)
    if spec.source.is_command:
        _command(sources, prep, spec, key, reply, documents)
    else:
        _rows(sources, prep, spec, key, documents)
    return result


def _rows(
    sources: RenderSources, prep: Preparation, spec: FeedSpec, key: str, out: _Documents
) -> None:
    """A view feed: the row of ``key`` (a batch feed: every row of its visit)."""
    columns, view = "/".join(spec.source.key), spec.source.view
    if len(key.split("/")) != len(spec.source.key):
        raise OperatorError(
            zh_en(
                f"{spec.feed} 的主键是 {columns}（以 / 分隔），不是 {key!r}",
                f"{spec.feed} is keyed by {columns} (joined by /); got {key!r}",
            )
        )
    source = FeedSource(sources.engine, sources.tables, spec)
    row = source.by_keys([key]).get(key)
    if row is None:
        raise OperatorError(
            zh_en(
                f"{view} 中没有 {columns} = {key} 的行", f"{view} has no row with {columns} = {key}"
            )
        )
    result = out.result
    visit = _visit(sources, spec, _visit_value(spec, row), result)
    rows = [row]
    if spec.batch is not None:
        rows = source.of_visit(_visit_value(spec, row))
        result.notes.append(
            f"按就诊成批：视图中该就诊共 {len(rows)} 行（未扣除已上传的行） / "
            f"batched by visit: all {len(rows)} rows of the visit in the view"
        )
    prepared = prep.rows(spec, rows, visit, _persons(sources, prep, spec, rows))
    result.errors += [describe_error(error) for _, error in prepared.refused]
    if any(error.waits for _, error in prepared.refused):
        result.notes.append(
            "人员信息查询结果尚未保存（WI_PERSON），syncd 发送前会先向平台查询；render 不查询 / "
            "the person look-up has no answer kept yet: syncd asks before sending, render does not"
        )
    out.add(spec, [request for call in prepared.calls for request in call.requests])


def _persons(
    sources: RenderSources, prep: Preparation, spec: FeedSpec, rows: Sequence[SourceRow]
) -> dict[PersonKey, PersonRecord]:
    """The answers the person table keeps for the rows' ``person:`` rules (nothing is asked:
    a dry run sends nothing)."""
    if not needs_persons(spec):
        return {}
    context = prep.context(None)
    keys = {key for row in rows for key in person_keys(spec, row.values, context)}
    return PersonStore(sources.engine, sources.tables).find(list(keys))


def _command(
    sources: RenderSources,
    prep: Preparation,
    spec: FeedSpec,
    key: str,
    reply: ReplyRows | None,
    out: _Documents,
) -> None:
    """A command feed: the ``WI_REQUEST`` row ``key`` (a two-step one: its first step too)."""
    command, result = _request(sources, spec, key), out.result
    visit = _visit(sources, spec, visit_key_of(spec, command), result)
    if spec.before and reply is None:
        first = sources.feeds[spec.before]
        out.add(first, _prepared(prep, first, command, visit, None, result))
        if any(ds.from_reply for ds in spec.datasets.values()):
            result.notes.append(
                f"第二步（{spec.function}）在 {spec.before} 成功后按其回复生成，此处只显示第一步 / "
                f"the second step ({spec.function}) is built from the reply of {spec.before}"
            )
            return
    out.add(spec, _prepared(prep, spec, command, visit, reply, result))


def _request(sources: RenderSources, spec: FeedSpec, key: str) -> Command:
    if not key.isdigit():
        raise OperatorError(
            zh_en(
                f"命令以 WI_REQUEST 的 id（数字）指定，不是 {key!r}",
                f"a command is named by its WI_REQUEST id (a number), not {key!r}",
            )
        )
    command = RequestStore(sources.engine, sources.tables).find(int(key))
    if command is None:
        raise OperatorError(zh_en(f"WI_REQUEST {key} 不存在", f"WI_REQUEST {key} does not exist"))
    wanted = spec.source.command
    if command.command != wanted:
        raise OperatorError(
            zh_en(
                f"WI_REQUEST {key} 不是 '{wanted}' 命令",
                f"WI_REQUEST {key} is not a '{wanted}' command",
            )
        )
    if "__invalid__" in command.params:
        raise OperatorError(
            zh_en(
                f"WI_REQUEST {key} 的 params_json 不是 JSON 对象",
                f"WI_REQUEST {key}: params_json is not a JSON object",
            )
        )
    return command


def _prepared(
    prep: Preparation,
    spec: FeedSpec,
    command: Command,
    visit: Visit | None,
    reply: ReplyRows | None,
    result: RenderResult,
) -> list[MappedCall]:
    try:
        return [prep.command(spec, str(command.id), command.params, visit, reply)]
    except MappingError as exc:
        result.errors.append(describe_error(exc))
        return []


def _visit_value(spec: FeedSpec, row: SourceRow) -> object:
    """The row's visit column, as the view holds it."""
    if spec.visit is None or spec.visit.column is None:
        return None
    wanted = spec.visit.column.casefold()
    return next((v for k, v in row.values.items() if str(k).casefold() == wanted), None)


def _visit(
    sources: RenderSources, spec: FeedSpec, visit_key: object, result: RenderResult
) -> Visit | None:
    """The visit as the engine reads it; one whose aaz218 a mapping needs but the ledger
    does not have yet gets a note and :data:`NO_AAZ218`."""
    if spec.visit is None or visit_key is None or visit_key == "":
        return None  # e.g. a look-up by person (bka895/bka896) instead of by visit
    need = spec.requires.visit
    visits = VisitStore(sources.engine, sources.tables)
    visit = visits.get(str(visit_key), need.kind) if need else visits.find(str(visit_key))
    if _reads_aaz218(spec) and not (visit and visit.aaz218):
        result.notes.append(
            f"注意：就诊 {visit_key} 在 WI_VISIT 中还没有就医登记号 aaz218（尚未在平台登记），"
            f"下面以 {NO_AAZ218} 标出 / note: visit {visit_key} has no aaz218 yet"
        )
        visit = replace(visit or Visit(str(visit_key), ""), aaz218=NO_AAZ218)
    return visit


def _reads_aaz218(spec: FeedSpec) -> bool:
    def reads(rule: FieldRule) -> bool:
        return rule.visit == "aaz218" or any(reads(part) for part in rule.parts)

    return any(reads(rule) for rule in spec.all_rules())


@dataclass
class _Documents:
    """Builds each call as the exchange would and encodes it (masked on request)."""

    sources: RenderSources
    mask: bool
    result: RenderResult

    def add(self, spec: FeedSpec, calls: Sequence[MappedCall]) -> None:
        for number, mapped in enumerate(calls, start=1):
            try:
                built = build_request(self.sources.catalogue, mapped)
            except RequestEncodingError as exc:
                self.result.errors.append(f"{spec.feed} {exc.field}: {exc.reason_zh}")
                continue
            self.result.requests.append(built)
            if self.mask:
                datasets = {n: tuple(masked(r) for r in rows) for n, rows in built.datasets.items()}
                built = replace(built, params=masked(built.params), datasets=datasets)
            title = f"{spec.feed} {mapped.function_id} call {number}/{len(calls)}"
            declaration = self.sources.settings.platform.xml_declaration
            xml = built.encode(session_id=SESSION_MASK, xml_declaration=declaration)
            self.result.documents.append((title, xml))


def describe_error(exc: MappingError) -> str:
    return f"{exc.feed} {exc.key} {exc.field}: {exc.reason_zh}"
