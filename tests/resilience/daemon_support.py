"""A hospital as an operator runs it: the seeded reference HIS, ``syncd simulator`` and
``syncd run`` as real processes (killed, stopped and restarted by the tests).

:class:`SimProcess` keeps its state in a SQLite file, so a stopped simulator comes back with
the same businesses (the platform "down for minutes").  :class:`Site` writes the settings
file, seeds the day, creates the staging tables and starts daemons; the HIS side is plain SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from syncd.config.mappings import load_mappings
from syncd.core.clock import local_clock
from syncd.db.ddl import init_db
from syncd.db.schema import staging_tables
from syncd.protocol import catalogue
from syncd.reference import seed
from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID

SYNCD = shutil.which("syncd") or str(Path(sys.executable).with_name("syncd"))
REPO = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 11, 25)
TAG = f"{DAY:%y%m%d}"
ZHANG, LI, LIU, CHEN = f"ZY{TAG}001", f"ZY{TAG}002", f"ZY{TAG}003", f"ZY{TAG}004"
LI_OP, LIU_OP = f"MZ{TAG}001", f"MZ{TAG}002"
OPERATOR = {"operator_no": "S004", "operator_name": "邓海燕"}
FINAL = {"SUCCEEDED", "REJECTED", "FAILED"}
# (feed, view) of every enabled fact-view mapping the daemons poll
_VIEWS = [
    (name, str(spec.source.view))
    for name, spec in load_mappings(REPO / "mappings", catalogue.load()).items()
    if spec.source.view and spec.enabled
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0, every: float = 0.1) -> Any:
    """Poll ``check`` until it returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def _env(config: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCD_", "NOTIFY_"))}
    return {**base, "SYNCD_CONFIG": str(config), "SYNCD_PLATFORM__PASSWORD": DEFAULT_PASSWORD}


@dataclass
class SimProcess:
    """``syncd simulator`` on a fixed port with a state file (restartable)."""

    folder: Path
    port: int = field(default_factory=free_port)
    faults: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    persons: Path | None = None  # a persons fixture instead of the shipped one

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.url}/hygeia_esb_sj/api/call.action"

    def start(self) -> None:
        argv = [
            SYNCD,
            "simulator",
            "--port",
            str(self.port),
            "--test-mode",
            "--state",
            str(self.folder / "sim-state.db"),
        ]
        for fault in self.faults:
            argv += ["--fault", fault]
        if self.persons is not None:
            argv += ["--persons", str(self.persons)]
        with (self.folder / "sim.log").open("ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=log, env=_env(self.folder / "x"))
        wait_for("the simulator to listen", self._up, timeout=30)

    def _up(self) -> bool:
        try:
            return httpx.get(f"{self.url}/_sim/faults", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc = None

    def get(self, path: str) -> Any:
        reply = httpx.get(f"{self.url}{path}", timeout=10)
        reply.raise_for_status()
        return reply.json()

    def fault(self, **spec: Any) -> None:
        httpx.post(f"{self.url}/_sim/faults", json=spec, timeout=10).raise_for_status()

    def calls(self, function_id: str | None = None) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self.get("/_sim/calls")
        return [c for c in calls if function_id is None or c["function_id"] == function_id]

    def businesses(self) -> list[dict[str, Any]]:
        return list(self.get("/_sim/businesses"))


@dataclass
class DaemonProcess:
    """One ``syncd run`` process; its stderr goes to a log file the test can read."""

    proc: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Signal handlers are installed and every job has started (``daemon.ready``)."""
        wait_for("daemon.ready", lambda: "event=daemon.ready" in self.text(), timeout=timeout)

    def terminate(self, timeout: float = 90.0) -> int:
        self.wait_ready()
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Site:
    """One installation: folder, settings file, seeded HIS database, simulator."""

    folder: Path
    db_url: str
    sim: SimProcess
    db: sa.Engine
    daemons: list[DaemonProcess] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.folder / "syncd.yaml"

    def write_config(self, **sections: dict[str, Any]) -> None:
        doc: dict[str, Any] = {
            "hospital": {"akb020": "SS0001"},
            "database": {"url": self.db_url},
            "platform": {
                "url": self.sim.endpoint,
                "userid": DEFAULT_USERID,
                "connect_timeout_s": 2,
                "read_timeout_s": 10,
                "fee_rows_per_call": 20,
            },
            "polling": {"default_interval_s": 0.3, "command_interval_s": 0.1},
            "delivery": {
                "backoff_initial_s": 0.3,
                "backoff_max_s": 2,
                "max_attempts": 30,
                "lease_s": 15,
            },
            "folders": {"mappings": str(REPO / "mappings"), "reports": str(self.folder)},
            "monitoring": {"listen": "127.0.0.1:0"},
        }
        for name, values in sections.items():
            doc[name] = {**doc.get(name, {}), **values}
        self.config.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    def start(self, name: str = "a", env: dict[str, str] | None = None) -> DaemonProcess:
        log = self.folder / f"daemon-{name}.log"
        environ = {**_env(self.config), **(env or {})}
        with log.open("ab") as handle:
            proc = subprocess.Popen(
                [SYNCD, "run"], stdout=handle, stderr=handle, cwd=self.folder, env=environ
            )
        daemon = DaemonProcess(proc, log)
        self.daemons.append(daemon)
        return daemon

    # --- the HIS side -------------------------------------------------------------------

    def sql(self, statement: str, **params: Any) -> list[dict[str, Any]]:
        with self.db.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [dict(r) for r in result.mappings()] if result.returns_rows else []

    def request(self, command: str, visit_key: str | None = None, **params: str) -> None:
        self.sql(
            "INSERT INTO WI_REQUEST (command, visit_key, params_json, requested_by)"
            " VALUES (:c, :v, :p, 'test')",
            c=command,
            v=visit_key,
            p=json.dumps(params, ensure_ascii=False),
        )

    def counts(self) -> Counter[str]:
        rows = self.sql("SELECT status, COUNT(*) AS n FROM WI_SYNC_STATUS GROUP BY status")
        return Counter({r["status"]: int(r["n"]) for r in rows})

    def request_counts(self) -> Counter[str]:
        rows = self.sql("SELECT status, COUNT(*) AS n FROM WI_REQUEST GROUP BY status")
        return Counter({r["status"]: int(r["n"]) for r in rows})

    def visit_state(self, visit_key: str) -> str | None:
        rows = self.sql("SELECT state FROM WI_VISIT WHERE visit_key = :k", k=visit_key)
        return str(rows[0]["state"]) if rows else None

    def all_recorded(self) -> bool:
        """Every row of every enabled fact view has its WI_SYNC_STATUS row."""
        for feed, view in _VIEWS:
            (row,) = self.sql(
                f"SELECT (SELECT COUNT(*) FROM {view}) AS rows, (SELECT COUNT(*)"
                " FROM WI_SYNC_STATUS WHERE feed = :f) AS recorded",
                f=feed,
            )
            if int(row["recorded"]) < int(row["rows"]):
                return False
        return True

    def open_rows(self) -> int:
        """Rows not final yet, WAITING ones included: everything but the rows of a visit
        whose admission the platform refused (陈丽华, 业务互斥), which wait for good."""
        refused = (
            "SELECT visit_key FROM WI_SYNC_STATUS"
            " WHERE feed = 'ip_admission' AND status = 'REJECTED'"
        )
        rows = self.sql(
            "SELECT COUNT(*) AS n FROM WI_SYNC_STATUS"
            " WHERE status NOT IN ('SUCCEEDED', 'REJECTED', 'FAILED')"
            f" AND (visit_key IS NULL OR visit_key NOT IN ({refused}))"
        )
        return int(rows[0]["n"])

    def in_flight(self) -> int:
        """Rows and commands whose intent is committed but whose answer is not."""
        return self.counts()["IN_FLIGHT"] + self.request_counts()["IN_FLIGHT"]

    def leased(self) -> int:
        """Rows and commands still under a lease that has not ended."""
        now = local_clock("Asia/Shanghai")()
        counted = [
            self.sql(
                f"SELECT COUNT(*) AS n FROM {table} WHERE lease_until > :now"
                " AND lease_owner IS NOT NULL",
                now=now,
            )[0]["n"]
            for table in ("WI_SYNC_STATUS", "WI_REQUEST")
        ]
        return sum(int(n) for n in counted)

    def live_leases(self) -> list[dict[str, Any]]:
        return self.sql(
            "SELECT id, status, lease_owner FROM WI_SYNC_STATUS"
            " WHERE status = 'IN_FLIGHT' AND lease_owner IS NOT NULL"
        )


def platform_problems(site: Site) -> list[str]:
    """What the platform holds twice or misses compared with the HIS ledger — must be empty.

    One business per visit (our 住院号/门诊号), at most one live settlement per business, every
    fee row (its HIS fee id ``bka071``) once, and as many fee rows on the platform as rows
    syncd marked SUCCEEDED.
    """
    problems: list[str] = []
    ours = [b for b in site.sim.businesses() if b["akb020"] == "SS0001"]
    visits = Counter(f"{b['kind']}:{b['fields'].get('bka025')}" for b in ours)
    problems += [f"business {k} opened {n} times" for k, n in visits.items() if n > 1]
    fee_ids: Counter[str] = Counter()
    for business in ours:
        settled = [
            s for s in business["settlements"] if not (s.get("cancelled") or s.get("reversed_at"))
        ]
        if len(settled) > 1:
            problems.append(f"{business['aaz218']} settled {len(settled)} times")
        if business["kind"] == "inpatient":
            fee_ids.update(str(r["bka071"]) for r in business["rows"] + business["refund_rows"])
    problems += [f"fee row {k} uploaded {n} times" for k, n in fee_ids.items() if n > 1]
    (row,) = site.sql(
        "SELECT COUNT(*) AS n FROM WI_SYNC_STATUS WHERE feed = 'ip_fee' AND status = 'SUCCEEDED'"
    )
    if int(row["n"]) != len(fee_ids):
        problems.append(f"{row['n']} fee rows SUCCEEDED, {len(fee_ids)} on the platform")
    return problems


def settle_everything(site: Site) -> int:
    """Once the visits are ready, insert the settlements a cashier would (and a few look-ups);
    the number of commands inserted."""
    for visit in (ZHANG, LI, LIU):
        wait_for(
            f"{visit} discharged", lambda v=visit: site.visit_state(v) == "DISCHARGED", timeout=120
        )
        site.request("ip_settle", visit, **OPERATOR)
    for visit, charge in ((LI_OP, "0001"), (LIU_OP, "0003")):
        wait_for(
            f"{visit} registered", lambda v=visit: site.visit_state(v) == "REGISTERED", timeout=120
        )
        site.request("op_charge", visit, charge_no=f"SF{TAG}{charge}", bka893="1", **OPERATOR)
    for visit in (ZHANG, LI, LIU):
        site.request("ip_business", visit, bka891="0")
    return 8


def all_done(site: Site, commands: int) -> bool:
    """Every view row recorded and final (WAITING ones included), ``commands`` answered.  Until
    the daemon's first search has recorded the rows "nothing open" would hold vacuously."""
    answered = site.request_counts()
    return (
        site.all_recorded()
        and site.open_rows() == 0
        and sum(answered[s] for s in ("DONE", "REJECTED")) == commands
    )


@contextmanager
def site(
    folder: Path, db_url: str, *, faults: tuple[str, ...] = (), scale: int = 1
) -> Iterator[Site]:
    """Seed the day, create the staging tables, start the simulator; stop everything after."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    seed(engine, day=DAY, scale=scale)
    init_db(engine, staging_tables())
    sim = SimProcess(folder, faults=faults)
    sim.start()
    here = Site(folder, db_url, sim, engine)
    here.write_config()
    try:
        yield here
    finally:
        for daemon in here.daemons:
            daemon.kill()
        sim.stop()
        engine.dispose()


# --- the daemon's memory (Linux /proc) ----------------------------------------------------


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise LookupError(f"{key} not in /proc/{pid}/status")


def reset_peak(pid: int) -> None:
    """Start ``VmHWM`` afresh from the current resident size (Linux ≥ 4.0: clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5", encoding="ascii")


def steady_rss(pid: int, timeout: float = 60.0) -> int:
    """The resident size once five samples 0.2 s apart agree within 512 KiB (the daemon is
    polling an empty HIS: nothing grows any more)."""
    samples: list[int] = []

    def steady() -> int:
        samples.append(rss_kib(pid))
        recent = samples[-5:]
        return max(recent) if len(recent) == 5 and max(recent) - min(recent) < 512 else 0

    return int(wait_for("the daemon's memory to settle", steady, timeout=timeout, every=0.2))


def hide_the_day(here: Site) -> None:
    """Take every visit of the seeded day out of the views (they show work injuries only)."""
    here.sql("UPDATE HIS_OP_VISIT SET IS_WORK_INJURY = '0'")
    here.sql("UPDATE HIS_IP_STAY SET IS_WORK_INJURY = '0'")


def admission_under_a_big_reply(
    here: Site, daemon: DaemonProcess, size: int, stay: str = LIU
) -> tuple[int, int]:
    """(idle KiB, peak KiB) of ``daemon`` while it admits ``stay`` and the platform answers the
    admission with a ``size``-byte reply: idle = its steady resident size polling an empty HIS;
    peak = its highest resident size from then until the admission row has SUCCEEDED (resolved
    by the business query)."""
    daemon.wait_ready()
    idle = steady_rss(daemon.proc.pid)
    reset_peak(daemon.proc.pid)
    here.sim.fault(kind="oversize", function_id="bizh120103", size=size, times=1)
    here.sql("UPDATE HIS_IP_STAY SET IS_WORK_INJURY = '1' WHERE STAY_NO = :s", s=stay)

    def admitted() -> bool:
        rows = here.sql(
            "SELECT status FROM WI_SYNC_STATUS WHERE feed = 'ip_admission' AND source_key = :s",
            s=stay,
        )
        return bool(rows) and rows[0]["status"] == "SUCCEEDED"

    wait_for(f"{stay} admitted", admitted, timeout=120)
    return idle, rss_kib(daemon.proc.pid, "VmHWM")
