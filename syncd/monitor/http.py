"""``/metrics``, ``/healthz`` and ``/readyz`` as one WSGI app, and a small threaded server for it.

:func:`monitoring_app` is plain WSGI so that another server (the web console) can mount the same
app; :class:`MonitorServer` serves it from ``syncd run`` on ``monitoring.listen`` (wsgiref, one
thread per request; it binds 127.0.0.1 by default).  ``/healthz`` and ``/readyz`` answer 200 or
503 with a small JSON document saying why; nothing served holds personal data.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable, Mapping
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import CollectorRegistry, make_wsgi_app

from syncd.logs import event

logger = logging.getLogger(__name__)
Health = tuple[bool, Mapping[str, object]]  # (healthy, the JSON body of /healthz or /readyz)
HealthProbe = Callable[[], Health]
_JSON = [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")]


def monitoring_app(
    registry: CollectorRegistry, *, alive: HealthProbe, ready: HealthProbe
) -> WSGIApplication:
    """The WSGI app: ``/metrics`` (Prometheus text), ``/healthz`` (``alive``), ``/readyz``
    (``ready``); each check returns (ok, details)."""
    metrics = make_wsgi_app(registry)
    checks = {"/healthz": alive, "/readyz": ready}

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", {"error": "GET only"})
        if path == "/metrics":
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        if path in checks:
            ok, details = _run(checks[path])
            return _answer(
                start_response, "200 OK" if ok else "503 Service Unavailable", {"ok": ok, **details}
            )
        return _answer(start_response, "404 Not Found", {"paths": ["/metrics", *checks]})

    return app


def _run(check: HealthProbe) -> Health:
    try:
        return check()
    except Exception as exc:  # a failing check is a "not ok", never a traceback to the client
        event(logger, "monitor.check_failed", logging.WARNING, error=type(exc).__name__)
        return False, {"error": type(exc).__name__}


def _answer(start_response: StartResponse, status: str, doc: Mapping[str, object]) -> list[bytes]:
    body = json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")
    start_response(status, [*_JSON, ("Content-Length", str(len(body)))])
    return [body]


class _MonitorServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:
        """As WSGIServer's, without its reverse DNS look-up of the host (slow or hanging on a
        host without DNS)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()


class _Server6(_MonitorServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged (a scrape every 15 s would fill the journal)."""


class MonitorServer:
    """``app`` on ``host``:``port`` in a background thread; port 0 picks a free one."""

    def __init__(self, app: WSGIApplication, host: str, port: int) -> None:
        server_class = _Server6 if ":" in host else _MonitorServer
        self._server = make_server(
            host, port, app, server_class=server_class, handler_class=_QuietHandler
        )
        self.host, self.port = host, int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            name="syncd-monitor",
            kwargs={"poll_interval": 0.5},
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()
        event(logger, "monitor.listening", host=self.host, port=self.port)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()
