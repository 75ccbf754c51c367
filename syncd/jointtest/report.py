"""The evidence report the hospital hands to the insurer's staff: HTML and XLSX, in Chinese.

For each case: its number and name, when it ran, the function ids it called, the HIS visit,
the 就医登记号 and 批次号 it created or acted on, the return code and message, pass or fail
and why; then every call with its request (ID numbers and names masked, the session id never
shown), the undo steps, the test persons (masked) and a place to sign.  The tables are those
of the reconciliation report (:mod:`syncd.reconcile.tables`), written by its HTML and XLSX
helpers (CJK widths, identifiers as text cells, a 合计 line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2
from openpyxl import Workbook

from syncd import __version__
from syncd.core.errors import ReportError
from syncd.jointtest.evidence import CaseResult, CaseVerdict
from syncd.jointtest.persons import TestPerson
from syncd.reconcile.report_html import cell_class, cell_text
from syncd.reconcile.report_xlsx import info_sheet, write_table
from syncd.reconcile.reports import Hospital
from syncd.reconcile.tables import (
    CellKind,
    CellValue,
    ReportColumn,
    ReportTable,
    TableLine,
    mask_id,
    mask_name,
    table,
)

XLSX_CELL_LIMIT = 32_000  # Excel holds at most 32,767 characters in a cell
_CUT_NOTE = "\n……（报文过长，以下略；完整报文见 HTML 报告或 WI_MESSAGE）"
_ENV = jinja2.Environment(
    loader=jinja2.ChoiceLoader(
        [
            jinja2.PackageLoader("syncd.jointtest", "templates"),
            jinja2.PackageLoader("syncd.reconcile", "templates"),
        ]
    ),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Evidence:
    """A whole joint-test run, as the report tells it."""

    hospital: Hospital
    environment: str  # 模拟平台 / 经办机构联调测试环境
    platform_url: str
    userid: str
    started: datetime
    finished: datetime
    cases_file: str
    persons: Sequence[TestPerson]
    results: Sequence[CaseResult]
    undo: Sequence[CaseResult]
    kept_business: bool

    @property
    def counts(self) -> Counter[CaseVerdict]:
        return Counter(result.verdict for result in self.results)

    @property
    def passed(self) -> bool:
        """Every case passed or did not apply, and everything the run created was undone."""
        allowed = (CaseVerdict.PASSED, CaseVerdict.SKIPPED)
        return all(r.verdict in allowed for r in (*self.results, *self.undo))

    @property
    def summary_zh(self) -> str:
        c = self.counts
        text = (
            f"用例 {len(self.results)} 项：通过 {c[CaseVerdict.PASSED]}，"
            f"不通过 {c[CaseVerdict.FAILED]}，不适用 {c[CaseVerdict.SKIPPED]}，"
            f"未执行 {c[CaseVerdict.NOT_RUN]}"
        )
        if self.kept_business:
            return text + "；本次产生的业务按要求保留，未撤销"
        undone = sum(1 for r in self.undo if r.verdict is CaseVerdict.PASSED)
        left = len(self.undo) - undone
        return text + f"；撤销 {undone} 步" + (f"，{left} 步未完成" if left else "")

    @property
    def title(self) -> str:
        return "工伤保险联网结算联调测试记录"

    @property
    def version(self) -> str:
        return __version__


# -- the tables -------------------------------------------------------------------------------


def case_columns() -> list[ReportColumn]:
    return [
        ReportColumn("case_id", "编号", CellKind.CODE),
        ReportColumn("title", "用例"),
        ReportColumn("started", "时间", CellKind.CODE),
        ReportColumn("function_ids", "交易号", CellKind.CODE),
        ReportColumn("visit_key", "HIS 就诊号", CellKind.CODE),
        ReportColumn("aaz218", "就医登记号", CellKind.CODE),
        ReportColumn("bka001", "批次号", CellKind.CODE),
        ReportColumn("calls", "调用次数", CellKind.COUNT),
        ReportColumn("return_code", "返回码", CellKind.CODE),
        ReportColumn("message", "返回信息"),
        ReportColumn("verdict", "结果"),
        ReportColumn("reason", "说明"),
    ]


def case_line(result: CaseResult) -> TableLine:
    cells: dict[str, CellValue] = {
        "case_id": result.case_id,
        "title": result.title,
        "started": f"{result.started:%Y-%m-%d %H:%M:%S}",
        "function_ids": result.function_ids,
        "visit_key": result.visit_key,
        "aaz218": result.aaz218,
        "bka001": result.bka001,
        "calls": len(result.calls),
        "return_code": result.return_code,
        "message": result.message,
        "verdict": result.verdict.value,
        "reason": result.reason,
    }
    failed = result.verdict in (CaseVerdict.FAILED, CaseVerdict.NOT_RUN)
    return TableLine(cells, frozenset({"verdict", "reason"} if failed else ()))


def case_table(title: str, results: Sequence[CaseResult]) -> ReportTable:
    return table(title, case_columns(), (case_line(r) for r in results))


def call_table(results: Sequence[CaseResult], limit: int | None = None) -> ReportTable:
    """Every call of every case, its request masked (cut at ``limit`` characters)."""
    columns = [
        ReportColumn("case_id", "用例编号", CellKind.CODE),
        ReportColumn("at", "时间", CellKind.CODE),
        ReportColumn("function_id", "交易号", CellKind.CODE),
        ReportColumn("outcome", "结果", CellKind.CODE),
        ReportColumn("return_code", "返回码", CellKind.CODE),
        ReportColumn("message", "返回信息"),
        ReportColumn("duration_ms", "耗时（毫秒）", CellKind.COUNT, summed=False),
        ReportColumn("request", "请求报文（已遮蔽身份证号、姓名）"),
    ]
    lines = (
        TableLine(
            {
                "case_id": r.case_id,
                "at": f"{c.at:%Y-%m-%d %H:%M:%S}",
                "function_id": c.function_id,
                "outcome": c.outcome,
                "return_code": c.return_code,
                "message": c.message,
                "duration_ms": c.duration_ms,
                "request": _cut(c.request, limit),
            }
        )
        for r in results
        for c in r.calls
    )
    return table("报文", columns, lines)


def person_table(persons: Sequence[TestPerson]) -> ReportTable:
    columns = [
        ReportColumn("n", "序号", CellKind.COUNT, summed=False),
        ReportColumn("aac001", "电脑号", CellKind.CODE),
        ReportColumn("aac002", "社会保障号码", CellKind.CODE),
        ReportColumn("aac003", "姓名"),
    ]
    lines = (
        TableLine(
            {"n": n, "aac001": p.aac001, "aac002": mask_id(p.aac002), "aac003": mask_name(p.aac003)}
        )
        for n, p in enumerate(persons, start=1)
    )
    return table("测试人员（社会保障号码、姓名已遮蔽）", columns, lines)


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - len(_CUT_NOTE)] + _CUT_NOTE


# -- the files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JointTestFiles:
    html: Path
    xlsx: Path


def write_reports(evidence: Evidence, folder: Path) -> JointTestFiles:
    """``jointtest-<time>.html`` and ``.xlsx`` in ``folder`` (ReportError if not written)."""
    stem = f"jointtest-{evidence.started:%Y%m%d-%H%M%S}"
    files = JointTestFiles(folder / f"{stem}.html", folder / f"{stem}.xlsx")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files.html.write_text(render_html(evidence), encoding="utf-8")
        write_xlsx(evidence, files.xlsx)
    except OSError as exc:
        raise ReportError(f"联调报告无法写入 / the report could not be written: {exc}") from exc
    return files


def render_html(evidence: Evidence) -> str:
    return _ENV.get_template("evidence.html.j2").render(
        evidence=evidence,
        cases=case_table("用例", evidence.results),
        undo=case_table("撤销本次产生的业务", evidence.undo),
        persons=person_table(evidence.persons),
        text=cell_text,
        css=cell_class,
        with_calls=[r for r in (*evidence.results, *evidence.undo) if r.calls],
    )


def write_xlsx(evidence: Evidence, path: Path) -> None:
    book = Workbook()
    sheet, top = info_sheet(book, "用例", info_lines(evidence))
    write_table(sheet, case_table("用例", evidence.results), top=top)
    if evidence.undo:
        write_table(book.create_sheet("撤销"), case_table("撤销", evidence.undo))
    write_table(
        book.create_sheet("报文"), call_table([*evidence.results, *evidence.undo], XLSX_CELL_LIMIT)
    )
    write_table(book.create_sheet("测试人员"), person_table(evidence.persons))
    book.properties.title = evidence.title
    book.properties.creator = "syncd"
    book.save(path)


def info_lines(evidence: Evidence) -> list[str]:
    return [
        f"{evidence.hospital.heading}　{evidence.title}",
        f"平台：{evidence.environment}　{evidence.platform_url}　登录账号 {evidence.userid}",
        f"时间：{evidence.started:%Y-%m-%d %H:%M:%S} 至 {evidence.finished:%H:%M:%S}　"
        f"syncd {evidence.version}　用例文件 {Path(evidence.cases_file).name}",
        evidence.summary_zh,
    ]
