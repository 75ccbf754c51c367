"""A row's, a command's and a visit's story, put together from :class:`syncd.db.story.Story`
(and the HIS view row as it is now, from :class:`syncd.db.views.ViewReader`).

* row: HIS key → its rows (every version) and what was written back → the exchanges of its
  calls (request as sent, reply) → the visit ledger → the reconciliation's findings, and the
  advice for its status;
* command: the same for one ``WI_REQUEST`` command, with its reply rows;
* visit: every row, command and exchange of the visit in time order, the ledger, findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncd.console.site import ConsoleSite
from syncd.core.errors import SourceError
from syncd.db.story import Message, MessageLine
from syncd.db.views import ViewReader
from syncd.mapping import FeedSpec, FieldRule
from syncd.rules.advice import Advice, advise

SHOWN_EXCHANGES = 6  # the newest exchanges of a row shown with their XML


@dataclass
class RowStory:
    feed: str
    key: str
    title: str
    command: bool
    records: list[dict[str, Any]]
    exchanges: list[Message]
    older: list[MessageLine]  # exchanges beyond SHOWN_EXCHANGES, listed only
    ledger: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    advice: Advice
    his: list[dict[str, Any]] = field(default_factory=list)  # the view row(s) as they are now
    his_codes: dict[str, str] = field(default_factory=dict)  # view column → field code
    his_note: str = ""
    reply_rows: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # WI_AUDIT lines of the row

    @property
    def current(self) -> dict[str, Any]:
        return self.records[-1]

    @property
    def visit_key(self) -> str:
        return str(self.current.get("visit_key") or "")


@dataclass(frozen=True)
class Event:
    at: datetime | None
    kind: str  # row, command, message
    record: Any


@dataclass
class VisitStory:
    visit_key: str
    events: list[Event]
    ledger: list[dict[str, Any]]
    findings: list[dict[str, Any]]


def field_codes(spec: FeedSpec) -> dict[str, str]:
    """View column (upper case) → the platform field it feeds, to mask it as that field."""
    rules: dict[str, FieldRule] = {**spec.fields, **(spec.batch.fields if spec.batch else {})}
    out: dict[str, str] = {}
    for code, rule in rules.items():
        for part in _parts(rule):
            if part.column:
                out.setdefault(part.column.upper(), code)
    return out


def _parts(rule: FieldRule) -> Iterator[FieldRule]:
    yield rule
    for part in rule.concat or ():
        yield from _parts(part)


def row_story(site: ConsoleSite, feed: str, key: str) -> RowStory | None:
    records = site.story.rows(feed, key)
    if not records:
        return None
    current = records[-1]
    calls = [str(r["request_id"]) for r in records if r.get("request_id")]
    lines = site.story.messages(call_ids=calls, feed=feed, source_key=key)
    story = RowStory(
        feed,
        key,
        site.title(feed),
        False,
        records,
        *_exchanges(site, lines),
        *_visit(site, str(current.get("visit_key") or ""), records),
        advice=advise(str(current["status"]), str(current.get("last_error") or "")),
    )
    story.history = site.story.history(feed, key)
    spec = site.feeds.get(feed)
    if spec is not None and spec.source.view:
        _his_rows(site, spec, key, story)
    return story


def command_story(site: ConsoleSite, command_id: int) -> RowStory | None:
    record, reply_rows = site.story.command(command_id)
    if record is None:
        return None
    name = str(record["command"])
    feed = site.command_names.get(name, name)
    calls = [str(record["call_id"])] if record.get("call_id") else []
    lines = site.story.messages(call_ids=calls, feed=feed, source_key=str(command_id))
    reason = str(record.get("last_error") or record.get("return_code_message") or "")
    return RowStory(
        name,
        str(command_id),
        site.title(name),
        True,
        [record],
        *_exchanges(site, lines),
        *_visit(site, str(record.get("visit_key") or ""), [record]),
        advice=advise(str(record["status"]), reason, command=True),
        reply_rows=reply_rows,
    )


def _exchanges(
    site: ConsoleSite, lines: list[MessageLine]
) -> tuple[list[Message], list[MessageLine]]:
    newest = lines[-SHOWN_EXCHANGES:]
    shown = [m for m in (site.story.message(line.id) for line in newest) if m is not None]
    return shown, lines[:-SHOWN_EXCHANGES] if len(lines) > SHOWN_EXCHANGES else []


def _visit(
    site: ConsoleSite, visit_key: str, records: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if not visit_key:
        return [], []
    ledger = site.story.ledger(visit_key)
    aaz218s = sorted({str(v["aaz218"]) for v in [*ledger, *records] if v.get("aaz218")})
    return ledger, site.story.findings(visit_key, aaz218s)


def _his_rows(site: ConsoleSite, spec: FeedSpec, key: str, story: RowStory) -> None:
    values = key.split("/")
    if len(values) != len(spec.source.key):
        return
    try:
        rows = ViewReader(site.engine).select(
            str(spec.source.view), spec.columns(), dict(zip(spec.source.key, values, strict=True))
        )
    except SourceError as exc:
        story.his_note = f"无法读取 HIS 视图 / cannot read the view: {exc}"
        return
    story.his, story.his_codes = rows, field_codes(spec)
    if not rows:
        story.his_note = f"HIS 视图 {spec.source.view} 中已没有该行（已删除或改了主键）"


def visit_story(site: ConsoleSite, visit_key: str) -> VisitStory | None:
    rows = site.story.visit_rows(visit_key)
    commands = site.story.visit_commands(visit_key)
    messages = site.story.messages(visit_key=visit_key, limit=1000)
    ledger = site.story.ledger(visit_key)
    if not (rows or commands or messages or ledger):
        return None
    events = [Event(r.get("created_at"), "row", r) for r in rows]
    events += [Event(c.get("created_at"), "command", c) for c in commands]
    events += [Event(m.created_at, "message", m) for m in messages]
    events.sort(
        key=lambda e: (e.at or datetime.min, {"row": 0, "command": 1, "message": 2}[e.kind])
    )
    aaz218s = sorted({str(v["aaz218"]) for v in [*ledger, *rows, *commands] if v.get("aaz218")})
    return VisitStory(visit_key, events, ledger, site.story.findings(visit_key, aaz218s))
