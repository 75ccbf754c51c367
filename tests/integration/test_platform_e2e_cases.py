"""The table of the end-to-end catalogue test: one happy call and one rejection per function_id.

The outpatient and inpatient cases are in :mod:`test_platform_e2e_cases_visits`; this module
adds 病案首页 and the other queries and builds ``CASES``, keyed by function_id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import test_platform_e2e_cases_visits as v
from test_platform_e2e_cases_visits import NOT_INSURED_ZH, Call, Case
from test_platform_e2e_support import (
    DISCHARGED_ON,
    FROZEN,
    LATE_UPLOAD,
    NORMAL,
    NORMAL_ID_NUMBER,
    NOT_INSURED,
    RECORD_PATIENT,
    SECOND_ID_NUMBER,
    SLIP,
    Driver,
    fee_row,
    inpatient_rows,
)

from syncd.protocol.codec import Value
from syncd.protocol.messages import CodeTableReply, CumulativeReply, FundStatusReply

# ---------------------------------------------------------------- 病案首页


def _record_stored(d: Driver, aaz218: str, function_id: str, n_detail: int) -> Any:
    def check(reply: Any) -> None:
        record = d.business(aaz218)["records"][function_id]
        assert len(record["detail"]) == n_detail and record["fields"]["aac002"] == NORMAL_ID_NUMBER

    return check


def _record_head(aaz218: str, aac002: str = NORMAL_ID_NUMBER) -> dict[str, Value]:
    return {
        "aaz218": aaz218,
        "aab299": "440300",
        "akb021": "中山大学附属第七医院",
        "aac002": aac002,
        "aac043": "01",
        "aac044": aac002,
    }


def happy_200101(d: Driver) -> Call:
    aaz218 = d.discharged()
    params = _record_head(aaz218) | {
        "yzy001": "1",
        "akc023": "41",
        "ykc701": dt.date(2026, 11, 20),
        "ykc702": DISCHARGED_ON,
    }
    return Call(params, check=_record_stored(d, aaz218, RECORD_PATIENT, 0))


def reject_200101(d: Driver) -> Call:
    return Call(_record_head(d.discharged(), SECOND_ID_NUMBER))


DETAILS: dict[str, dict[str, Value]] = {
    "bizh200102": {"yzy201": "1", "yzy202": "1", "akc185": "桡骨远端骨折", "akc196": "S52.501"},
    "bizh200103": {
        "yzy201": "1",
        "yzy207": "79.3201",
        "yzy208": "桡骨骨折切开复位内固定术",
        "yzy209": dt.date(2026, 11, 21),
    },
    "bizh200104": {"yzy201": "1", "aac004": "2", "yzy230": "3200"},
    "bizh200105": {"yzy201": "1", "yzy265": dt.date(2026, 11, 22), "yzy266": "顺铂 40mg"},
}


def happy_detail(function_id: str) -> Callable[[Driver], Call]:
    def happy(d: Driver) -> Call:
        aaz218 = d.discharged()
        rows = [DETAILS[function_id], DETAILS[function_id] | {"yzy201": "2"}]
        return Call(
            _record_head(aaz218), {"detail": rows}, _record_stored(d, aaz218, function_id, 2)
        )

    return happy


def reject_detail(d: Driver) -> Call:
    return Call(_record_head(d.discharged()))


def reject_detail_row(d: Driver) -> Call:
    return Call(_record_head(d.discharged()), {"detail": [{"yzy207": "79.3201"}]})


def happy_200106(d: Driver) -> Call:
    aaz218 = d.discharged()
    params = _record_head(aaz218) | {
        "yzy301": "右桡骨远端骨折",
        "yzy302": "右桡骨远端骨折术后",
        "yzy305": "好转出院",
        "akc273": "王五",
    }
    return Call(params, check=_record_stored(d, aaz218, "bizh200106", 0))


def reject_200106(d: Driver) -> Call:
    return Call(_record_head(d.discharged()))


# ---------------------------------------------------------------- other


def happy_410004(d: Driver) -> Call:
    def check(reply: CumulativeReply) -> None:
        (row,) = reply.rows
        assert (row.aae140, row.aae001, row.aka036) == ("410", "2026", "工伤医疗费累计")
        assert row.ake053 == Decimal("1200.00")
        assert row.ake038 == Decimal("500000.00") - row.ake053

    return Call(
        {"aac001": NORMAL, "baa027": "440100", "aae001": "2026", "aae140": "410"}, check=check
    )


def reject_410004(d: Driver) -> Call:
    return Call({"aac001": NOT_INSURED, "aae001": "2026"})


def happy_410005(d: Driver) -> Call:
    def check(reply: FundStatusReply) -> None:
        assert [r.aae003 for r in reply.rows] == ["202601", "202602", "202603"]
        assert {(r.aaa157, r.bka888, r.aac031) for r in reply.rows} == {("410101", "1", "1")}

    params: dict[str, Value] = {
        "aac001": FROZEN,
        "bka977": "1",
        "aae030": dt.date(2026, 1, 1),
        "aae031": dt.date(2026, 3, 31),
        "aae140": "410",
    }
    return Call(params, check=check)


def reject_410005(d: Driver) -> Call:
    return Call({"aac001": NOT_INSURED})


def happy_120205(d: Driver) -> Call:
    def check(reply: CodeTableReply) -> None:
        assert {(c.aaa100, c.aaa102, c.aaa103) for c in reply.codes} == {
            ("bka006", "410", "工伤门诊"),
            ("bka006", "420", "工伤住院"),
        }
        assert {c.aaa101 for c in reply.codes} == {"医疗待遇类型"}

    return Call({"aaa100": "bka006"}, check=check)


def reject_120205(d: Driver) -> Call:
    return Call({"aaa100": "XYZ"})


def happy_late(d: Driver) -> Call:
    aaz218 = d.settled(inpatient_rows())
    before = d.business(aaz218)["settlements"]
    rows = [fee_row("66.60", "L1", bka061="1"), fee_row("3.40", "L2", bka061="1")]

    def check(reply: Any) -> None:
        business = d.business(aaz218)
        assert [r["aaz213"] for r in business["late_rows"]] == ["L1", "L2"]
        assert business["settlements"] == before and business["state"] == "SETTLED"

    return Call({"aaz218": aaz218}, {"feeinfo": rows}, check)


def reject_late(d: Driver) -> Call:
    return Call({"aaz218": d.settled()}, {"feeinfo": [fee_row("5.00", "L1", bka061="0")]})


# ---------------------------------------------------------------- the table

_NO_ROWS = "明细数据detail不能为空"
_ADMITTED_ZH = "业务当前状态为在院（已入院登记），"
_DISCHARGED_ZH = "业务当前状态为已出院登记，"
CASES: dict[str, Case] = {
    "bizh110001": Case(v.happy_110001, v.reject_110001, NOT_INSURED_ZH),
    "bizh110102": Case(
        v.happy_110102,
        v.reject_110102,
        "入参类型bka895=bka025无效，应为aac001、aac002、bka100、aaz218之一",
    ),
    "bizh110103": Case(v.happy_110103, v.reject_110103, "未找到第2批次的门诊结算费用"),
    "bizh110104": Case(
        v.happy_110104, v.reject_110104, "工伤凭证号bka042与该人员的工伤认定信息不符"
    ),
    "bizh110105": Case(
        v.happy_110105, v.reject_110105, "就医登记号MZ00000000000000不存在有效的门诊业务"
    ),
    "bizh110106": Case(
        v.happy_110106,
        v.reject_110106,
        "该挂号存在未退费的结算批次（第1批），请先退费再取消挂号",
    ),
    "bizh120001": Case(v.happy_120001, v.reject_120001, NOT_INSURED_ZH),
    "bizh120103": Case(
        v.happy_120103,
        v.reject_120103,
        "业务互斥：该参保人在其他医疗机构有未结束的住院业务，不能办理入院登记",
    ),
    "bizh120102": Case(v.happy_120102, v.reject_120102, "结算状态bka891只能为0或1"),
    "bizh120002": Case(
        v.happy_120002,
        v.reject_120002,
        _DISCHARGED_ZH + "不能上传费用明细（只能在入院登记后、出院登记前上传）",
    ),
    "bizh120003": Case(
        v.happy_120003, v.reject_120003, "就医登记号ZY00000000000000不存在有效的住院业务"
    ),
    "bizh120105": Case(v.happy_120105, v.reject_120105, "出院日期bka032不能早于入院日期bka017"),
    "bizh120106": Case(
        v.happy_120106, v.reject_120106, _ADMITTED_ZH + "不能办理出院结算（须先出院登记）"
    ),
    "bizh120104": Case(
        v.happy_120104,
        v.reject_120104,
        "入院登记信息修改只能修改病区、科室、住院号、床位、医师、住院原因和补助类型，"
        "不能修改：bka017",
    ),
    "bizh120109": Case(
        v.happy_120109,
        v.reject_120109,
        _DISCHARGED_ZH + "不能取消入院登记（已出院登记的须先取消出院登记）",
    ),
    "bizh120108": Case(
        v.happy_120108,
        v.reject_120108,
        "业务当前状态为已出院结算，不能取消出院登记（已结算的须先取消结算）",
    ),
    "bizh120004": Case(v.happy_120004, v.reject_120004, _DISCHARGED_ZH + "不能删除费用明细"),
    "bizh120107": Case(v.happy_120107, v.reject_120107, _ADMITTED_ZH + "不能取消出院结算"),
    SLIP: Case(v.happy_slip, v.reject_slip, _ADMITTED_ZH + "不能提取结算信息"),
    RECORD_PATIENT: Case(
        happy_200101, reject_200101, "社会保障号码aac002与就医登记号对应的参保人不符"
    ),
    "bizh200102": Case(happy_detail("bizh200102"), reject_detail, _NO_ROWS),
    "bizh200103": Case(happy_detail("bizh200103"), reject_detail_row, "第1条明细缺少排序号yzy201"),
    "bizh200104": Case(happy_detail("bizh200104"), reject_detail, _NO_ROWS),
    "bizh200105": Case(happy_detail("bizh200105"), reject_detail, _NO_ROWS),
    "bizh200106": Case(happy_200106, reject_200106, "缺少必填项：yzy301、yzy302"),
    "bizh410004": Case(happy_410004, reject_410004, NOT_INSURED_ZH),
    "bizh410005": Case(happy_410005, reject_410005, NOT_INSURED_ZH),
    "bizh120205": Case(happy_120205, reject_120205, "代码类别XYZ不存在"),
    LATE_UPLOAD: Case(
        happy_late, reject_late, "因病数据补传只接受因病（bka061=1）的费用明细，第1条不是"
    ),
}
