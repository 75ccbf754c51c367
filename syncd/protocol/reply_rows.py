"""Typed rows of platform replies (pure), built from decoded rows by field annotation.

Each row keeps the whole decoded row in ``raw`` (for write-back of every column); the repr
names no values, since rows carry ID numbers and names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from syncd.protocol.codec import Value
from syncd.protocol.decoded import Fields


class _Typed:
    """Build a frozen dataclass from a decoded row by the annotation of each field."""

    _READERS: ClassVar[dict[str, str]] = {
        "str": "text",
        "Decimal | None": "decimal",
        "dt.date | None": "date",
        "int | None": "integer",
        "Decimal": "decimal_or_zero",
    }

    @classmethod
    def from_fields(cls, source: Fields) -> Self:
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):  # type: ignore[arg-type]
            reader = cls._READERS.get(str(item.type))
            if reader == "decimal_or_zero":
                values[item.name] = source.decimal(item.name) or Decimal("0.00")
            elif reader is not None:
                values[item.name] = getattr(source, reader)(item.name)
        values["raw"] = source
        return cls(**values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<values hidden>)"


@dataclass(frozen=True, repr=False)
class PersonInfoRow(_Typed):
    """A ``personinfo`` row (110001 / 120001)."""

    aac001: str  # 电脑号
    aac003: str  # 姓名
    aac004: str  # 性别
    aac002: str  # 社会保障号码
    bka004: str  # 人员类别
    baa027: str  # 参保地统筹区
    aab001: str  # 单位编码
    bka008: str  # 单位名称
    aae140: str  # 险种
    bka888: str  # 基金状态 0正常 1冻结 9未参保
    bka006: str
    bka042: str  # 工伤凭证号
    aaz267: str  # 申请号
    aaa027: str
    bka026: str
    aae030: dt.date | None  # entitlement from
    aae031: dt.date | None  # entitlement until
    raw: Fields


@dataclass(frozen=True, repr=False)
class FreezeInfo(_Typed):
    aac031: str  # 冻结状态
    aad006: str  # 基金款项名称
    aaa157: str  # 基金编号
    bka408: str
    raw: Fields


@dataclass(frozen=True, repr=False)
class InjuryInfo(_Typed):
    bka042: str  # 工伤凭证号
    aae030: dt.date | None
    aae031: dt.date | None
    raw: Fields


@dataclass(frozen=True, repr=False)
class BusinessInfo(_Typed):
    """A ``bizinfo`` row (110102 / 120102 / 110103)."""

    aaz218: str
    akb020: str
    aka130: str
    aac001: str
    bka006: str
    bka025: str  # 住院号 / 医院业务号
    bka891: str  # 0未结算 1已结算
    bka039: str  # 完成标志
    bka017: dt.date | None  # 就诊/住院日期
    bka013: dt.date | None  # 登记日期
    bka032: dt.date | None  # 出院日期
    bka045: dt.date | None  # 结算日期
    raw: Fields


@dataclass(frozen=True, repr=False)
class RefundFeeRow(_Typed):
    """A ``feeinfo`` row of bizh110103, to be sent back in bizh110105 to refund."""

    aaz213: str
    ake005: str
    ake006: str
    bka056: Decimal | None
    bka057: Decimal | None
    bka058: Decimal | None
    raw: Fields

    def as_request_row(self) -> dict[str, Value]:
        """The row exactly as the platform returned it (text values)."""
        return dict(self.raw.values)


@dataclass(frozen=True, repr=False)
class CodeInfo(_Typed):
    aaa027: str
    aaa100: str  # 代码类别
    aaa101: str  # 类别名称
    aaa102: str  # 代码值
    aaa103: str  # 代码名称
    aaa104: str
    raw: Fields


@dataclass(frozen=True, repr=False)
class FundRow(_Typed):
    """One line of the settlement slip's fund list."""

    bka800: str  # 项目名称
    bka801_1: Decimal | None  # 个人现金
    bka801_2: Decimal | None  # 基本医疗保障
    bka801_3: Decimal | None  # 补充保险
    bka801_4: Decimal | None  # 工伤统筹基本药物补助
    bka801_5: Decimal | None  # 重大疾病补助
    bka801_6: Decimal | None  # 其他补助
    bka801_7: Decimal | None  # 合计
    raw: Fields


@dataclass(frozen=True, repr=False)
class CumulativeRow(_Typed):
    aae140: str
    aae001: str  # 年度
    aka036: str  # 累计名称
    ake053: Decimal | None  # 累计值
    ake038: Decimal | None  # 剩余金额
    raw: Fields


@dataclass(frozen=True, repr=False)
class FundStatusRow(_Typed):
    aaa157: str  # 基金编号
    bka573: str  # 基金名称
    aae003: str  # 期别 yyyyMM
    aac031: str  # 冻结状态
    bka888: str
    raw: Fields


_ZERO = Decimal("0.00")
TOTALS = ("akc264", "bka831", "bka832")
# Spec §8.1: each total equals the sum of its parts.
IDENTITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("akc264", ("bka831", "bka832")),
    ("bka831", ("akb067", "akb066", "bka839")),
    ("bka832", ("ake039", "ake035", "ake026", "ake029", "bka841", "bka842", "bka840", "bka821")),
)


@dataclass(frozen=True, repr=False)
class SettlementFigures(_Typed):
    """Settlement figures: outpatient ``payinfo`` row or inpatient flat fields (120003/5/6).

    The three totals must be present; a missing component reads as 0.00.  The §8.1 identities
    are [inferred]: :meth:`identity_errors` says which do not hold, the figures stand as read.
    """

    akb020: str
    aaz218: str
    bka001: int | None  # outpatient batch
    akc264: Decimal  # 医疗总费用
    bka831: Decimal  # 个人自付
    bka832: Decimal  # 工伤保险支付
    bka825: Decimal  # 全自费
    bka826: Decimal  # 部分自费
    aka151: Decimal  # 起付线
    bka838: Decimal  # 超共付段个人自付
    akb067: Decimal  # 个人现金
    akb066: Decimal  # 个人账户
    bka821: Decimal  # 民政救助
    bka839: Decimal  # 其他支付
    ake039: Decimal  # 工伤统筹基金
    ake035: Decimal  # 公务员补助
    ake026: Decimal  # 企业补充工伤
    ake029: Decimal  # 大额补助
    bka841: Decimal  # 单位支付
    bka842: Decimal  # 医院垫付
    bka840: Decimal  # 其他基金
    raw: Fields

    @classmethod
    def from_fields(cls, source: Fields) -> Self:
        for code in TOTALS:
            source.require_decimal(code)
        return super().from_fields(source)

    def identity_errors(self, tolerance: Decimal = _ZERO) -> list[str]:
        """The §8.1 identities that are off by more than ``tolerance``, e.g.
        ``akc264 12.50 != bka831+bka832 12.40``."""
        errors = []
        for total, parts in IDENTITIES:
            expected = sum((getattr(self, part) for part in parts), _ZERO)
            if abs(getattr(self, total) - expected) > tolerance:
                errors.append(f"{total} {getattr(self, total)} != {'+'.join(parts)} {expected}")
        return errors


@dataclass(frozen=True, repr=False)
class SettlementSlip(_Typed):
    """The flat part of the settlement slip (结算信息提取)."""

    akb021: str  # 医疗机构名称
    bkc110: str  # 医院等级
    aaz218: str
    bkc119: str  # 是否政府办基层机构
    bka989: str  # 先行支付
    aac003: str
    bka004: str
    aac004: str
    aac001: str
    bka100: str
    bka006: str
    aka130: str
    bka045: dt.date | None  # 结算时间
    bka020: str  # 科别
    bka025: str  # 住院号
    bka017: dt.date | None
    bka032: dt.date | None
    bka030: str  # 住院天数
    aae011: str  # 制单人
    bka890: str  # 打印日期
    bka979: Decimal | None  # 总费用
    bka811: Decimal | None  # 工伤保险支付
    bka812: Decimal | None  # 个人支付
    bka814: Decimal | None  # 统筹已支付
    bka815: Decimal | None  # 补充保险自付累计
    bka816: Decimal | None  # 补充保险已支付
    raw: Fields
