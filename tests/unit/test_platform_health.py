"""The platform's health as the client's exchanges tell it: one log line when an outage starts
and one when it ends, however many calls fail in between; the idle probe."""

from __future__ import annotations

import io
import logging
import socket

import pytest

from syncd.core.records import Outcome
from syncd.logs import setup_logging
from syncd.platform.health import PlatformHealth, probe


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends() -> None:
    now = [1000.0]
    health = PlatformHealth(wall=lambda: now[0])
    stream = io.StringIO()
    handler = setup_logging("INFO", stream=stream)
    try:
        health.exchanged(True)
        for _ in range(5):
            health.exchanged(False, "ConnectTimeout")
            now[0] += 30
        health.exchanged(True)
        health.exchanged(True)
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert [line.split(" event=")[1].split()[0] for line in lines] == [
        "platform.unreachable",
        "platform.reachable",
    ]
    assert lines[0].startswith("level=error") and "reason=ConnectTimeout" in lines[0]
    assert "down_s=150" in lines[1]
    assert health.snapshot().reachable is True and health.snapshot().changed_at == 1150.0


def test_a_failing_listener_never_reaches_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    """A broken metric is a warning, never an exception in the call; the others still hear."""
    health, heard = PlatformHealth(), []
    health.subscribe(lambda *args: 1 / 0)
    health.subscribe(lambda *args: heard.append(args))
    with caplog.at_level(logging.WARNING):
        health.called("bizh120103", Outcome.RETRY, 0.1)
    assert heard == [("bizh120103", Outcome.RETRY, 0.1)]
    assert [r.getMessage() for r in caplog.records] == ["platform.listener_failed"]


def test_probe_tells_an_open_port_from_a_closed_one() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert probe(f"http://127.0.0.1:{port}/x", 1.0) == (True, "")
    ok, why = probe(f"http://127.0.0.1:{port}/x", 1.0)
    assert not ok and why == "ConnectionRefusedError"
