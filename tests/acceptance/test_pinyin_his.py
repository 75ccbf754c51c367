"""The second example HIS (``sql/examples/pinyin``) end to end, as a DBA connects it: its own
pinyin tables on PostgreSQL, then on SQLite (the same SQL files), with no person number (aac001)
anywhere, the shipped mappings with the example's changed files laid over them, the installed
``syncd`` in a subprocess, the platform simulator over real HTTP on 127.0.0.1.

The outpatient flow (registration by the person look-up, a charge) and the inpatient flow
(admission, fee rows with a 因病 row and a negative refund row, discharge, settlement, the
病案 diagnoses) go through; the persons the platform refuses (not insured, fund frozen) are
rejected with its reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID, Simulator, SimulatorConfig

SYNCD = shutil.which("syncd") or str(Path(os.sys.executable).with_name("syncd"))
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "sql" / "examples" / "pinyin"
# The feeds this HIS has no data for (病案首页 and its other parts, 入院信息修改, 因病补传):
# a DBA removes their files from the copied mapping folder (docs/dba-guide.md).
UNSERVED = (
    "inpatient/ip_admission_change.yaml",
    "other/illness_late_upload.yaml",
    "medical_record/mr_patient.yaml",
    "medical_record/mr_operation.yaml",
    "medical_record/mr_birth.yaml",
    "medical_record/mr_tumour.yaml",
    "medical_record/mr_summary.yaml",
)
ID_NUMBERS = ("440106198503124219", "44030419920708362X", "441900197801155533")


def money(value: object) -> Decimal:
    """An amount as read back by plain SQL (SQLite gives a float or text) to the cent."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def statements(path: Path) -> list[str]:
    """The statements of one example file (comment lines dropped, split at ';')."""
    body = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")
    )
    return [s.strip() for s in body.split(";") if s.strip()]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = Simulator(SimulatorConfig(test_mode=True))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(params=["postgresql", "sqlite"])
def site(request: pytest.FixtureRequest, tmp_path: Path, sim: Simulator) -> Iterator[Site]:
    """The example HIS on PostgreSQL (a fresh schema), then on SQLite (the same SQL files)."""
    url = str(request.getfixturevalue(f"{request.param}_url"))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for name in ("his_schema.sql", "views.sql", "demo_data.sql"):
            for statement in statements(EXAMPLE / "postgresql" / name):
                conn.exec_driver_sql(statement)
    folder = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", folder)
    for changed in (EXAMPLE / "mappings").rglob("*.yaml"):
        shutil.copy(changed, folder / changed.relative_to(EXAMPLE / "mappings"))
    for name in UNSERVED:
        (folder / name).unlink()
    (tmp_path / "syncd.yaml").write_text(
        "hospital:\n  akb020: SS0001\n  name: 示例拼音医院\n"
        f"database:\n  url: {json.dumps(url)}\n"
        f"platform:\n  url: {sim.endpoint}\n  userid: {DEFAULT_USERID}\n  read_timeout_s: 5\n"
        "polling:\n  default_interval_s: 0.1\n"
        "delivery:\n  backoff_initial_s: 0.1\n"
        f"folders:\n  mappings: {folder}\n  reports: {tmp_path}\n",
        encoding="utf-8",
    )
    yield Site(tmp_path, engine)
    engine.dispose()


class Site:
    def __init__(self, folder: Path, engine: sa.Engine) -> None:
        self.folder, self.engine = folder, engine
        self.output = ""

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
        env = {
            **base,
            "SYNCD_CONFIG": str(self.folder / "syncd.yaml"),
            "SYNCD_PLATFORM__PASSWORD": DEFAULT_PASSWORD,
        }
        done = subprocess.run(
            [SYNCD, *args], capture_output=True, text=True, env=env, cwd=self.folder, timeout=120
        )
        self.output += done.stdout + done.stderr
        return done

    def settle(self, passes: int = 8) -> None:
        """``syncd once`` until a pass finds nothing new and leaves nothing due."""
        for _ in range(passes):
            done = self.run("once")
            assert done.returncode == 0, done.stdout + done.stderr
            if "WAITING" not in done.stdout and "SUCCEEDED" not in done.stdout:
                return

    def rows(self, sql: str, **params: object) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]

    def statuses(self, feed: str) -> dict[str, tuple[str, str]]:
        found = self.rows(
            "SELECT source_key, status, last_error FROM wi_sync_status WHERE feed = :feed",
            feed=feed,
        )
        return {r["source_key"]: (r["status"], r["last_error"] or "") for r in found}

    def command(self, command: str, visit_key: str, **params: str) -> int:
        values = {"c": command, "v": visit_key, "p": json.dumps(params, ensure_ascii=False)}
        with self.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO wi_request (command, visit_key, params_json) VALUES (:c, :v, :p)"
                ),
                values,
            )
            return int(conn.execute(sa.text("SELECT MAX(id) FROM wi_request")).scalar_one())


def test_the_pinyin_his_runs_outpatient_and_inpatient_without_a_person_number(
    site: Site, sim: Simulator
) -> None:
    inspector = sa.inspect(site.engine)
    his_columns = {
        column["name"].lower()
        for table in inspector.get_table_names()
        if not table.lower().startswith("wi_")
        for column in inspector.get_columns(table)
    }
    assert "sfzh" in his_columns and not {"aac001", "person_no"} & his_columns
    assert site.run("init-db").returncode == 0
    checked = site.run("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    before = site.run("render", "op_registration", "MZ261125001", "--mask")
    assert before.returncode == 1 and "人员信息查询结果尚未保存" in before.stdout + before.stderr

    site.settle()
    after = site.run("render", "op_registration", "MZ261125001", "--mask")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "<aac001>1000010001</aac001>" in after.stdout  # the kept answer; nothing asked
    registrations = site.statuses("op_registration")
    assert registrations["MZ261125001"][0] == "SUCCEEDED"
    assert registrations["MZ261125002"] == (
        "REJECTED",
        "人员信息查询被拒绝：该人员未参加工伤保险（未参保），不能办理工伤联网结算业务",
    )
    assert registrations["MZ261125004"][0] == "REJECTED"
    assert registrations["MZ261125004"][1].startswith("人员信息查询被拒绝：人员工伤保险基金冻结：")
    assert "MZ261125003" not in registrations  # 医保 registration: not in the view
    businesses = {b["fields"].get("bka025"): b for b in sim.businesses()}
    outpatient = businesses["MZ261125001"]
    assert outpatient["aac001"] == "1000010001"
    assert outpatient["fields"]["bka042"] == "GS2026000101"  # from the look-up, not the HIS
    persons = site.rows("SELECT key_kind, state, aac001, bka042 FROM wi_person ORDER BY aac001")
    assert sorted(p["state"] for p in persons) == ["KNOWN", "REFUSED", "REFUSED"]
    assert {"key_kind": "aac002", "state": "KNOWN", "aac001": "1000010001"}.items() <= next(
        p for p in persons if p["state"] == "KNOWN"
    ).items()

    assert site.statuses("ip_admission") == {"ZY261125001": ("SUCCEEDED", "")}
    fees = site.statuses("ip_fee")
    assert set(fees) == {"2001", "2002", "2003", "2004", "2005"}  # 自费 2006 is not sent
    assert {status for status, _ in fees.values()} == {"SUCCEEDED"}
    stay = businesses.get("ZY261125001") or next(
        b for b in sim.businesses() if b["fields"].get("bka025") == "ZY261125001"
    )
    uploaded = {row["aaz213"]: row for row in stay["rows"]}
    assert uploaded["2004"]["bka061"] == "1"  # 因病 Y
    assert Decimal(uploaded["2005"]["bka058"]) == Decimal("-25.00")  # the refund row
    his_total = money(
        site.rows("SELECT SUM(JE) AS total FROM ZY_FYMX WHERE ZYH = 'ZY261125001' AND ZFBZ = '0'")[
            0
        ]["total"]
    )
    assert sum(Decimal(r["bka058"]) for r in stay["rows"]) == his_total == Decimal("3303.60")
    assert site.statuses("ip_discharge")["ZY261125001"][0] == "SUCCEEDED"

    charge = site.command(
        "op_charge",
        "MZ261125001",
        charge_no="SF001",
        bka893="1",
        operator_no="S001",
        operator_name="陈晓红",
    )
    settle = site.command("ip_settle", "ZY261125001", operator_no="S002", operator_name="刘建华")
    site.settle()
    answers = {
        r["id"]: r
        for r in site.rows("SELECT id, status, akc264, return_code_message FROM wi_request")
    }
    assert answers[charge]["status"] == "DONE", answers[charge]
    assert money(answers[charge]["akc264"]) == Decimal("205.00")  # 自费 68.00 is not sent
    assert answers[settle]["status"] == "DONE", answers[settle]
    assert money(answers[settle]["akc264"]) == Decimal("3303.60")
    assert site.statuses("mr_diagnosis")["ZY261125001"][0] == "SUCCEEDED"
    assert not any(number in site.output for number in ID_NUMBERS)  # never in any output
