"""What the demo's HIS does during the day, as data: the commands a cashier or admission clerk
would insert into ``WI_REQUEST``, in stages (pure; no database, no clock).

The visits are those :mod:`syncd.reference.activity` seeds for the day (keys carry ``yyMMdd``);
the persons are the simulator's fixture: 张伟明 (normal), 李秀英 (frozen fund), 王建国 (not
insured).  Each stage is run until the engine has nothing left to do before the next starts,
because a HIS also settles only after the discharge went through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

OPERATOR = {"operator_no": "S004", "operator_name": "邓海燕"}


@dataclass(frozen=True)
class DemoCommand:
    """One ``WI_REQUEST`` row: command, visit (or person) and the ``params_json`` object."""

    command: str
    visit_key: str | None = None
    bka895: str | None = None
    bka896: str | None = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    title_zh: str
    title_en: str
    commands: tuple[DemoCommand, ...]


def day_stages(day: dt.date) -> list[Stage]:
    """The day's stages; the fact views (registrations, admissions, fees, discharges, 病案)
    are picked up by the engine on its own from the first stage on."""
    tag = f"{day:%y%m%d}"
    li_op, liu_op = f"MZ{tag}001", f"MZ{tag}002"
    zhang, liu = f"ZY{tag}001", f"ZY{tag}003"
    return [
        Stage(
            "挂号、入院、费用上传与人员查询",
            "registrations, admissions, fees, look-ups",
            (
                DemoCommand("op_person", bka895="aac002", bka896="44030419920708362X"),
                DemoCommand(
                    "ip_person",
                    bka895="aac001",
                    bka896="1000010001",
                    params={"bka017": f"{day - dt.timedelta(days=6):%Y%m%d}"},
                ),
                DemoCommand(
                    "ip_person",
                    bka895="aac001",
                    bka896="1000010003",
                    params={"bka017": f"{day:%Y%m%d}"},
                ),
                DemoCommand("op_business", li_op),
            ),
        ),
        Stage(
            "门诊收费、退费",
            "outpatient charges and refunds",
            (
                _charge(li_op, f"SF{tag}0001", "0"),
                _charge(li_op, f"SF{tag}0001", "1"),
                DemoCommand("op_refund_info", li_op, params={"bka001": "1"}),
                DemoCommand("op_refund", li_op, params={"bka001": "1", **OPERATOR}),
                _charge(li_op, f"SF{tag}0002", "1"),
                _charge(liu_op, f"SF{tag}0003", "1"),
            ),
        ),
        Stage(
            "出院结算与查询",
            "discharge settlement and queries",
            (
                DemoCommand("op_refund", li_op, params={"bka001": "1", **OPERATOR}),
                DemoCommand("ip_presettle", zhang),
                DemoCommand("ip_settle", zhang, params=dict(OPERATOR)),
                DemoCommand(
                    "cumulative_query", params={"aac001": "1000010001", "aae001": f"{day:%Y}"}
                ),
                DemoCommand(
                    "fund_status_query",
                    params={
                        "aac001": "1000010002",
                        "aae030": f"{day:%Y}0101",
                        "aae031": f"{day:%Y}1231",
                    },
                ),
                DemoCommand("code_table_query", params={"aaa100": "bka006"}),
            ),
        ),
        Stage(
            "取消结算后重新结算、取消入院",
            "cancel and settle again, cancel an admission",
            (
                DemoCommand("ip_cancel_settlement", zhang),
                DemoCommand("ip_settle", zhang, params=dict(OPERATOR)),
                DemoCommand("ip_settlement_slip", zhang),
                DemoCommand("ip_cancel_discharge", liu),
                DemoCommand("ip_cancel_admission", liu),
            ),
        ),
    ]


def _charge(visit: str, charge_no: str, bka893: str) -> DemoCommand:
    return DemoCommand(
        "op_charge", visit, params={"charge_no": charge_no, "bka893": bka893, **OPERATOR}
    )
