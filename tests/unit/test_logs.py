"""Logging: one line per event, and private data never reaches the output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

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
