"""Serving the console with uvicorn: in the foreground (``syncd console``) or in a thread beside
the daemon (``syncd run`` with ``console.enabled``).

The socket is bound here first, so an address in use is a configuration error at start-up
(file:line-free: the setting's name and the fix), never a thread that dies quietly.  uvicorn
logs through syncd's logging; its access log is off (paths carry no personal data, but a
request log of every page is noise in the journal).
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from syncd.core.bilingual import zh_en
from syncd.core.errors import ConfigError, ConfigProblem
from syncd.logs import event

logger = logging.getLogger(__name__)
START_TIMEOUT_S = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: any free port); ConfigError when taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # answers go out in two writes (head, body): without this, Nagle holds the body back for
    # the client's delayed ACK (40 ms a page); accepted sockets inherit it
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            [
                ConfigProblem(
                    "console.host/console.port",
                    0,
                    0,
                    zh_en(
                        f"无法监听 {host}:{port}",
                        f"cannot listen on {host}:{port}: {exc.strerror or type(exc).__name__}",
                    ),
                    zh_en(
                        "另一个程序（或另一个 syncd）占用了它：换一个 console.port"
                        "（或 syncd console --port）",
                        "another program (or another syncd) uses it: choose another "
                        "console.port (or syncd console --port)",
                    ),
                )
            ]
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _config(app: ASGIApp) -> uvicorn.Config:
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="off",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
    )


class ConsoleServer:
    """``app`` on ``host``:``port`` in a background thread."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.sock = bind(host, port)
        self.host, self.port = host, int(self.sock.getsockname()[1])
        self.server = uvicorn.Server(_config(app))
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.sock]},
            name="syncd-console",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started and self.thread.is_alive():
            if time.monotonic() > deadline:
                raise ConfigError(
                    zh_en("控制台未在 10 秒内启动", "the console did not start within 10 s")
                )
            time.sleep(0.02)
        event(logger, "console.listening", host=self.host, port=self.port)

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(10)
        self.sock.close()


def serve(app: ASGIApp, host: str, port: int) -> None:
    """In the foreground until SIGINT/SIGTERM (then a clean stop: exit status 0)."""
    server = ConsoleServer(app, host, port)
    stopped = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stopped.set()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        server.start()
        while not stopped.wait(0.5) and server.thread.is_alive():
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
