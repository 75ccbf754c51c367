"""Logging: one line per event, and private data never reaches the output."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd import logs

ID_NUMBER = "44030619900101001X"
AAZ218 = "441900240301000017"


@pytest.fixture
def capture() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logs.setup_logging("DEBUG", "kv", ["bka025"], stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_event_is_one_key_value_line(capture: io.StringIO) -> None:
    logs.event(logging.getLogger("syncd.feed"), "feed.claimed", feed="fee", key=42)
    line = capture.getvalue().strip()
    assert "\n" not in line
    assert line == "level=info logger=syncd.feed event=feed.claimed feed=fee key=42"


def test_id_number_never_reaches_output_wherever_it_is_passed(capture: io.StringIO) -> None:
    log = logging.getLogger("syncd.test")
    logs.event(log, "lookup", key=ID_NUMBER)
    log.warning("message mentions %s", ID_NUMBER)
    try:
        raise ValueError(f"bad value {ID_NUMBER}")
    except ValueError:
        log.exception("failed")
    out = capture.getvalue()
    assert ID_NUMBER not in out
    assert ID_NUMBER[:14] not in out
    assert out.count("440306***") == 3


def test_configured_and_default_private_fields_are_masked(capture: io.StringIO) -> None:
    log = logging.getLogger("syncd.test")
    logs.event(log, "admitted", aac003="张三", bka025="ZY2024000456", password="pw", feed="adm")
    out = capture.getvalue()
    assert "张三" not in out and "ZY2024000456" not in out and "pw " not in out
    assert "aac003=*** bka025=*** password=*** feed=adm" in out


def test_business_numbers_that_are_not_id_shaped_stay_readable(capture: io.StringIO) -> None:
    logs.event(logging.getLogger("syncd.test"), "settled", aaz218=AAZ218)
    assert f"aaz218={AAZ218}" in capture.getvalue()


def test_json_format_is_one_object_per_line_and_redacted() -> None:
    stream = io.StringIO()
    handler = logs.setup_logging("INFO", "json", [], stream=stream)
    try:
        logs.event(logging.getLogger("syncd.x"), "lookup", aac002=ID_NUMBER, note=f"id {ID_NUMBER}")
    finally:
        logging.getLogger().removeHandler(handler)
    doc = json.loads(stream.getvalue())
    assert doc["event"] == "lookup" and doc["aac002"] == "***"
    assert ID_NUMBER not in stream.getvalue()


def test_chinese_text_is_written_as_is(capture: io.StringIO) -> None:
    logs.event(logging.getLogger("syncd.x"), "rejected", reason="业务互斥")
    assert "reason=业务互斥" in capture.getvalue()


def test_under_systemd_each_line_starts_with_its_journal_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JOURNAL_STREAM names the stream's device:inode: every line gets <3>…<7>; a stream
    that is not the journal's (a redirected child, a terminal) gets no prefix."""
    with (tmp_path / "journal").open("w", encoding="utf-8") as journal:
        stat = os.fstat(journal.fileno())
        environ = {"JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"}
        assert logs.is_journal_stream(journal, environ)
        assert not logs.is_journal_stream(journal, {"JOURNAL_STREAM": f"{stat.st_dev}:1"})
        assert not logs.is_journal_stream(io.StringIO(), environ)
        monkeypatch.setenv("JOURNAL_STREAM", environ["JOURNAL_STREAM"])
        handler = logs.setup_logging("DEBUG", "kv", [], stream=journal)
        log = logging.getLogger("syncd.test")
        try:
            for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
                logs.event(log, "x.y", level, n=level)
        finally:
            logging.getLogger().removeHandler(handler)
    lines = (tmp_path / "journal").read_text(encoding="utf-8").splitlines()
    assert [line[:3] for line in lines] == ["<7>", "<6>", "<4>", "<3>"]
    assert lines[2] == "<4>level=warning logger=syncd.test event=x.y n=30"


def test_outside_systemd_lines_have_no_priority_prefix(capture: io.StringIO) -> None:
    logs.event(logging.getLogger("syncd.test"), "x.y", logging.ERROR)
    assert capture.getvalue().startswith("level=error")
