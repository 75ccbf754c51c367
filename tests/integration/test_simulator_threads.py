"""The simulator serves concurrent calls correctly: many threads at once over real HTTP, each
with a connection and a session of its own, and its state stays consistent — every fee row
exactly once, a total that matches the rows, a duplicate batch raced by every thread accepted
exactly once, a call log with every call."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

from test_simulator_support import NORMAL, SECOND, Client, fee, sim

from syncd.simulator import Simulator

__all__ = ["sim"]  # fixture
THREADS = 24
BATCHES = 5  # per thread, of ROWS rows each
ROWS = 10
WAIT_S = 30.0


def test_many_threads_at_once_leave_the_ledger_consistent(sim: Simulator) -> None:
    with Client(sim) as setup:
        stays = [setup.admit(NORMAL, bka025="ZY0001"), setup.admit(SECOND, bka025="ZY0002")]
    start = threading.Barrier(THREADS)
    codes: Counter[str] = Counter()
    duplicate: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def thread(n: int) -> None:
        try:
            with Client(sim) as c:
                start.wait(WAIT_S)
                race = c.call("bizh120002", aaz218=stays[0], feeinfo=[fee("DUP-1"), fee("DUP-2")])
                with lock:
                    duplicate[race.code] += 1
                for b in range(BATCHES):
                    rows = [fee(f"T{n:02d}-{b}-{r}", "1.50", quantity="1.00") for r in range(ROWS)]
                    reply = c.call("bizh120002", aaz218=stays[n % 2], feeinfo=rows)
                    total = c.call("bizh120003", aaz218=stays[n % 2], bka438="1")
                    with lock:
                        codes[reply.code] += 1
                        codes[total.code] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S * 2)
    assert errors == []
    assert duplicate == {"1": 1, "-1": THREADS - 1}  # the same two rows: accepted once
    assert codes == {"1": 2 * THREADS * BATCHES}
    for index, aaz218 in enumerate(stays):
        rows = setup.business(aaz218)["rows"]
        serials = [r["aaz213"] for r in rows]
        expected = {
            f"T{n:02d}-{b}-{r}"
            for n in range(index, THREADS, 2)
            for b in range(BATCHES)
            for r in range(ROWS)
        } | ({"DUP-1", "DUP-2"} if index == 0 else set())
        assert len(serials) == len(set(serials)) and set(serials) == expected
        with Client(sim) as c:
            total = Decimal(c.ok("bizh120003", aaz218=aaz218, bka438="1").scalars["akc264"])
        assert total == sum(Decimal(r["bka058"]) for r in rows)
    logged = Counter(c["function_id"] for c in sim.calls())
    assert logged["bizh120002"] == THREADS * (BATCHES + 1)
    assert logged["bizh120003"] == THREADS * BATCHES + 2
    assert logged["sys0001"] == THREADS + 3
