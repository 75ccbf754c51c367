"""Talk to systemd: ``sd_notify`` over ``$NOTIFY_SOCKET`` and the watchdog interval.

Without systemd (no ``NOTIFY_SOCKET``) every call is a no-op, so ``syncd run`` behaves the same
in a terminal.  The protocol is one datagram of ``KEY=VALUE`` lines to a Unix socket (an
abstract one when the path starts with ``@``); see sd_notify(3).  Nothing here raises: a lost
notification must never stop the daemon.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

from syncd.logs import event

log = logging.getLogger(__name__)


class Notifier:
    """Sends READY/STATUS/WATCHDOG/STOPPING to the service manager, if there is one."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self.watchdog_s = _watchdog_seconds(env)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def ready(self, status: str = "") -> None:
        self._send({"READY": "1", "STATUS": status} if status else {"READY": "1"})

    def status(self, text: str) -> None:
        self._send({"STATUS": text})

    def watchdog(self) -> None:
        self._send({"WATCHDOG": "1"})

    def stopping(self, status: str = "stopping") -> None:
        self._send({"STOPPING": "1", "STATUS": status})

    def _send(self, fields: Mapping[str, str]) -> None:
        if self.address is None:
            return
        payload = "\n".join(f"{k}={v.replace(chr(10), ' ')}" for k, v in fields.items())
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self.address)
                sock.sendall(payload.encode("utf-8"))
        except OSError as exc:
            event(log, "systemd.notify_failed", logging.WARNING, error=type(exc).__name__)


def _socket_address(raw: str) -> str | None:
    if not raw:
        return None
    if raw.startswith("@"):
        return "\0" + raw[1:]
    return raw


def _watchdog_seconds(env: Mapping[str, str]) -> float | None:
    """Half of WatchdogSec (as systemd advises), only when the watchdog is meant for us."""
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 2_000_000
