"""``syncd once``, ``syncd status`` and ``syncd retry`` as an operator runs them: the installed
command in a subprocess, a SQLite HIS database, the simulator started by the test."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID, Simulator, SimulatorConfig

SYNCD = shutil.which("syncd") or str(Path(os.sys.executable).with_name("syncd"))
MAPPINGS = Path(__file__).parent.parent / "data" / "engine"
SOURCES = (
    "CREATE TABLE T_ADMISSION (ADM_ID INTEGER PRIMARY KEY, VISIT_NO TEXT, PERSON_NO TEXT,"
    " ADMIT_DATE TEXT, CLERK_NO TEXT, CLERK_NAME TEXT, WARD_CODE TEXT, INPATIENT_NO TEXT)",
    "CREATE TABLE T_FEE (FEE_ID TEXT PRIMARY KEY, VISIT_NO TEXT, ITEM_CODE TEXT, ITEM_NAME TEXT,"
    " PRICE TEXT, QTY TEXT, AMOUNT TEXT, FEE_DATE TEXT, ILLNESS TEXT)",
    "CREATE TABLE T_DISCHARGE (VISIT_NO TEXT PRIMARY KEY, VER INTEGER, DISCHARGE_DATE TEXT,"
    " CLERK_NO TEXT, CLERK_NAME TEXT, DIAGNOSIS TEXT)",
    "CREATE TABLE T_OP_REG (REG_ID INTEGER PRIMARY KEY, VISIT_NO TEXT, PERSON_NO TEXT,"
    " VISIT_DATE TEXT, CLERK_NO TEXT, CLERK_NAME TEXT, CERTIFICATE TEXT, BUSINESS_NO TEXT)",
    "CREATE TABLE T_OP_FEE (FEE_ID INTEGER PRIMARY KEY, CHARGE_NO TEXT, ITEM_CODE TEXT,"
    " ITEM_NAME TEXT, PRICE TEXT, QTY TEXT, AMOUNT TEXT, FEE_DATE TEXT)",
)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(SimulatorConfig(test_mode=True))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def his(tmp_path: Path, sim: Simulator) -> Path:
    """A configured installation: settings file, staging tables, source tables, one stay."""
    (tmp_path / "syncd.yaml").write_text(
        f"hospital:\n  akb020: SS0001\ndatabase:\n  url: sqlite:///his.db\n"
        f"platform:\n  url: {sim.endpoint}\n  userid: {DEFAULT_USERID}\n  read_timeout_s: 5\n"
        f"polling:\n  default_interval_s: 0.1\n"
        f"delivery:\n  max_attempts: 1\n  backoff_initial_s: 0.1\n"
        f"folders:\n  mappings: {MAPPINGS}\nmonitoring:\n  listen: 127.0.0.1:0\n",
        encoding="utf-8",
    )
    assert run("init-db", cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "his.db") as conn:
        for ddl in SOURCES:
            conn.execute(ddl)
        conn.execute(
            "INSERT INTO T_ADMISSION VALUES (1, 'ZY1', '1000010001', '20261120',"
            " '0101', '李四', 'W05', 'NO-ZY1')"
        )
    return tmp_path


def run(*args: str, cwd: Path, platform_down: bool = False) -> subprocess.CompletedProcess[str]:
    """The installed command; ``platform_down``: the platform URL points at a closed port (every
    call is refused before it is sent: RETRY, FAILED after max_attempts)."""
    env = _env(cwd)
    if platform_down:
        env["SYNCD_PLATFORM__URL"] = "http://127.0.0.1:9/"
    return subprocess.run(
        _argv(*args), capture_output=True, text=True, env=env, cwd=cwd, timeout=60, check=False
    )


def _argv(*args: str) -> list[str]:
    return [SYNCD, *args]


def _env(cwd: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    return {
        **base,
        "SYNCD_CONFIG": str(cwd / "syncd.yaml"),
        "SYNCD_PLATFORM__PASSWORD": DEFAULT_PASSWORD,
    }


def add_fees(his: Path, count: int) -> None:
    with sqlite3.connect(his / "his.db") as conn:
        for i in range(count):
            conn.execute(
                "INSERT INTO T_FEE VALUES (?, 'ZY1', 'X0101', '换药', '1.0000', '1.00',"
                " '1.00', '20261121', '0')",
                (f"F{i:03d}",),
            )


def statuses(his: Path, feed: str) -> dict[str, str]:
    with sqlite3.connect(his / "his.db") as conn:
        rows = conn.execute("SELECT source_key, status FROM wi_sync_status WHERE feed = ?", (feed,))
        return dict(rows.fetchall())


def test_once_sends_and_status_reports_per_feed(his: Path, sim: Simulator) -> None:
    """`syncd once` admits the stay and exits 0; `status --json` and the table agree."""
    result = run("once", cwd=his)
    assert result.returncode == 0, result.stderr
    assert "ip_admission: found=1 claimed=1 sent=1 SUCCEEDED=1" in result.stdout
    assert statuses(his, "ip_admission") == {"1": "SUCCEEDED"}
    doc = json.loads(run("status", "--json", cwd=his).stdout)
    admission = next(f for f in doc["feeds"] if f["feed"] == "ip_admission")
    assert (admission["succeeded"], admission["failed"], admission["pending"]) == (1, 0, 0)
    assert admission["last_success"] is not None
    table = run("status", cwd=his)
    assert table.returncode == 0 and "待发送" in table.stdout and "pending" in table.stdout
    assert any(line.startswith("ip_admission") for line in table.stdout.splitlines())
    assert "1000010001" not in result.stderr + table.stdout


def test_failed_row_stays_failed_until_retry_requeues_it(his: Path, sim: Simulator) -> None:
    """Platform unreachable: FAILED after max_attempts (1); a later `once`, with the platform
    back, does not resend it; `retry --failed` re-queues it and the next `once` succeeds."""
    assert run("once", cwd=his, platform_down=True).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "FAILED"}
    assert run("once", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "FAILED"}
    assert not [c for c in sim.calls() if c["function_id"] == "bizh120103"]
    requeued = run("retry", "--failed", "--feed", "ip_admission", cwd=his)
    assert requeued.returncode == 0 and "re-queued 1 row(s)" in requeued.stdout
    assert run("once", "--feed", "ip_admission", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "SUCCEEDED"}


CLI_USER = f"cli:{getpass.getuser()}"


def audit(his: Path) -> list[tuple[object, ...]]:
    """WI_AUDIT in order: who, action, feed, key, rows, statuses before and after."""
    with sqlite3.connect(his / "his.db") as conn:
        return conn.execute(
            "SELECT username, action, feed, source_key, row_count, status_before, status_after"
            " FROM wi_audit ORDER BY id"
        ).fetchall()


def did_nothing(result: subprocess.CompletedProcess[str]) -> bool:
    """An operator action that did nothing: refused with a reason, not a usage error."""
    return result.returncode not in (0, 2) and result.stdout == "" and "/" in result.stderr


def test_retry_one_key_and_usage_errors(his: Path, sim: Simulator) -> None:
    """`retry FEED KEY` re-queues that row only — an UNKNOWN one once the in-flight window
    after its call has passed; a wrong call is a usage error (exit 2)."""
    sim.add_faults("drop:function=bizh120103,times=0")
    run("once", cwd=his)
    sim.clear_faults()
    assert statuses(his, "ip_admission") == {"1": "UNKNOWN"}
    early = run("retry", "ip_admission", "1", cwd=his)  # the platform may still be working
    assert did_nothing(early) and "之后再试" in early.stderr and "try again" in early.stderr
    with sqlite3.connect(his / "his.db") as conn:  # an hour later
        conn.execute("UPDATE wi_sync_status SET updated_at = datetime(updated_at, '-1 hour')")
    missing = run("retry", "ip_admission", "2", cwd=his)
    assert did_nothing(missing) and "has no row 2" in missing.stderr
    assert "re-queued 1 row(s)" in run("retry", "ip_admission", "1", cwd=his).stdout
    assert [row[1:] for row in audit(his)] == [
        ("requeue", "ip_admission", "1", 0, "UNKNOWN", "refused"),
        ("requeue", "ip_admission", "2", 0, None, "refused"),
        ("requeue", "ip_admission", "1", 1, "UNKNOWN", "UNKNOWN"),  # asked again, not re-sent
    ]
    assert run("retry", cwd=his).returncode == 2
    unknown = run("retry", "no_such_feed", "1", cwd=his)
    assert unknown.returncode == 78 and "unknown feed" in unknown.stderr


def test_two_once_processes_at_the_same_time_never_send_a_row_twice(
    his: Path, sim: Simulator
) -> None:
    """Two `syncd once` processes started together over 1 admission and 60 fee rows: one
    admission and every fee row uploaded exactly once."""
    add_fees(his, 60)
    procs = [
        subprocess.Popen(
            _argv("once"),
            cwd=his,
            env=_env(his),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    for _ in range(5):
        if set(statuses(his, "ip_fee").values()) == {"SUCCEEDED"}:
            break
        assert run("once", cwd=his).returncode == 0
    assert set(statuses(his, "ip_fee").values()) == {"SUCCEEDED"}
    assert len([c for c in sim.calls() if c["function_id"] == "bizh120103"]) == 1
    business = next(b for b in sim.businesses() if b["akb020"] == "SS0001")
    assert len(business["rows"]) == 60 == len({r["aaz213"] for r in business["rows"]})


def test_not_processed_sends_an_unknown_row_again_after_a_manual_check(
    his: Path, sim: Simulator
) -> None:
    """The admission was lost and the query fails too: UNKNOWN, never re-sent by itself.  The
    operator checks the platform, finds nothing and says so: the next pass sends it again."""
    sim.add_faults("drop:function=bizh120103,times=1", "drop:function=bizh120102,times=0")
    assert run("once", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "UNKNOWN"}
    assert run("retry", "--failed", "--not-processed", cwd=his).returncode == 2
    result = run("retry", "ip_admission", "1", "--not-processed", cwd=his)
    assert result.returncode == 0 and "re-queued 1 row(s)" in result.stdout
    sim.clear_faults()
    assert run("once", "--feed", "ip_admission", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "SUCCEEDED"}
    assert len([c for c in sim.calls() if c["function_id"] == "bizh120103"]) == 2
    again = run("retry", "ip_admission", "1", "--not-processed", cwd=his)
    assert did_nothing(again) and "not UNKNOWN" in again.stderr  # only an UNKNOWN row
    succeeded = run("retry", "ip_admission", "1", cwd=his)
    assert did_nothing(succeeded) and "已成功" in succeeded.stderr


def test_processed_concludes_an_unknown_row_after_a_manual_check(his: Path, sim: Simulator) -> None:
    """The admission was processed, its reply lost and the query fails: UNKNOWN.  The operator
    finds it on the platform and says so with its 就医登记号: concluded, never sent again."""
    sim.add_faults("reply_lost:function=bizh120103,times=1", "drop:function=bizh120102,times=0")
    assert run("once", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "UNKNOWN"}
    assert run("retry", "ip_admission", "1", "--aaz218", "X", cwd=his).returncode == 2
    missing = run("retry", "ip_admission", "1", "--processed", cwd=his)
    assert missing.returncode == 4 and "--aaz218" in missing.stderr
    aaz218 = next(b["aaz218"] for b in sim.businesses() if b["akb020"] == "SS0001")
    done = run("retry", "ip_admission", "1", "--processed", "--aaz218", aaz218, cwd=his)
    assert done.returncode == 0 and "concluded 1 row(s)" in done.stdout, done.stderr
    assert statuses(his, "ip_admission") == {"1": "SUCCEEDED"}
    sim.clear_faults()
    assert run("once", cwd=his).returncode == 0
    assert len([c for c in sim.calls() if c["function_id"] == "bizh120103"]) == 1


def test_rejected_row_is_requeued_once_the_his_fixed_it(his: Path, sim: Simulator) -> None:
    """The platform does not know the person: REJECTED.  The HIS corrects the person;
    `retry --rejected --feed F --since DAY` queues the row again and the next pass admits the
    stay; a second `retry --rejected` finds nothing and says so; --reason goes with
    --rejected only (a usage error)."""
    with sqlite3.connect(his / "his.db") as conn:
        conn.execute("UPDATE T_ADMISSION SET PERSON_NO = '9999999999'")
    assert run("once", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "REJECTED"}
    with sqlite3.connect(his / "his.db") as conn:
        conn.execute("UPDATE T_ADMISSION SET PERSON_NO = '1000010001'")
    args = ("retry", "--rejected", "--feed", "ip_admission", "--since", "2000-01-01")
    requeued = run(*args, cwd=his)
    assert requeued.returncode == 0 and "re-queued 1 row(s)" in requeued.stdout, requeued.stderr
    assert run("once", "--feed", "ip_admission", cwd=his).returncode == 0
    assert statuses(his, "ip_admission") == {"1": "SUCCEEDED"}
    again = run("retry", "--rejected", cwd=his)
    assert did_nothing(again) and "no REJECTED row matches" in again.stderr
    assert audit(his) == [  # each retry, done or refused, in WI_AUDIT as who ran it
        (CLI_USER, "requeue_rejected", "ip_admission", None, 1, "REJECTED×1", "PENDING×1"),
        (CLI_USER, "requeue_rejected", None, None, 0, None, "refused"),
    ]
    assert run("retry", "ip_admission", "1", "--reason", "x", cwd=his).returncode == 2
