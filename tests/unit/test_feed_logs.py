"""What a feed's tick logs at INFO (issue 17, item 3): one line per call, never one per row;
a row that waits poll after poll says why once, and again only when the reason changes."""

from __future__ import annotations

import logging

import pytest
from exchange_support import Engine, admission, fee


def _info(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == name and r.levelno == logging.INFO]


def test_waiting_rows_say_why_once_and_a_call_is_one_info_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = Engine()
    caplog.set_level(logging.DEBUG)
    for n in range(5):
        fee(engine, f"F{n}", "1.00")  # the stay is not admitted yet: the rows wait
    for _ in range(3):
        engine.tick("ip_fee")
        engine.clock.advance(60)
    (waiting,) = _info(caplog, "feed.waiting")
    fields = waiting.syncd_fields  # type: ignore[attr-defined]
    assert fields["rows"] == 5 and fields["reason"] and fields["visit"] == "ZY1"
    rows = [r for r in caplog.records if r.getMessage() == "feed.row"]
    assert len(rows) == 15 and {r.levelno for r in rows} == {logging.DEBUG}
    caplog.clear()
    admission(engine)
    engine.tick("ip_admission")
    engine.tick("ip_fee")
    uploads = [c for c in engine.platform.calls if c[0] == "bizh120002"]
    assert uploads and len(_info(caplog, "delivery.called")) == 1 + len(uploads)
    assert not _info(caplog, "feed.row") and not _info(caplog, "feed.waiting")
