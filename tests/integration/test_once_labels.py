"""Labels that say what they count: a pass reports per feed the rows found new (whichever
feed's search found them), claimed and sent; the visit ledger counts the fee rows uploaded
as well as the upload calls.  SQLite, PostgreSQL and MariaDB, the simulator over HTTP."""

from __future__ import annotations

from decimal import Decimal

from engine_support import Env, admit, any_env, fee

from syncd.engine.reports import found_by_feed

__all__ = ["any_env"]


def test_five_new_fee_rows_are_found_claimed_and_sent_and_the_ledger_counts_rows_and_calls(
    any_env: Env,
) -> None:
    env = any_env
    admit(env, "ZY1")
    env.worker().once()
    for i in range(5):
        fee(env, f"F{i}", f"{i + 1}.00")
    report = env.worker().once()
    ticks = {tick.feed: tick for tick in report.feeds}
    assert found_by_feed(report.feeds)["ip_fee"] == 5
    assert (ticks["ip_fee"].claimed, ticks["ip_fee"].sent) == (5, 5)
    assert ticks["ip_fee"].results["SUCCEEDED"] == 5
    assert ticks["ip_admission"].sent == 0
    calls = len({row["request_id"] for row in env.status("ip_fee").values()})
    ledger = env.visit("ZY1")
    assert (ledger["fee_rows"], ledger["fee_count"]) == (5, calls)  # rows, and the calls

    fee(env, "F9", "0.50")
    env.worker().once()
    ledger = env.visit("ZY1")
    assert (ledger["fee_rows"], ledger["fee_count"]) == (6, calls + 1)
    assert Decimal(str(ledger["fee_amount"])) == Decimal("15.50")
