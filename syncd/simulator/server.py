"""The HTTP face of the simulator and its Python API (:class:`Simulator`).

Routes:

* ``POST /hygeia_esb_sj/api/call.action`` — the platform (raw XML body, any Content-Type);
* ``GET /_sim/calls`` — the call log in order: seq, function_id, aaz218 (the business a call
  names, if any), return_code, at (when it arrived), duration_ms (until its answer, a latency
  fault included), fault, outcome (never a password or a payload);
* ``GET /_sim/businesses`` — every business with rows, batches, settlements, 病案 uploads;
* ``GET|POST|DELETE /_sim/faults`` — list, add (JSON object or list), clear faults;
* ``POST /_sim/sessions/expire`` — expire every session now;
* ``POST /_sim/reset`` — wipe all state (only with ``test_mode``; 404 otherwise).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sqlite3
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from syncd.core.clock import Clock
from syncd.core.errors import ConfigError, MalformedSimulatorRequest, SyncdError
from syncd.logs import event
from syncd.simulator.config import SimulatorConfig, shanghai_now
from syncd.simulator.faults import (
    ALTERING,
    Fault,
    FaultBook,
    altered,
    fault_from_json,
    parse_fault,
)
from syncd.simulator.platform import Platform
from syncd.simulator.store import Store
from syncd.simulator.wire import (
    WireReply,
    WireRequest,
    malformed_reply,
    parse_request,
    render_reply,
)

CALL_PATH = "/hygeia_esb_sj/api/call.action"
SERVER_ERROR_TEXT = "服务执行发生异常"
MAX_BODY = 8 * 1024 * 1024
_PAD_CHUNK = 64 * 1024
logger = logging.getLogger("syncd.simulator")


class Simulator:
    """A running (or startable) simulated platform.

    ``Simulator(config=None, state_path=None, host="127.0.0.1", port=0, clock=None,
    faults=())``; :meth:`start` returns the bound port (0 = a free one), :meth:`stop` shuts
    down; ``stop()`` then ``start()`` on the same ``state_path`` keeps every business.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        state_path: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        faults: tuple[Fault | str, ...] | list[Fault | str] = (),
    ) -> None:
        self.config = config or SimulatorConfig()
        self.state_path = Path(state_path) if state_path else None
        self.host, self.port = host, port
        self.clock: Clock = clock or shanghai_now
        self.fault_book = FaultBook()
        self.add_faults(*faults)
        self._server: _SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._platform: Platform | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> int:
        store = Store(self.state_path)
        self._platform = Platform(self.config, store, lambda: self.clock())
        self._platform.seed()
        self._server = _SimulatorHTTPServer((self.host, self.port), _CallRequestHandler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            daemon=True,
            name=f"syncd-simulator-{self.port}",
        )
        self._thread.start()
        event(logger, "sim.started", host=self.host, port=self.port)
        return self.port

    def serve_forever(self) -> None:
        """Block until :meth:`stop` (used by the CLI)."""
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        if self._platform is not None:
            self._platform.store.close()
        self._server = self._thread = self._platform = None

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.url + CALL_PATH

    @property
    def platform(self) -> Platform:
        if self._platform is None:
            raise SyncdError("the simulator is not running")
        return self._platform

    # --- control and inspection ------------------------------------------------------

    def add_faults(self, *faults: Fault | str) -> None:
        self.fault_book.add(*(parse_fault(f) if isinstance(f, str) else f for f in faults))

    def clear_faults(self) -> None:
        self.fault_book.clear()

    def faults(self) -> list[dict[str, Any]]:
        return [f.as_json() for f in self.fault_book.active()]

    def calls(self) -> list[dict[str, Any]]:
        return self.platform.store.calls()

    def businesses(self) -> list[dict[str, Any]]:
        return self.platform.businesses()

    def expire_sessions(self) -> int:
        return self.platform.store.expire_sessions()

    def reset(self) -> None:
        """Wipe every business, session and call; re-seed the fixture; clear faults."""
        self.platform.store.wipe()
        self.platform.seed()
        self.clear_faults()


class _SimulatorHTTPServer(ThreadingHTTPServer):
    """Tracks its open connections so that :meth:`Simulator.stop` can close kept-alive ones
    (else a client's pooled connection would still reach a handler of a stopped simulator)."""

    daemon_threads = True
    request_queue_size = 128  # listen backlog: socketserver's 5 resets a burst of new clients

    def __init__(self, address: tuple[str, int], handler: type, simulator: Simulator) -> None:
        self.simulator = simulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection (its handler thread then sees EOF and finishes)."""
        with self._open_lock:
            open_now = list(self._open)
        for connection in open_now:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)


class _CallRequestHandler(BaseHTTPRequestHandler):
    server: _SimulatorHTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Access lines are replaced by one ``sim.call`` event per call."""

    @property
    def sim(self) -> Simulator:
        return self.server.simulator

    def do_GET(self) -> None:
        views = {
            "/_sim/calls": self.sim.calls,
            "/_sim/businesses": self.sim.businesses,
            "/_sim/faults": self.sim.faults,
        }
        view = views.get(self.path.split("?")[0])
        if view is None:
            return self._send_json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        self._send_json(HTTPStatus.OK, view())

    def do_DELETE(self) -> None:
        if self.path != "/_sim/faults":
            return self._send_json(HTTPStatus.NOT_FOUND, {"error": "not found"})
        self.sim.clear_faults()
        self._send_json(HTTPStatus.OK, [])

    def do_POST(self) -> None:
        path = self.path.split("?")[0]
        body = self._body()
        if path == CALL_PATH:
            return self._platform_call(body)
        if path == "/_sim/faults":
            return self._post_faults(body)
        if path == "/_sim/sessions/expire":
            return self._send_json(HTTPStatus.OK, {"expired": self.sim.expire_sessions()})
        if path == "/_sim/reset" and self.sim.config.test_mode:
            self.sim.reset()
            return self._send_json(HTTPStatus.OK, {"reset": True})
        self._send_json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def _post_faults(self, body: bytes) -> None:
        try:
            doc = json.loads(body or b"null")
            faults = [fault_from_json(d) for d in (doc if isinstance(doc, list) else [doc])]
        except (ValueError, ConfigError) as exc:
            return self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        self.sim.add_faults(*faults)
        self._send_json(HTTPStatus.OK, self.sim.faults())

    def _platform_call(self, body: bytes) -> None:
        started, at = time.monotonic(), self.sim.clock()
        try:
            request = parse_request(body)
        except MalformedSimulatorRequest as bad:
            return self._finish_call(
                "", started, at, None, WireReply(bad.return_code, bad.message_zh)
            )
        fault = self.sim.fault_book.take(request.function_id)
        kind = fault.kind if fault else None
        if fault is not None and kind == "latency":
            time.sleep(fault.ms / 1000)
        if kind in ("drop", "http500"):
            return self._finish_call(request.function_id, started, at, kind, None, of=request)
        if kind == "expire_session":
            self.sim.expire_sessions()
        try:
            reply = self.sim.platform.process(request)
        except (sqlite3.Error, ValueError, LookupError, ArithmeticError) as exc:
            event(logger, "sim.exception", logging.ERROR, error=type(exc).__name__)
            failed = "http500"
            return self._finish_call(request.function_id, started, at, failed, None, of=request)
        size = fault.size if fault else 0
        self._finish_call(request.function_id, started, at, kind, reply, size, of=request)

    def _finish_call(
        self,
        function_id: str,
        started: float,
        at: Any,
        kind: str | None,
        reply: WireReply | None,
        size: int = 0,
        *,
        of: WireRequest | None = None,
    ) -> None:
        """Log the call first (so /_sim/calls is current once the client has an answer),
        then answer, or deliberately do not."""
        outcome = _outcome(kind, reply)
        entry = {
            "function_id": function_id,
            "aaz218": (of.get("aaz218") or None) if of is not None else None,
            "return_code": reply.return_code if reply else None,
            "at": at.isoformat(),
            "duration_ms": int((time.monotonic() - started) * 1000),
            "fault": kind,
            "outcome": outcome,
        }
        self.sim.platform.store.log_call(entry)
        event(
            logger,
            "sim.call",
            function_id=function_id or "-",
            return_code=entry["return_code"],
            fault=kind or "-",
            outcome=outcome,
        )
        if outcome == "oversize" and reply is not None:
            return _send_padded(self, render_reply(reply), size)
        if kind in ALTERING and reply is not None:
            reply = altered(kind, reply)
        _send_reply(self, outcome, reply)

    def _send_json(self, status: HTTPStatus, doc: Any) -> None:
        payload = json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")
        self._send(status, "application/json; charset=utf-8", payload)

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _outcome(kind: str | None, reply: WireReply | None) -> str:
    if kind in ("drop", "reply_lost", "malformed"):
        return {"drop": "dropped", "reply_lost": "reply_lost", "malformed": "malformed"}[kind]
    if kind == "oversize" and reply is not None:
        return "oversize"
    return "http500" if kind == "http500" or reply is None else "replied"


def _send_padded(handler: _CallRequestHandler, payload: bytes, size: int) -> None:
    """The reply grown to ``size`` bytes by a comment before ``</program>``, written in chunks
    (never held whole); a client that stops reading ends it (the connection is closed)."""
    head, tail = payload[: -len(b"</program>")] + b"<!--", b"--></program>"
    padding = max(0, size - len(head) - len(tail))
    handler.send_response(200)
    handler.send_header("Content-Type", "text/xml; charset=UTF-8")
    handler.send_header("Content-Length", str(len(head) + padding + len(tail)))
    handler.end_headers()
    chunk = b" " * _PAD_CHUNK
    try:
        handler.wfile.write(head)
        for start in range(0, padding, _PAD_CHUNK):
            handler.wfile.write(chunk[: min(_PAD_CHUNK, padding - start)])
        handler.wfile.write(tail)
    except OSError:  # the client stopped reading and closed the connection
        handler.close_connection = True


def _send_reply(handler: _CallRequestHandler, outcome: str, reply: WireReply | None) -> None:
    """Answer (or deliberately not answer) one platform call."""
    if outcome in ("dropped", "reply_lost"):
        handler.close_connection = True
    elif outcome == "http500" or reply is None:
        handler._send(500, "text/html; charset=UTF-8", SERVER_ERROR_TEXT.encode("utf-8"))
    else:
        payload = malformed_reply() if outcome == "malformed" else render_reply(reply)
        handler._send(200, "text/xml; charset=UTF-8", payload)
