"""The optional watermark on real databases: after the first poll only rows at or above the
window are searched, and a full scan every ``full_scan_s`` (and until one completes) finds a
row that committed after its window had moved on."""

from __future__ import annotations

from engine_support import START, Env, any_env, fee

from syncd.core.records import NewRow, Watermark
from syncd.db.feed_source import FeedSource
from syncd.db.outbox_store import OutboxStore

__all__ = ["any_env"]


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def polls(env: Env, source: FeedSource, limit: int = 100) -> list[str]:
    """One discovery, its rows recorded as the pipeline does; their keys, sorted."""
    found = source.discover(limit)
    rows = [NewRow(r.key, r.version, "ZY1") for r in found]
    OutboxStore(env.db, env.tables).add("ip_fee", "bizh120002", rows, START)
    return sorted(r.key for r in found)


def watermarked(env: Env, clock: Seconds) -> FeedSource:
    # FEE_ID is text: the window is "FEE_ID >= highest seen" (a look-back needs a number)
    mark = Watermark("FEE_ID", 0, full_scan_s=900)
    return FeedSource(env.db, env.tables, env.feeds["ip_fee"], mark, monotonic=clock)


def test_a_row_committed_after_its_window_is_found_by_the_next_full_scan(any_env: Env) -> None:
    env, clock = any_env, Seconds()
    source = watermarked(env, clock)
    fee(env, "F0100", "1.00")
    fee(env, "F0200", "1.00")
    assert polls(env, source) == ["F0100", "F0200"]  # start-up: a full scan
    fee(env, "F0300", "1.00")
    fee(env, "F0050", "1.00")  # its watermark is below the window: it "committed late"
    clock.now = 899.0
    assert not source.full_scan_due()
    assert polls(env, source) == ["F0300"]  # the window misses it
    clock.now = 900.0
    assert source.full_scan_due()
    assert polls(env, source) == ["F0050"]  # the periodic full scan does not
    assert not source.full_scan_due()


def test_a_full_scan_cut_by_its_limit_goes_on_until_one_completes(any_env: Env) -> None:
    """A limited full scan leaves no gap behind it (in whatever order it finds rows): the
    next poll is a full scan again until one finds fewer rows than its limit."""
    env, clock = any_env, Seconds()
    source = watermarked(env, clock)
    for key in ("F0300", "F0100", "F0200"):
        fee(env, key, "1.00")
    first = polls(env, source, limit=2)
    assert len(first) == 2 and source.full_scan_due()
    fee(env, "F0050", "1.00")  # older than anything the first scan may have seen
    second = polls(env, source, limit=2)
    assert len(second) == 2 and source.full_scan_due()
    assert polls(env, source, limit=2) == []
    assert not source.full_scan_due()
    assert sorted(first + second) == ["F0050", "F0100", "F0200", "F0300"]
