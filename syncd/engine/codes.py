"""Base-data maintenance: code tables from 码表服务 and the HIS values they must cover.

* :func:`sync_codes` downloads, through bizh120205, every category the mappings translate
  through (``codes_table: {category: …}`` rules, :meth:`FeedSpec.code_categories`) plus any
  asked for, into the code staging table (upsert, counts per category);
* :func:`check_codes` reads the distinct values of every view column that feeds a
  ``codes_table`` or ``codes:`` rule and lists those that neither the platform code table nor
  the mapping's own dictionary translates — exactly the values that would be rejected at run
  time with 「代码无对照」 — with their counts and example keys.

The check renders each value through the mapping engine itself (trim and transforms
included), so what it reports is what the engine would refuse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from syncd.core.errors import FieldFailed
from syncd.core.records import CodeRow, Outcome, UpsertCounts, ValueCount
from syncd.logs import event
from syncd.mapping import FeedSpec
from syncd.mapping.fieldvalue import Scope, render_field
from syncd.mapping.rules import FieldRule
from syncd.protocol.calls import Caller
from syncd.protocol.catalogue import Catalogue
from syncd.protocol.messages import CodeTableReply, Request, parse_reply

logger = logging.getLogger(__name__)
NOT_TRANSLATED = "代码无对照"


class CodeWriter(Protocol):
    def upsert(self, category: str, rows: Sequence[CodeRow], now: datetime) -> UpsertCounts: ...


class ValuePort(Protocol):
    def values(self, view: str, column: str) -> list[ValueCount]: ...

    def examples(
        self, view: str, column: str, value: object, keys: Sequence[str], limit: int = 3
    ) -> list[str]: ...


@dataclass(frozen=True)
class SyncResult:
    counts: dict[str, UpsertCounts]
    failures: dict[str, str]  # category → the platform's (Chinese) reason


def categories_of(feeds: Mapping[str, FeedSpec]) -> list[str]:
    """Every code category an enabled mapping translates through."""
    return sorted(set().union(*(s.code_categories() for s in feeds.values() if s.enabled)))


def sync_codes(
    client: Caller,
    catalogue: Catalogue,
    akb020: str,
    store: CodeWriter,
    categories: Sequence[str],
    now: datetime,
) -> SyncResult:
    """Download and upsert each category; a category the platform refuses is reported."""
    spec = catalogue.by_name("code_table")
    assert spec.function_id is not None
    result = SyncResult({}, {})
    for category in categories:
        request = Request.build(catalogue, spec.function_id, {"akb020": akb020, "aaa100": category})
        call = client.call(request)
        if call.outcome is not Outcome.SUCCEEDED or call.reply is None:
            result.failures[category] = call.message
            event(logger, "codes.sync_failed", category=category, outcome=str(call.outcome))
            continue
        reply = parse_reply(spec, call.reply)
        assert isinstance(reply, CodeTableReply)
        rows = [
            CodeRow(category, c.aaa102, c.aaa101, c.aaa103, c.aaa104, c.aaa027)
            for c in reply.codes
            if c.aaa102
        ]
        result.counts[category] = store.upsert(category, rows, now)
    return result


@dataclass(frozen=True)
class Uncovered:
    """A HIS value no translation covers."""

    feed: str
    field: str
    view: str
    column: str
    translation: str  # "codes_table:<category>" or "codes"
    value: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Checked:
    feed: str
    field: str
    rule: FieldRule
    view: str
    keys: tuple[str, ...]


def checked_rules(feeds: Mapping[str, FeedSpec]) -> Iterator[Checked]:
    """Every translating rule that reads a view column, with the view and its example keys."""
    for spec in feeds.values():
        if not spec.enabled:
            continue
        if spec.source.view is not None:
            rules = {**spec.fields, **(spec.batch.fields if spec.batch else {})}
            yield from _translating(spec.feed, rules, spec.source.view, spec.source.key)
        for ds in spec.datasets.values():
            if ds.view is not None:
                keys = tuple(dict.fromkeys((*ds.join, *ds.order_by)))
                yield from _translating(spec.feed, ds.fields, ds.view, keys)


def _translating(
    feed: str, rules: Mapping[str, FieldRule], view: str, keys: Sequence[str]
) -> Iterator[Checked]:
    for code, rule in rules.items():
        for part in _parts(rule):
            if part.column and (part.codes is not None or part.codes_table is not None):
                yield Checked(feed, code, part, view, tuple(keys))


def _parts(rule: FieldRule) -> Iterator[FieldRule]:
    yield rule
    for part in rule.parts:
        yield from _parts(part)


def check_codes(
    feeds: Mapping[str, FeedSpec], reader: ValuePort, code_tables: Mapping[str, Mapping[str, str]]
) -> list[Uncovered]:
    """The values of the HIS views that would be refused with 「代码无对照」."""
    found: list[Uncovered] = []
    for checked in checked_rules(feeds):
        assert checked.rule.column is not None
        for item in reader.values(checked.view, checked.rule.column):
            if _translates(checked, item.value, code_tables):
                continue
            examples = reader.examples(checked.view, checked.rule.column, item.value, checked.keys)
            found.append(_uncovered(checked, item, examples))
    return found


def _translates(
    checked: Checked, value: object, code_tables: Mapping[str, Mapping[str, str]]
) -> bool:
    """Whether the engine would translate ``value`` (other failures are not ours to judge)."""
    assert checked.rule.column is not None
    rule = checked.rule.model_copy(
        update={"required": False, "date": None, "decimal": None, "max_length": None}
    )
    scope = Scope({checked.rule.column: value}, {}, {}, {}, code_tables)
    try:
        render_field(checked.field, rule, scope)
    except FieldFailed as exc:
        return NOT_TRANSLATED not in str(exc)
    return True


def _uncovered(checked: Checked, item: ValueCount, examples: list[str]) -> Uncovered:
    table = checked.rule.codes_table
    return Uncovered(
        feed=checked.feed,
        field=checked.field,
        view=checked.view,
        column=checked.rule.column or "",
        translation=f"codes_table:{table.category}" if table else "codes",
        value=str(item.value),
        count=item.count,
        examples=tuple(examples),
    )
