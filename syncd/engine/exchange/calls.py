"""The platform side of every exchange (L3): build, call, archive, check; read back; ask.

:class:`PlatformCalls` holds what talking to the platform needs — the :class:`Caller` port,
the catalogue, the archive port and the clock — and nothing about rows or commands: build the
validated request, call it, archive the exchange in its own transaction, check the reply; read
a call back from the archive as it went out; ask the platform whether a call whose outcome is
unknown was processed (the strategies of :mod:`syncd.rules.resolve`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Protocol

from syncd.core.clock import Clock
from syncd.core.errors import PlatformProtocolError, SyncdError
from syncd.core.records import ArchiveEntry, Outcome
from syncd.engine.exchange.unit import Where
from syncd.engine.ports import ArchivePort
from syncd.logs import event
from syncd.mapping import MappedCall
from syncd.protocol.calls import Caller, CallResult
from syncd.protocol.catalogue import Catalogue
from syncd.protocol.codec import decode_program
from syncd.protocol.decoded import Program
from syncd.protocol.messages import Request, parse_reply
from syncd.rules import resolve
from syncd.rules.conclusion import Conclusion
from syncd.rules.outbox import BLIND_RESEND_UNSAFE
from syncd.rules.replies import ReplyFlag, reply_fields, reply_flag
from syncd.rules.visits import Visit

logger = logging.getLogger(__name__)
Hints = Mapping[str, object]
NO_HINTS: Hints = {}
_ENVELOPE = ("session_id", "function_id")


class CallContent(Protocol):
    """What asking about a call needs of it: a built :class:`Request`, a call read back from
    the archive, or a rendered one that could not be built (a refund rebuilt without the rows
    only its first step fetches)."""

    @property
    def function_id(self) -> str: ...
    @property
    def params(self) -> Mapping[str, object]: ...
    @property
    def datasets(self) -> Mapping[str, Sequence[Mapping[str, object]]]: ...


@dataclass(frozen=True)
class ArchivedCall:
    """A call as the archive holds it: what went out, read back (values as sent, text)."""

    function_id: str
    params: Mapping[str, object]
    datasets: Mapping[str, Sequence[Mapping[str, object]]]


@dataclass
class PlatformCalls:
    client: Caller
    catalogue: Catalogue
    archive: ArchivePort
    clock: Clock
    akb020: str
    tolerance: Decimal = Decimal("0.00")  # platform.figure_tolerance
    # told every settled UNKNOWN: (verdict PROCESSED / NOT_PROCESSED / UNDECIDED, by query /
    # operator) — the daemon's syncd_unknown_resolutions_total
    resolved: Callable[[str, str], None] | None = None

    def note_resolution(self, verdict: str, by: str) -> None:
        if self.resolved is not None:
            self.resolved(verdict, by)

    def request(self, mapped: MappedCall) -> Request:
        return build_request(self.catalogue, mapped)

    def kind(self, function_id: str) -> str:
        return self.catalogue.get(function_id).kind.value

    def unsafe(self, function_id: str) -> bool:
        """True for state-changing and money calls: never re-sent blindly."""
        return self.kind(function_id) in BLIND_RESEND_UNSAFE

    def send(
        self, request: Request, where: Where, call_id: str | None = None, *, later: bool = False
    ) -> Conclusion:
        """Call, archive (a failed archive write is logged, not raised: the result counts),
        check the reply.  ``call_id``: the id committed with the intent, so the unit in
        flight and the archived exchange carry the same id.  ``later``: the exchange is not
        written now but carried as :attr:`Conclusion.unarchived`, to be written in the
        result's transaction (or by :meth:`flush`)."""
        result = self.client.call(request, call_id)
        entry = self._entry(result, where)
        if not later or result.login_failed:
            self.record(entry, where)
            entry = None
        if result.login_failed:
            return self._login_refused(result, where)
        ended = _checked(request, result, self.tolerance)
        if entry is not None:
            ended = replace(ended, unarchived=entry)
        _event(
            where,
            "delivery.called",
            function_id=request.function_id,
            outcome=ended.outcome.value,
            call_id=result.call_id,
        )
        if ended.flag:
            _event(
                where,
                "delivery.reply_flagged",  # ids and element codes: no amounts, no persons
                logging.WARNING,
                function_id=request.function_id,
                call_id=result.call_id,
                identities=",".join(ended.flag.broken_totals),
                payinfo_rows=ended.flag.payinfo_rows,
                repeated=",".join(ended.flag.repeated),
            )
        return ended

    def _login_refused(self, result: CallResult, where: Where) -> Conclusion:
        """The platform refused our login (wrong account or password): the unit is not at
        fault and the business call was never sent, so it waits like a RETRY while an
        operator fixes the credentials; one ERROR event per call tells them."""
        _event(
            where,
            "platform.login_refused",
            logging.ERROR,
            return_code=result.return_code,
        )
        return Conclusion(Outcome.RETRY, result.call_id, result.return_code, result.message)

    def _entry(self, result: CallResult, where: Where) -> ArchiveEntry | None:
        if not result.exchanges:
            return None
        return ArchiveEntry(
            function_id=result.function_id,
            call_id=result.call_id,
            outcome=result.outcome.value,
            return_code=result.return_code,
            duration_ms=round(result.duration_s * 1000),
            request=result.request_bytes,
            reply=result.reply_bytes,
            feed=where.feed,
            source_key=where.source_key,
            visit_key=where.visit_key,
            aaz218=where.aaz218,
        )

    def _archive(self, result: CallResult, where: Where) -> None:
        self.record(self._entry(result, where), where)

    def flush(self, ended: Conclusion, where: Where) -> Conclusion:
        """Write the exchange ``ended`` still carries (it will not go with a result)."""
        self.record(ended.unarchived, where)
        return replace(ended, unarchived=None)

    def record(self, entry: ArchiveEntry | None, where: Where) -> None:
        """Archive ``entry`` in its own transaction; a failure is logged, not raised (the
        call happened: its result must still be written back)."""
        if entry is None:
            return
        try:
            self.archive.record(entry, self.clock())
        except SyncdError as exc:
            _event(
                where,
                "archive.failed",
                logging.ERROR,
                function_id=entry.function_id,
                call_id=entry.call_id,
                error=type(exc).__name__,
            )

    def archived(self, call_id: str | None, function_id: str, where: Where) -> ArchivedCall | None:
        """Call ``call_id`` of ``function_id`` as it went out, from the archive; None when it
        is not there (the engine died before archiving it, the archive write failed or was
        pruned), cannot be read, or is another function's (a two-step command that died
        between its steps holds the first step's id) — the caller then rebuilds the call.
        A database error reading it is raised: the call is asked about on a later tick, not
        judged by a rebuilt one meanwhile."""
        body = self.archive.sent(call_id) if call_id else None
        if body is None:
            return None
        try:
            program = decode_program(body)
        except PlatformProtocolError:
            _event(
                where,
                "archive.unreadable",
                logging.WARNING,
                call_id=call_id,
            )
            return None
        if program.text("function_id") != function_id:
            return None
        params = {k: v for k, v in program.values.items() if k not in _ENVELOPE}
        datasets = {
            name: [dict(row.values) for row in rows] for name, rows in program.datasets.items()
        }
        return ArchivedCall(function_id, params, datasets)

    def ask(
        self, call: CallContent, visit: Visit | None, where: Where, hints: Hints = NO_HINTS
    ) -> resolve.Resolution:
        """Ask the platform whether ``call`` (outcome unknown) was processed; ``hints`` are
        the wire fields of the call that prepared it (:attr:`resolve.Question.hints`)."""
        slip = next((s.function_id for s in self.catalogue if s.name == "settlement_slip"), None)
        question = resolve.Question(
            function_id=call.function_id,
            params=call.params,
            datasets=call.datasets,
            visit=visit,
            akb020=self.akb020,
            slip_function=slip or "",  # unset: the query fails in _query → UNDECIDED
            hints=hints,
        )
        found = resolve.resolve(question, lambda fid, params: self._query(fid, params, where))
        self.note_resolution(found.found.value, "query")
        _event(
            where,
            "delivery.resolved",
            function_id=call.function_id,
            found=found.found.value,
        )
        return found

    def _query(self, function_id: str, params: Mapping[str, str], where: Where) -> Program | None:
        """One resolution query: its reply, or None when it failed (the answer is UNDECIDED).

        Any syncd error building or sending it — a value the wire cannot carry
        (RequestEncodingError), a function id the catalogue does not know (ConfigError) — is
        a failed query: a strategy must never stall the loop that resolves."""
        try:
            request = Request.build(self.catalogue, function_id, params)
            result = self.client.call(request)
        except SyncdError as exc:
            _event(
                where,
                "delivery.query_failed",
                logging.WARNING,
                function_id=function_id,
                error=type(exc).__name__,
            )
            return None
        self._archive(result, where)
        return result.reply if result.outcome is Outcome.SUCCEEDED else None


def _event(where: Where, name: str, level: int = logging.INFO, **ids: object) -> None:
    """One log event of a call: its name, the feed and key it belongs to, and ids."""
    event(logger, name, level, feed=where.feed, key=where.source_key, **ids)


def build_request(catalogue: Catalogue, mapped: MappedCall) -> Request:
    """The validated platform request (InvalidRequest carries a Chinese reason)."""
    datasets = {name: list(rows) for name, rows in mapped.datasets.items()}
    return Request.build(catalogue, mapped.function_id, dict(mapped.params), datasets)


def _checked(request: Request, result: CallResult, tolerance: Decimal) -> Conclusion:
    """A success whose reply cannot be read is UNKNOWN: it may well have been processed.  One
    that reads, but not cleanly (figures off their §8.1 identities by more than
    ``tolerance``, several payinfo rows, repeated elements), is concluded with what it says,
    and flagged (:func:`~syncd.rules.replies.reply_flag`)."""
    flag = ReplyFlag()
    if result.outcome is Outcome.SUCCEEDED and result.reply is not None:
        try:
            reply = parse_reply(request.spec, result.reply)
        except PlatformProtocolError as exc:
            return Conclusion(Outcome.UNKNOWN, result.call_id, result.return_code, exc.message)
        flag = reply_flag(reply, result.reply, tolerance)
    return Conclusion(
        outcome=result.outcome,
        call_id=result.call_id,
        return_code=result.return_code,
        message=result.message,
        reply=result.reply,
        fields=reply_fields(result.reply),
        flag=flag,
    )
