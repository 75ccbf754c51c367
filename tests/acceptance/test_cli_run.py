"""``syncd run`` as systemd runs it: the installed command in a subprocess with a notify socket,
a SQLite HIS database and the simulator; configuration errors exit 78."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli_engine import SYNCD, _env, add_fees, his, run, sim, statuses

from syncd.simulator import Simulator

__all__ = ["his", "sim"]


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(0.1)
    yield sock
    sock.close()


def _messages(sock: socket.socket, into: list[str]) -> list[str]:
    while True:
        try:
            into.append(sock.recv(4096).decode("utf-8"))
        except TimeoutError:
            return into


def _until(check: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _start(his: Path, notify: socket.socket) -> subprocess.Popen[str]:
    env = {**_env(his), "NOTIFY_SOCKET": notify.getsockname(), "WATCHDOG_USEC": "400000"}
    return subprocess.Popen(
        [SYNCD, "run"], cwd=his, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_run_delivers_notifies_systemd_and_stops_cleanly(
    his: Path, sim: Simulator, notify: socket.socket, stop: signal.Signals
) -> None:
    """`syncd run` sends READY (with a status line), WATCHDOG pings, delivers the admission and
    its fee rows, and on SIGTERM/SIGINT sends STOPPING, gives its leases back and exits 0."""
    add_fees(his, 12)
    proc = _start(his, notify)
    seen: list[str] = []
    try:
        _until(lambda: any(m.startswith("READY=1") for m in _messages(notify, seen)), "READY")
        _until(lambda: set(statuses(his, "ip_fee").values()) == {"SUCCEEDED"}, "fee rows")
        _until(lambda: any("WATCHDOG=1" in m for m in _messages(notify, seen)), "a ping")
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert any(m.startswith("STOPPING=1") for m in _messages(notify, seen))
    ready = next(m for m in seen if m.startswith("READY=1"))
    assert "STATUS=pending=" in ready
    assert "event=daemon.stopped" in err and "1000010001" not in err
    assert statuses(his, "ip_admission") == {"1": "SUCCEEDED"}
    with sqlite3.connect(his / "his.db") as conn:
        held = conn.execute("SELECT COUNT(*) FROM wi_sync_status WHERE lease_owner IS NOT NULL")
        assert held.fetchone()[0] == 0


def test_run_does_not_resend_a_failed_row_at_start_up(
    his: Path, sim: Simulator, notify: socket.socket
) -> None:
    """A row FAILED by an earlier pass stays FAILED when the daemon starts (only `syncd retry`
    re-queues it): the platform sees no new admission call."""
    assert run("once", cwd=his, platform_down=True).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "FAILED"}
    calls = len([c for c in sim.calls() if c["function_id"] == "bizh120103"])
    proc = _start(his, notify)
    try:
        _until(lambda: any(m.startswith("READY=1") for m in _messages(notify, [])), "READY")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert statuses(his, "ip_admission") == {"1": "FAILED"}
    assert len([c for c in sim.calls() if c["function_id"] == "bizh120103"]) == calls


def test_run_with_a_broken_settings_file_exits_78(his: Path) -> None:
    """A configuration error is exit 78 (systemd: RestartPreventExitStatus=78), positioned."""
    config = his / "syncd.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "polling:\n  batch_sizee: 3\n", encoding="utf-8"
    )
    result = run("run", cwd=his)
    assert result.returncode == 78
    assert "syncd.yaml" in result.stderr


def test_run_without_a_platform_password_exits_78(his: Path) -> None:
    """No password from the environment, a file or a credential: exit 78 before anything."""
    env = {k: v for k, v in _env(his).items() if k != "SYNCD_PLATFORM__PASSWORD"}
    result = subprocess.run(
        [SYNCD, "run"], cwd=his, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 78
    assert "platform.password" in result.stderr
    assert os.path.exists(his / "his.db")
