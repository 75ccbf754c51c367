"""``syncd jointtest``: the installed command in a subprocess.

* with no settings it runs the shipped case list against its embedded simulator: every case
  passes, the evidence report (HTML, XLSX) names each case, its calls and requests with no
  ID number or name in clear, and everything the cases created on the platform is undone;
* against a "test environment" (a simulator this test starts, named by a settings file) with
  a persons file and an edited case list, a case whose expectation is not met is reported
  as failed (exit 3), the cases of its visit after it are not run, and the visit is undone;
* a platform not marked ``platform.test_environment: true`` is refused before any call.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from syncd.simulator import DEFAULT_PASSWORD, DEFAULT_USERID, Simulator, SimulatorConfig

SYNCD = shutil.which("syncd") or str(Path(os.sys.executable).with_name("syncd"))
SHIPPED_CASES = Path(__file__).resolve().parents[2] / "syncd" / "jointtest" / "data" / "cases.yaml"
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")
NAMES = ("张伟明", "刘志强")  # the simulator's persons the kit uses


def _syncd(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    return subprocess.run(
        [SYNCD, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=240,
        check=False,
    )


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    """The rows of a report sheet under its header (the first row whose first cell is a
    heading), without the 合计 line."""
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book[name].iter_rows(values_only=True))
    finally:
        book.close()  # a read-only workbook keeps its file open until closed
    top = next(i for i, row in enumerate(rows) if row[0] in ("编号", "用例编号", "序号"))
    header = [str(cell) for cell in rows[top]]
    return [dict(zip(header, row, strict=True)) for row in rows[top + 1 :] if row[0] != "合计"]


def test_every_shipped_case_passes_against_the_simulator_with_its_report(tmp_path: Path) -> None:
    result = _syncd(tmp_path, "jointtest", "--keep", "kept")
    assert result.returncode == 0, result.stdout + result.stderr
    kept = tmp_path / "kept"
    [html] = kept.glob("jointtest-*.html")
    [xlsx] = kept.glob("jointtest-*.xlsx")
    shipped = [case["id"] for case in yaml.safe_load(SHIPPED_CASES.read_text("utf-8"))["cases"]]
    cases = _sheet(xlsx, "用例")
    assert [row["编号"] for row in cases] == ["L00", *shipped]
    assert {row["结果"] for row in cases} == {"通过"}, [r for r in cases if r["结果"] != "通过"]
    by_id = {row["编号"]: row for row in cases}
    assert by_id["M06"]["返回码"] == "-1" and "退费" in str(by_id["M06"]["返回信息"])
    assert by_id["Z04"]["调用次数"] == 2  # 320 fee lines: 300 + 20
    assert str(by_id["M04"]["批次号"]) == "1"
    assert str(by_id["Z01"]["就医登记号"]).startswith("ZY")
    calls = _sheet(xlsx, "报文")
    assert len(calls) == sum(int(row["调用次数"] or 0) for row in cases) + len(_sheet(xlsx, "撤销"))
    assert all(
        "<session_id>********</session_id>" in str(c["请求报文（已遮蔽身份证号、姓名）"])
        for c in calls
    )
    text = html.read_text("utf-8")
    for report_text in (text, *(str(c) for row in calls for c in row.values())):
        assert not ID_NUMBER.search(report_text) and not any(n in report_text for n in NAMES)
    assert "工伤保险联网结算联调测试记录" in text and "经办机构联调人员（签字）" in text
    db = kept / "his.db"
    assert _rows(db, "SELECT DISTINCT state FROM WI_VISIT") == [("CANCELLED",)]
    assert _rows(db, "SELECT COUNT(*) FROM WI_MESSAGE")[0][0] == len(calls)
    assert "通过 37" in result.stdout and str(html) in result.stdout


@pytest.fixture
def test_environment(tmp_path: Path) -> Iterator[Simulator]:
    sim = Simulator(SimulatorConfig(fee_delete_allowed=False), state_path=tmp_path / "sim.db")
    sim.start()
    yield sim
    sim.stop()


def _settings(folder: Path, sim: Simulator | str, *, marked: bool) -> Path:
    (folder / "secret").write_text(DEFAULT_PASSWORD, encoding="utf-8")
    mark = "\n  test_environment: true" if marked else ""
    url = sim if isinstance(sim, str) else sim.endpoint
    path = folder / "syncd.yaml"
    path.write_text(
        f"""\
hospital: {{akb020: "SS0001", name: 测试医院}}
database: {{url: "sqlite:///{folder / "production.db"}"}}
platform:
  url: {url}{mark}
  userid: "{DEFAULT_USERID}"
  password_file: secret
""",
        encoding="utf-8",
    )
    return path


def test_a_failing_case_is_reported_as_failed_and_its_visit_undone(
    tmp_path: Path, test_environment: Simulator
) -> None:
    settings = _settings(tmp_path, test_environment, marked=True)
    (tmp_path / "persons.yaml").write_text(
        'persons:\n  - {aac001: "1000010005", aac002: "440106199505201315", aac003: 刘志强}\n',
        encoding="utf-8",
    )
    (tmp_path / "cases.yaml").write_text(
        """\
cases:
  - {id: A1, title: 门诊挂号, his: outpatient_visit, visit: MZ1, person: 1}
  - {id: A2, title: 挂号后人员查询（故意期望被拒绝）, command: op_person, person: 1,
     params: {bka895: aac001, bka896: "{aac001}"}, expect: {status: rejected}}
  - {id: A3, title: 门诊业务信息查询（期望返回信息含"不存在"）, command: op_business,
     visit: MZ1, expect: {message: 不存在}}
  - {id: A4, title: 取消门诊挂号, command: op_cancel, visit: MZ1,
     params: {operator_no: S001, operator_name: 郑敏}}
  - {id: A5, title: 删除费用明细（本统筹区不允许）, command: code_table_query,
     params: {aaa100: bka006}, when: city.fee_delete_allowed}
""",
        encoding="utf-8",
    )
    result = _syncd(
        tmp_path,
        "--config",
        str(settings),
        "jointtest",
        "--persons",
        "persons.yaml",
        "--cases",
        "cases.yaml",
        "--report-dir",
        "report",
    )
    assert result.returncode == 3, result.stdout + result.stderr
    [xlsx] = (tmp_path / "report").glob("jointtest-*.xlsx")
    verdicts = {row["编号"]: (row["结果"], row["说明"]) for row in _sheet(xlsx, "用例")}
    assert verdicts["L00"][0] == verdicts["A1"][0] == "通过"
    assert verdicts["A2"] == ("不通过", "期望被拒绝，实际成功（成功）")
    assert verdicts["A3"][0] == "不通过" and "不存在" in str(verdicts["A3"][1])
    assert verdicts["A4"] == ("未执行", "同一就诊的用例 A3 未通过")
    assert verdicts["A5"][0] == "不适用"
    [undo] = _sheet(xlsx, "撤销")
    assert undo["编号"] == "U-MZ1-1" and undo["结果"] == "通过"
    ours = [b for b in test_environment.businesses() if b["akb020"] == "SS0001"]
    assert [b["state"] for b in ours] == ["CANCELLED"]
    assert "不通过或未执行 / failed or not run: A2、A3、A4" in result.stdout
    assert not (tmp_path / "production.db").exists()  # the kit never opens the hospital's HIS


def test_a_platform_not_marked_as_test_environment_is_refused(
    tmp_path: Path, test_environment: Simulator
) -> None:
    settings = _settings(tmp_path, test_environment, marked=False)
    result = _syncd(tmp_path, "--config", str(settings), "jointtest", "--report-dir", "report")
    assert result.returncode == 78, result.stdout + result.stderr
    assert "test_environment: true" in result.stderr and "联调测试环境" in result.stderr
    assert test_environment.calls() == [] and not (tmp_path / "report").exists()


def test_a_test_environment_that_does_not_answer_is_reported_and_not_waited_for(
    tmp_path: Path,
) -> None:
    """Nothing listens on the port: the login fails at once, the report (login only) is
    written, and the command ends with the platform-unreachable error, not 36 timeouts."""
    with socket.socket() as bound:  # bound, not listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}/hygeia_esb_sj/api/call.action"
        settings = _settings(tmp_path, url, marked=True)
        result = _syncd(tmp_path, "--config", str(settings), "jointtest", "--report-dir", "r")
    assert result.returncode == 69, result.stdout + result.stderr  # EX_UNAVAILABLE
    assert "平台无法连接" in result.stderr
    [xlsx] = (tmp_path / "r").glob("jointtest-*.xlsx")
    assert [(row["编号"], row["结果"]) for row in _sheet(xlsx, "用例")] == [("L00", "不通过")]
