"""One way to prepare a request (L3): the feed pipeline, the command runner and ``syncd render``
all turn rows and commands into calls here, so a dry run shows exactly what would be sent.

:class:`Preparation` is made per tick from the :class:`RenderInputs` of that tick (settings,
the code tables read for it, the row limit) and a :class:`~syncd.engine.ports.ChildRowsPort`
(the child views); what it reads besides — view rows, the visit, the command — comes in
through the ports of :mod:`syncd.engine.ports`, the same ones for the engine and the dry run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from syncd.core.errors import ChildViewError, MappingError, SourceError
from syncd.core.records import PersonKey, PersonRecord, SourceRow
from syncd.engine.ports import ChildRowsPort
from syncd.mapping import DatasetSpec, FeedSpec, MappedCall, RenderContext, render, render_batch
from syncd.rules import fee_batches, visits
from syncd.rules.visits import Visit

DatasetRows = list[dict[str, object]]
ReplyRows = Mapping[str, Sequence[Mapping[str, object]]]  # a first step's reply datasets
TOO_MANY_ROWS_ZH = "明细超过每次{}条的上限，请分次提交"


@dataclass(frozen=True)
class RenderInputs:
    """What every rendering of one tick reads besides its row: the settings the mappings
    name, the code tables (read once per tick) and the platform's row limit per call."""

    settings: Mapping[str, object]
    code_tables: Mapping[str, Mapping[str, str]]
    max_rows: int


@dataclass(frozen=True)
class FeedCall:
    """One call of a feed: the keys of the rows it carries and what it sends (a row with
    child datasets larger than the row limit sends several requests)."""

    keys: frozenset[str]
    requests: tuple[MappedCall, ...]


@dataclass(frozen=True)
class Prepared:
    """The calls a set of feed rows makes, and the rows that cannot be mapped (each
    MappingError with the keys it refuses)."""

    calls: tuple[FeedCall, ...]
    refused: tuple[tuple[frozenset[str], MappingError], ...]


class Preparation:
    def __init__(self, inputs: RenderInputs, children: ChildRowsPort) -> None:
        self.inputs, self.children = inputs, children

    def context(
        self,
        visit: Visit | None,
        *,
        key: str = "",
        params: Mapping[str, object] | None = None,
        datasets: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
        persons: Mapping[PersonKey, PersonRecord] | None = None,
    ) -> RenderContext:
        """The render context of this tick for ``visit`` (a command's key and parameters, a
        row's or a command's child rows, the person look-ups' answers)."""
        return RenderContext(
            key=key,
            settings=self.inputs.settings,
            visit=visit.fields() if visit else {},
            params=params or {},
            code_tables=self.inputs.code_tables,
            datasets=datasets or {},
            max_rows=self.inputs.max_rows,
            persons=persons or {},
        )

    def rows(
        self,
        spec: FeedSpec,
        rows: Sequence[SourceRow],
        visit: Visit | None,
        persons: Mapping[PersonKey, PersonRecord] | None = None,
    ) -> Prepared:
        """The calls of fact-view rows: one row (a plain feed), or the rows of one visit
        sent together in batches (a ``batch:`` feed); ``persons``: the look-ups' answers
        (a row whose person has none is refused with a MappingError that ``waits``)."""
        keys = frozenset(row.key for row in rows)
        if spec.batch is None:
            (row,) = rows
            try:
                children = self._children(spec, row.values)
                context = self.context(visit, datasets=children, persons=persons)
                one = render(spec, row.values, context)
            except MappingError as exc:
                return Prepared((), ((keys, exc),))
            return Prepared((FeedCall(keys, one.requests),), ())
        cut = fee_batches.compose if spec.function == visits.FEE_UPLOAD else None
        try:
            context = self.context(visit, persons=persons)
            batch = render_batch(spec, [row.values for row in rows], context, cut)
        except MappingError as exc:  # a per-visit field (or a city switch): every row
            return Prepared((), ((keys, exc),))
        refused = tuple((frozenset((error.key,)), error) for error in batch.rejected)
        calls = tuple(FeedCall(frozenset(call.keys), (call.request,)) for call in batch.calls)
        return Prepared(calls, refused)

    def _children(self, spec: FeedSpec, row: Mapping[str, object]) -> dict[str, DatasetRows]:
        return {name: self.children.children(ds, row) for name, ds in spec.datasets.items()}

    def command(
        self,
        spec: FeedSpec,
        key: str,
        params: Mapping[str, object],
        visit: Visit | None,
        reply: ReplyRows | None = None,
    ) -> MappedCall:
        """The one call of a command (``key``: its WI_REQUEST id) with its parameters and
        child rows; ``reply`` fills the datasets a two-step command takes from its first
        step's reply.  MappingError when it cannot be mapped or needs more than one call."""
        datasets: dict[str, DatasetRows] = {}
        for name, ds in spec.datasets.items():
            if ds.from_reply is not None:
                datasets[name] = [dict(row) for row in (reply or {}).get(ds.from_reply, ())]
            else:
                datasets[name] = self.child_rows(ds, params)
        context = self.context(visit, key=key, params=dict(params), datasets=datasets)
        rendered = render(spec, {}, context)
        if len(rendered.requests) != 1:
            reason = TOO_MANY_ROWS_ZH.format(self.inputs.max_rows)
            raise MappingError(feed=spec.feed, key=key, field="datasets", reason_zh=reason)
        return rendered.requests[0]

    def child_rows(self, dataset: DatasetSpec, params: Mapping[str, object]) -> DatasetRows:
        """The rows of a child view for a command's parameters; a failing read is that
        command's :class:`ChildViewError` (if the database is down, what follows fails too)."""
        try:
            return self.children.children(dataset, params)
        except ChildViewError:
            raise
        except SourceError as exc:
            raise ChildViewError(exc.message) from exc
