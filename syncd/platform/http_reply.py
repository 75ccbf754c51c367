"""How an HTTP reply from the platform is read (bounded) and classified.

:func:`read_bounded` reads a reply as a stream and stops at ``platform.max_reply_bytes``;
:func:`classify_response` and :func:`classify_error` turn what came back (or the error) into an
:class:`Attempt` with the :class:`~syncd.core.records.Outcome` the client's docstring tabulates.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from syncd.core.errors import PlatformProtocolError
from syncd.core.records import Outcome
from syncd.protocol.calls import HttpExchange
from syncd.protocol.codec import decode_program
from syncd.protocol.decoded import Program
from syncd.protocol.messages import SESSION_EXPIRED_CODE

# Failures that happen before any byte of the request can have been processed.
NOT_SENT: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
)


_READ_CHUNK = 64 * 1024
CUT_NOTE = (
    "\n<!-- syncd: 平台返回超过 platform.max_reply_bytes（{limit} 字节），未再读取，"
    "只保存前 {limit} 字节 / reply longer than platform.max_reply_bytes ({limit} bytes): "
    "the rest was not read -->"
)


@dataclass(frozen=True)
class Attempt:
    exchange: HttpExchange
    outcome: Outcome
    program: Program | None = None
    message: str = ""

    @property
    def return_code(self) -> str | None:
        return self.program.return_code if self.program else None

    @property
    def session_expired(self) -> bool:
        return self.return_code is not None and self.return_code.strip() == SESSION_EXPIRED_CODE


def _success(code: int, rule: str) -> bool:
    return code >= 0 if rule == "non_negative" else code == 1


def _classify_program(program: Program, rule: str) -> tuple[Outcome, str]:
    message = program.return_code_message
    try:
        code = program.integer("return_code")
    except PlatformProtocolError as exc:
        return Outcome.UNKNOWN, exc.message
    if code is None:
        return Outcome.UNKNOWN, "the reply has no return_code"
    if _success(code, rule):
        return Outcome.SUCCEEDED, message
    if code == int(SESSION_EXPIRED_CODE):
        return Outcome.RETRY, message or "session expired"
    return Outcome.REJECTED, message


def read_bounded(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The reply body, read in chunks and never beyond ``limit`` bytes (decoded size, so a
    compressed reply cannot expand past it either); True when there was more."""
    body = bytearray()
    for chunk in response.iter_bytes(_READ_CHUNK):
        room = limit - len(body)
        if len(chunk) > room:
            body += chunk[:room]
            return bytes(body), True
        body += chunk
    return bytes(body), False


def classify_response(
    status: int, body: bytes, reply: bytes, rule: str, limit: int, cut: bool
) -> Attempt:
    stored = reply + CUT_NOTE.format(limit=limit).encode("utf-8") if cut else reply
    exchange = HttpExchange(body, stored, status, cut)
    if status >= 500:
        return Attempt(exchange, Outcome.UNKNOWN, message=f"HTTP {status} from the platform")
    if not 200 <= status < 300:
        return Attempt(exchange, Outcome.RETRY, message=f"HTTP {status} from the platform")
    if cut:
        message = f"reply longer than platform.max_reply_bytes ({limit} bytes), not read on"
        return Attempt(exchange, Outcome.UNKNOWN, message=message)
    try:
        program = decode_program(reply)
    except PlatformProtocolError as exc:
        return Attempt(exchange, Outcome.UNKNOWN, message=exc.message)
    outcome, message = _classify_program(program, rule)
    return Attempt(exchange, outcome, program, message)


def classify_error(exc: httpx.HTTPError, body: bytes) -> Attempt:
    outcome = Outcome.RETRY if isinstance(exc, NOT_SENT) else Outcome.UNKNOWN
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return Attempt(HttpExchange(body, None), outcome, message=reason)
