"""What one platform call is to everyone but the client (L1 vocabulary, no I/O).

:class:`CallResult` is how one call ended as the client saw it (outcome, reply, the bytes
exchanged for the archive); :class:`Caller` is the port the engine, the operator and the
nightly reconciliation call the platform through — :class:`syncd.platform.client.PlatformClient`
is the real one.  Keeping them here lets those layers name a call without importing httpx,
the client or its settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from syncd.core.records import Outcome
from syncd.protocol.decoded import Program
from syncd.protocol.messages import Request


@dataclass(frozen=True, repr=False)
class HttpExchange:
    """One HTTP request/reply pair as bytes (reply None when none arrived).  A reply longer
    than ``platform.max_reply_bytes`` is its first bytes plus a note (``cut`` is True)."""

    request: bytes
    reply: bytes | None
    http_status: int | None = None
    cut: bool = False

    def __repr__(self) -> str:
        size = None if self.reply is None else len(self.reply)
        cut = ", cut" if self.cut else ""
        status = self.http_status
        return f"HttpExchange(request={len(self.request)}B, reply={size}B, status={status}{cut})"


@dataclass(frozen=True)
class CallResult:
    """How one platform call ended, with everything the caller writes back and archives."""

    call_id: str
    function_id: str
    outcome: Outcome
    reply: Program | None
    return_code: str | None
    message: str  # the platform's message verbatim, or why there is no usable reply
    exchanges: tuple[HttpExchange, ...]  # business exchanges: the first try and any replay
    duration_s: float
    started_at: datetime
    login_failed: bool = False
    relogged: bool = False

    @property
    def request_bytes(self) -> bytes:
        return self.exchanges[-1].request if self.exchanges else b""

    @property
    def reply_bytes(self) -> bytes | None:
        return self.exchanges[-1].reply if self.exchanges else None

    @property
    def succeeded(self) -> bool:
        return self.outcome is Outcome.SUCCEEDED


class Caller(Protocol):
    """Whatever sends a platform request: the client, or a test's scripted platform.
    ``call_id``: the id the caller committed with its intent (a new one when None)."""

    def call(self, request: Request, call_id: str | None = None) -> CallResult: ...
