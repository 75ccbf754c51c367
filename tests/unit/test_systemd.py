"""sd_notify over a real Unix datagram socket, and the shipped unit file's promises."""

from __future__ import annotations

import configparser
import socket
from pathlib import Path

from syncd.service.systemd import Notifier

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "syncd.service"


def test_notifications_reach_the_socket_as_systemd_expects(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(5)
        notifier = Notifier({"NOTIFY_SOCKET": path})
        notifier.ready("12 feeds")
        notifier.watchdog()
        notifier.status("idle\nsecond line")
        notifier.stopping()
        got = [server.recv(4096).decode() for _ in range(4)]
    assert got == [
        "READY=1\nSTATUS=12 feeds",
        "WATCHDOG=1",
        "STATUS=idle second line",
        "STOPPING=1\nSTATUS=stopping",
    ]


def test_without_systemd_nothing_is_sent_and_nothing_fails() -> None:
    notifier = Notifier({})
    assert not notifier.enabled and notifier.watchdog_s is None
    notifier.ready()
    notifier.watchdog()


def test_a_vanished_socket_is_logged_not_raised(tmp_path: Path) -> None:
    Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}).ready()


def test_watchdog_interval_is_half_of_watchdog_sec_and_only_for_this_process() -> None:
    assert Notifier({"WATCHDOG_USEC": "60000000"}).watchdog_s == 30.0
    assert Notifier({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}).watchdog_s is None
    assert Notifier({"WATCHDOG_USEC": "0"}).watchdog_s is None


def test_unit_file_is_notify_with_watchdog_restart_rules_hardening_and_credentials() -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    service = parser["Service"]
    assert service["Type"] == "notify"
    assert service["RestartPreventExitStatus"] == "78"
    assert service["Restart"] == "on-failure"
    assert int(service["WatchdogSec"]) > 0 and int(service["TimeoutStopSec"]) > 0
    for key in ("NoNewPrivileges", "PrivateTmp"):
        assert service[key] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["User"] == "syncd"
    text = UNIT.read_text(encoding="utf-8")
    assert "LoadCredential=platform-password:" in text
    assert "password=" not in text.lower().replace("loadcredential=", "")
