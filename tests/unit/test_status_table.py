"""``syncd status``'s table fits the terminal (100 columns when there is none): narrower, one
space between columns, then Chinese headings only, then shorter feed names; the last errors
move below the table when there is no room beside the numbers.  The JSON keeps its keys."""

from __future__ import annotations

from datetime import datetime

import pytest

from syncd.cli.status import status_document, status_table
from syncd.core.text import display_width
from syncd.db.counts import Counts, FeedCounts

NOW = datetime(2026, 11, 25, 10, 0)
ERROR = "就诊状态为未登记，此交易需要在院；入院登记被平台拒绝：该人员无工伤认定"
FEEDS = ("ip_admission", "ip_admission_change", "ip_fee", "op_registration")


def _counts() -> Counts:
    feeds = {
        name: FeedCounts(
            name,
            {"PENDING": 3, "WAITING": 12, "SUCCEEDED": 120000, "REJECTED": 2, "FAILED": 1},
            succeeded_today=4000,
            blocked=12,
            last_error=ERROR,
            last_success=datetime(2026, 11, 24, 18, 2, 3),
        )
        for name in FEEDS
    }
    return Counts(NOW, feeds, FeedCounts("(commands)", {"SUCCEEDED": 5}, last_error="超时"))


@pytest.mark.parametrize("width", [80, 100, 120, 200])
def test_every_line_fits_the_width(width: int) -> None:
    table = status_table(_counts(), set(FEEDS), width)
    assert max(display_width(line) for line in table.splitlines()) <= width
    assert "pending=12 waiting=48 blocked=48" in table


def test_wide_terminals_show_the_last_error_beside_the_numbers() -> None:
    wide = status_table(_counts(), set(FEEDS), 200).splitlines()
    assert wide[0].split()[-1] == "最近错误" and ERROR in wide[2]
    assert "最近错误 / last errors:" not in wide


def test_at_100_columns_the_errors_follow_the_table_whole() -> None:
    lines = status_table(_counts(), set(FEEDS), 100).splitlines()
    assert lines[1].split()[:2] == ["feed", "pending"]  # both heading lines
    below = lines[lines.index("最近错误 / last errors:") + 1 :]
    assert f"ip_admission_change: {ERROR}" in below and "(commands): 超时" in below
    assert "11-24 18:02" in lines[2]  # not today: the day is shown


def test_narrow_terminals_keep_the_chinese_headings_only() -> None:
    lines = status_table(_counts(), set(FEEDS), 80).splitlines()
    assert lines[0].startswith("数据表") and not lines[1].startswith("feed")


def test_json_keeps_its_keys_and_adds_the_new_ones() -> None:
    doc = status_document(_counts(), set(FEEDS) | {"mr_patient"})
    names = [row["feed"] for row in doc["feeds"]]
    assert names == [*sorted([*FEEDS, "mr_patient"]), "(commands)"]
    fee = doc["feeds"][names.index("ip_fee")]
    assert (fee["pending"], fee["waiting"], fee["succeeded"], fee["blocked"]) == (3, 12, 120000, 12)
    assert fee["last_success"] == "2026-11-24 18:02:03" and fee["succeeded_today"] == 4000
    assert doc["feeds"][names.index("mr_patient")]["pending"] == 0
    assert doc["status_line"] == _counts().status_line() and doc["totals"]["blocked"] == 48
