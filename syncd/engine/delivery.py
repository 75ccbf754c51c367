"""Sending one platform call the way the delivery rules say (L3).

:class:`Delivery` holds what every send needs (client, catalogue, archive, clock, policy) and
offers the steps a feed tick and a command share: build the validated request, call, archive
the exchange in its own transaction, check the reply, and resolve an UNKNOWN by query.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from syncd.core.errors import PlatformProtocolError, SyncdError
from syncd.core.records import ArchiveEntry, Lease, Outcome
from syncd.engine.ports import ArchivePort
from syncd.logs import event
from syncd.mapping import Request as MappedRequest
from syncd.protocol.calls import CallResult
from syncd.protocol.catalogue import Catalogue
from syncd.protocol.codec import Program, decode_program
from syncd.protocol.messages import Request, parse_reply
from syncd.rules import resolve
from syncd.rules.outbox import BLIND_RESEND_UNSAFE, RetryPolicy
from syncd.rules.replies import reply_fields
from syncd.rules.visits import Visit

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Hints = Mapping[str, object]
_ENVELOPE = ("session_id", "function_id")
_NO_HINTS: Hints = {}
STILL_RUNNING_ZH = (
    "结果未知：平台暂未查到此交易，可能仍在处理，稍后再查询确认（确认未处理后才重发）"
)


class Caller(Protocol):
    def call(self, request: Request, call_id: str | None = None) -> CallResult: ...


class Called(Protocol):
    """What asking about a call needs of it: a built :class:`Request`, or a rendered one
    that could not be built (a refund rebuilt without the rows only its first step fetches)."""

    @property
    def function_id(self) -> str: ...
    @property
    def params(self) -> Mapping[str, object]: ...
    @property
    def datasets(self) -> Mapping[str, Sequence[Mapping[str, object]]]: ...


@dataclass(frozen=True)
class Where:
    """What an archived exchange belongs to (ids only)."""

    feed: str = ""
    source_key: str = ""
    visit_key: str = ""
    aaz218: str = ""


@dataclass(frozen=True)
class Sent:
    """How one call ended, after checking the reply and, for an UNKNOWN, resolving it."""

    outcome: Outcome
    call_id: str
    return_code: str | None = None
    message: str = ""
    program: Program | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    resolved: bool = False


@dataclass(frozen=True)
class Archived:
    """A call as the archive holds it: what went out, read back (values as sent, text)."""

    function_id: str
    params: Mapping[str, object]
    datasets: Mapping[str, Sequence[Mapping[str, object]]]


@dataclass
class Delivery:
    client: Caller
    catalogue: Catalogue
    archive: ArchivePort
    clock: Clock
    policy: RetryPolicy
    draw: Callable[[], float]
    akb020: str
    owner: str
    flight_s: float  # an intent's lease: at least the longest sending of one intent

    def flight_lease(self) -> Lease:
        """The lease of an intent: it must outlast the call, or another engine could take the
        row over as IN_FLIGHT, ask the platform too early, find nothing and send it again."""
        return Lease.starting(self.owner, self.clock(), timedelta(seconds=self.flight_s))

    def request(self, mapped: MappedRequest) -> Request:
        """The validated platform request (InvalidRequest carries a Chinese reason)."""
        datasets = {name: list(rows) for name, rows in mapped.datasets.items()}
        return Request.build(self.catalogue, mapped.function_id, dict(mapped.params), datasets)

    def kind(self, function_id: str) -> str:
        return self.catalogue.get(function_id).kind.value

    def unsafe(self, function_id: str) -> bool:
        """True for state-changing and money calls: never re-sent blindly."""
        return self.kind(function_id) in BLIND_RESEND_UNSAFE

    @staticmethod
    def new_request_id() -> str:
        return uuid.uuid4().hex

    def send(self, request: Request, where: Where, call_id: str | None = None) -> Sent:
        """Call, archive (a failed archive write is logged, not raised: the result counts),
        check the reply.  ``call_id``: the request id committed with the intent, so the row
        in flight and the archived exchange carry the same id."""
        result = self.client.call(request, call_id)
        self._archive(result, where)
        if result.login_failed:
            return self._login_refused(result, where)
        sent = _checked(request, result)
        event(logger, "delivery.called", feed=where.feed, key=where.source_key,
              function_id=request.function_id, outcome=sent.outcome.value,
              call_id=result.call_id)  # fmt: skip
        return sent

    def _login_refused(self, result: CallResult, where: Where) -> Sent:
        """The platform refused our login (wrong account or password): the row is not at
        fault and the business call was never sent, so it waits like a RETRY while an
        operator fixes the credentials; one ERROR event per call tells them."""
        event(logger, "platform.login_refused", logging.ERROR, feed=where.feed,
              key=where.source_key, return_code=result.return_code)  # fmt: skip
        return Sent(Outcome.RETRY, result.call_id, result.return_code, result.message)

    def _archive(self, result: CallResult, where: Where) -> None:
        if not result.exchanges:
            return
        exchange = ArchiveEntry(
            function_id=result.function_id, call_id=result.call_id,
            outcome=result.outcome.value, return_code=result.return_code,
            duration_ms=round(result.duration_s * 1000), request=result.request_bytes,
            reply=result.reply_bytes, feed=where.feed, source_key=where.source_key,
            visit_key=where.visit_key, aaz218=where.aaz218,
        )  # fmt: skip
        try:
            self.archive.record(exchange, self.clock())
        except SyncdError as exc:  # the call happened: its result must still be written back
            event(logger, "archive.failed", logging.ERROR, feed=where.feed,
                  key=where.source_key, function_id=result.function_id,
                  call_id=result.call_id, error=type(exc).__name__)  # fmt: skip

    def archived(self, call_id: str | None, function_id: str, where: Where) -> Archived | None:
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
            event(logger, "archive.unreadable", logging.WARNING, feed=where.feed,
                  key=where.source_key, call_id=call_id)  # fmt: skip
            return None
        if program.text("function_id") != function_id:
            return None
        params = {k: v for k, v in program.values.items() if k not in _ENVELOPE}
        datasets = {name: [dict(row.values) for row in rows]
                    for name, rows in program.datasets.items()}  # fmt: skip
        return Archived(function_id, params, datasets)

    def resolve_just_sent(
        self, request: Called, visit: Visit | None, where: Where, hints: Hints = _NO_HINTS
    ) -> resolve.Resolution:
        """Right after an unknown outcome: a "processed" is adopted at once, but a "not
        processed" is not believed yet — after a timeout the platform may still be working on
        the call.  It stays UNKNOWN and is asked again after the in-flight window
        (``RetryPolicy.unknown_hold_s``), when "not processed" is safe to act on."""
        found = self.resolve(request, visit, where, hints)
        if found.found is resolve.Found.NOT_PROCESSED:
            return resolve.Resolution(resolve.Found.UNDECIDED, reason_zh=STILL_RUNNING_ZH)
        return found

    def resolve(
        self, request: Called, visit: Visit | None, where: Where, hints: Hints = _NO_HINTS
    ) -> resolve.Resolution:
        """Ask the platform whether ``request`` (outcome unknown) was processed; ``hints``
        are the wire fields of the call that prepared it (:attr:`resolve.Sent.hints`)."""
        slip = next((s.function_id for s in self.catalogue if s.name == "settlement_slip"), None)
        sent = resolve.Sent(
            function_id=request.function_id, params=request.params,
            datasets=request.datasets, visit=visit, akb020=self.akb020,
            slip_function=slip or "",  # unset: the query fails in _ask → UNDECIDED
            hints=hints,
        )  # fmt: skip
        found = resolve.resolve(sent, lambda fid, params: self._ask(fid, params, where))
        event(logger, "delivery.resolved", feed=where.feed, key=where.source_key,
              function_id=request.function_id, found=found.found.value)  # fmt: skip
        return found

    def _ask(self, function_id: str, params: Mapping[str, str], where: Where) -> Program | None:
        """One resolution query: its reply, or None when it failed (the answer is UNDECIDED).

        Any syncd error building or sending it — a value the wire cannot carry
        (RequestEncodingError), a function id the catalogue does not know (ConfigError) — is
        a failed query: a strategy must never stall the loop that resolves."""
        try:
            request = Request.build(self.catalogue, function_id, params)
            result = self.client.call(request)
        except SyncdError as exc:
            event(logger, "delivery.query_failed", logging.WARNING, feed=where.feed,
                  key=where.source_key, function_id=function_id,
                  error=type(exc).__name__)  # fmt: skip
            return None
        self._archive(result, where)
        return result.reply if result.outcome is Outcome.SUCCEEDED else None


def _checked(request: Request, result: CallResult) -> Sent:
    """A success whose reply cannot be read is UNKNOWN: it may well have been processed."""
    if result.outcome is Outcome.SUCCEEDED and result.reply is not None:
        try:
            parse_reply(request.spec, result.reply)
        except PlatformProtocolError as exc:
            return Sent(Outcome.UNKNOWN, result.call_id, result.return_code, exc.message)
    return Sent(
        outcome=result.outcome, call_id=result.call_id, return_code=result.return_code,
        message=result.message, program=result.reply, fields=reply_fields(result.reply),
    )  # fmt: skip
