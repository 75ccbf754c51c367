"""The mapping engine: one row + its context in, the platform request(s) out.  Pure.

``render(spec, row, context)`` reads nothing but its arguments, never logs, and raises only
:class:`~syncd.core.errors.MappingError` (feed, key, field and a Chinese reason for the HIS user,
never the offending value).  Values come out typed for the codec: ``str`` or ``Decimal``
quantized to the field's places; dates already formatted; an empty optional field is ``""``.
A field marked ``inferred`` is left out when the settings say ``platform.send_inferred_fields:
false``.  Datasets are split into batches of at most ``max_rows`` rows: one request per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from syncd.core.errors import FieldFailed, MappingError, PersonPending
from syncd.core.records import PersonKey, PersonRecord
from syncd.mapping.fieldvalue import Scope, render_field
from syncd.mapping.rules import SEND_INFERRED_SETTING, FieldRule
from syncd.mapping.spec import PLATFORM_MAX_ROWS, DatasetSpec, FeedSpec
from syncd.mapping.transforms import text_of

WireValue = str | Decimal
WireRow = Mapping[str, WireValue]
RowValues = Mapping[str, object]
Batch = Mapping[str, tuple[WireRow, ...]]
Cutter = Callable[[Sequence[WireRow], int], Sequence[tuple[int, int]]]  # calls of a batch


@dataclass(frozen=True)
class RenderContext:
    """Everything a row's rendering may read besides the row itself."""

    key: str = ""  # the row key for messages; derived from the source key columns if empty
    settings: Mapping[str, object] = field(default_factory=dict)  # "hospital.akb020" → value
    visit: Mapping[str, object] = field(default_factory=dict)  # visit-ledger fields
    params: Mapping[str, object] = field(default_factory=dict)  # command parameters
    code_tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    datasets: Mapping[str, Sequence[RowValues]] = field(default_factory=dict)  # child rows
    max_rows: int = PLATFORM_MAX_ROWS  # settings platform.fee_rows_per_call
    persons: Mapping[PersonKey, PersonRecord] = field(default_factory=dict)  # look-up answers

    def scope(self, row: RowValues) -> Scope:
        """What a rule may read for ``row``."""
        return Scope(row, self.settings, self.visit, self.params, self.code_tables, self.persons)


@dataclass(frozen=True)
class MappedCall:
    """One platform call as a mapping renders it: function_id, scalar parameters, dataset rows
    (checked against the catalogue only when it is built into a ``messages.Request``)."""

    function_id: str
    params: WireRow
    datasets: Batch


@dataclass(frozen=True)
class Rendered:
    """The whole result for one row; ``requests`` has one request per batch."""

    feed: str
    key: str
    function_id: str
    params: WireRow
    datasets: Batch
    batches: tuple[Batch, ...]

    @property
    def requests(self) -> tuple[MappedCall, ...]:
        return tuple(MappedCall(self.function_id, self.params, batch) for batch in self.batches)


def render(spec: FeedSpec, row: RowValues, context: RenderContext) -> Rendered:
    """Turn one source row into its platform request(s); MappingError on a bad value."""
    key = context.key or row_key(spec, row)
    check_enabled(spec, key, context)
    scope = context.scope(row)
    params = _render_fields(spec, key, spec.fields, scope, "")
    datasets = {
        name: _render_dataset(spec, key, name, ds, scope, context)
        for name, ds in spec.datasets.items()
    }
    limit = max(1, context.max_rows)
    limits = {name: min(ds.max_rows, limit) for name, ds in spec.datasets.items()}
    batches = split_batches(datasets, limits)
    return Rendered(spec.feed, key, spec.function, params, datasets, batches)


@dataclass(frozen=True)
class BatchCall:
    """One call of a row-batched feed: the request and the keys of the rows it carries."""

    keys: tuple[str, ...]
    request: MappedCall


@dataclass(frozen=True)
class BatchRendered:
    """The pending rows of one visit: the calls to make, and the rows that cannot be sent."""

    feed: str
    calls: tuple[BatchCall, ...]
    rejected: tuple[MappingError, ...]


def render_batch(
    spec: FeedSpec,
    rows: Sequence[RowValues],
    context: RenderContext,
    cut: Cutter | None = None,
) -> BatchRendered:
    """Render the pending rows of one visit of a row-batched feed (``batch:``).

    Each row is mapped on its own: a bad row comes back in ``rejected`` (its MappingError
    names its key) and the others still go.  The top-level fields are per-visit values and
    are rendered from the first good row; a failure there concerns every row and is raised.
    ``cut`` composes the calls from the wire rows (in order) and the row limit, as [start,
    end) ranges (a fee upload's: :func:`syncd.rules.fee_batches.cuts`); without it, chunks of
    the limit.
    """
    batch = spec.batch
    if batch is None:
        raise ValueError(f"feed {spec.feed} has no 'batch'")
    if rows:
        check_enabled(spec, row_key(spec, rows[0]), context)
    good: list[tuple[str, WireRow, RowValues]] = []
    rejected: list[MappingError] = []
    for row in rows:
        scope = context.scope(row)
        key = _key_of(spec, scope)
        try:
            good.append(
                (key, _render_fields(spec, key, batch.fields, scope, f"{batch.dataset}."), row)
            )
        except MappingError as exc:
            rejected.append(exc)
    return BatchRendered(spec.feed, _batch_calls(spec, good, context, cut), tuple(rejected))


def _batch_calls(
    spec: FeedSpec,
    good: list[tuple[str, WireRow, RowValues]],
    context: RenderContext,
    cut: Cutter | None,
) -> tuple[BatchCall, ...]:
    if not good or spec.batch is None:
        return ()
    first_key, _, first_row = good[0]
    scope = context.scope(first_row)
    params = _render_fields(spec, first_key, spec.fields, scope, "")
    size = max(1, min(spec.batch.max_rows, context.max_rows))
    wires = [wire for _, wire, _ in good]
    ranges = cut(wires, size) if cut else [(i, i + size) for i in range(0, len(good), size)]
    calls = []
    for start, end in ranges:
        chunk = good[start : min(end, start + size)]
        datasets = {spec.batch.dataset: tuple(wire for _, wire, _ in chunk)}
        request = MappedCall(spec.function, params, datasets)
        calls.append(BatchCall(tuple(key for key, _, _ in chunk), request))
    return tuple(calls)


def check_enabled(spec: FeedSpec, key: str, context: RenderContext) -> None:
    """Refuse the row when the feed's settings switch (``requires.enabled_by``) is off."""
    switch = spec.requires.enabled_by
    if switch is not None and context.settings.get(switch.setting) is not True:
        raise MappingError(
            feed=spec.feed, key=key, field="requires.enabled_by", reason_zh=switch.reason_zh
        )


def row_key(spec: FeedSpec, row: RowValues) -> str:
    """The row's key as text: its key column values joined by '/'."""
    return _key_of(spec, Scope(row))


def _key_of(spec: FeedSpec, scope: Scope) -> str:
    """:func:`row_key` of the row of ``scope`` (a batch's rows: the scope they render in)."""
    key = spec.source.key
    if len(key) == 1:
        return text_of(scope.column(key[0]))
    return "/".join(text_of(scope.column(column)) for column in key)


def split_batches(
    datasets: Mapping[str, tuple[WireRow, ...]], limits: Mapping[str, int]
) -> tuple[Batch, ...]:
    """Cut every dataset into chunks of at most its limit; batch i holds chunk i of each."""
    chunks = {
        name: list(_chunks(rows, limits.get(name, PLATFORM_MAX_ROWS)))
        for name, rows in datasets.items()
    }
    count = max((len(c) for c in chunks.values()), default=0)
    if count == 0:
        return ({name: () for name in datasets},)
    return tuple(
        {name: c[i] if i < len(c) else () for name, c in chunks.items()} for i in range(count)
    )


def _chunks(rows: tuple[WireRow, ...], size: int) -> Iterator[tuple[WireRow, ...]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _render_dataset(
    spec: FeedSpec, key: str, name: str, ds: DatasetSpec, parent: Scope, context: RenderContext
) -> tuple[WireRow, ...]:
    rows = context.datasets.get(name, ())
    if ds.required and not rows:
        raise MappingError(feed=spec.feed, key=key, field=name, reason_zh=f"缺少明细数据：{name}")
    return tuple(
        _render_fields(spec, key, ds.fields, parent.for_row(child), f"{name}[{i}].")
        for i, child in enumerate(rows)
    )


def _render_fields(
    spec: FeedSpec, key: str, fields: Mapping[str, FieldRule], scope: Scope, prefix: str
) -> dict[str, WireValue]:
    out: dict[str, WireValue] = {}
    leave_out_inferred = scope.settings.get(SEND_INFERRED_SETTING) is False
    for code, rule in fields.items():
        if rule.inferred and leave_out_inferred:
            continue
        try:
            out[code] = render_field(code, rule, scope)
        except FieldFailed as exc:
            raise MappingError(
                feed=spec.feed,
                key=key,
                field=prefix + code,
                reason_zh=exc.reason_zh,
                waits=isinstance(exc, PersonPending),
            ) from None
    return out
