"""Typed platform requests and replies (pure: no I/O library, no clock).

:class:`Request` is a call validated against the catalogue before anything is sent.  The reply
classes turn a decoded :class:`~syncd.protocol.decoded.Program` into what the daemon consumes:
money as ``Decimal`` (settlement figures as the platform sent them), dates as
``date``; every reply carries ``return_code`` and ``return_code_message``.  Typed rows keep the
whole decoded row in ``raw`` for write-back; their repr names no values (ID numbers, names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Self

from syncd.core.errors import InvalidRequest, PlatformProtocolError
from syncd.protocol import codec
from syncd.protocol.catalogue import CallKind, Catalogue, FunctionSpec
from syncd.protocol.codec import Value
from syncd.protocol.decoded import Program, Row
from syncd.protocol.reply_rows import (
    TOTALS,
    BusinessInfo,
    CodeInfo,
    CumulativeRow,
    FreezeInfo,
    FundRow,
    FundStatusRow,
    InjuryInfo,
    PersonInfoRow,
    RefundFeeRow,
    SettlementFigures,
    SettlementSlip,
)

# ---------------------------------------------------------------- requests


ReplyDataset = tuple[Mapping[str, Value], ...]


def _is_empty(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True, repr=False)
class Request:
    """One platform call, validated against the catalogue by :meth:`build`."""

    spec: FunctionSpec
    params: Mapping[str, Value]
    datasets: Mapping[str, ReplyDataset] = field(default_factory=dict)
    content: bytes = field(init=False, compare=False)  # params + datasets, encoded once

    def __post_init__(self) -> None:
        # encoding refuses values the wire cannot carry (decimal places, control chars); the
        # result is kept, so a call only adds the envelope (session, function id).  Computed
        # here, not in build(), so a dataclasses.replace() (render --mask) encodes anew.
        object.__setattr__(self, "content", _content(self.params, self.datasets))

    @property
    def function_id(self) -> str:
        assert self.spec.function_id is not None  # build() refuses a spec without an id
        return self.spec.function_id

    @property
    def kind(self) -> CallKind:
        return self.spec.kind

    @classmethod
    def build(
        cls,
        catalogue: Catalogue,
        function_id: str,
        params: Mapping[str, Value],
        datasets: Mapping[str, Sequence[Mapping[str, Value]]] | None = None,
    ) -> Request:
        """Validate and freeze a call; raises :class:`InvalidRequest` or ``ConfigError``."""
        spec = catalogue.get(function_id)
        tables = {name: tuple(rows) for name, rows in (datasets or {}).items()}
        _check_required(spec, params, "", "缺少必填项")
        _check_datasets(spec, tables)
        return cls(spec=spec, params=dict(params), datasets=tables)

    def encode(self, *, session_id: str | None = None, xml_declaration: bool = True) -> bytes:
        envelope = codec.request_envelope(self.function_id, session_id, xml_declaration)
        return envelope + self.content

    def __repr__(self) -> str:
        rows = {name: len(table) for name, table in self.datasets.items()}
        return f"Request({self.function_id}, params={sorted(self.params)}, datasets={rows})"


def _content(params: Mapping[str, Value], tables: Mapping[str, ReplyDataset]) -> bytes:
    return codec.encode_content(codec.request_params(params), tables).encode("utf-8")


def _check_required(spec: FunctionSpec, values: Mapping[str, Value], where: str, zh: str) -> None:
    missing = [code for code in spec.required_inputs() if _is_empty(values.get(code))]
    if missing:
        _refuse(spec, where + ",".join(missing), "required field(s) missing or empty", zh)


def _check_datasets(spec: FunctionSpec, tables: Mapping[str, ReplyDataset]) -> None:
    for name in tables:
        if name not in spec.datasets:
            _refuse(
                spec,
                name,
                f"dataset is not part of this call ({sorted(spec.datasets)})",
                f"数据集{name}不属于该交易",
            )
    for name in sorted(spec.required_datasets):
        if not tables.get(name):
            _refuse(spec, name, "dataset must not be empty", f"数据集{name}不能为空")
    for name, rows in tables.items():
        _check_rows(spec, name, rows)


def _check_rows(spec: FunctionSpec, name: str, rows: ReplyDataset) -> None:
    if spec.max_rows is not None and len(rows) > spec.max_rows:
        _refuse(
            spec,
            name,
            f"{len(rows)} rows, at most {spec.max_rows} per call",
            f"{name}超过{spec.max_rows}条，请分批上传",
        )
    required = [f.code for f in spec.datasets[name] if f.required]
    for index, row in enumerate(rows, start=1):
        missing = [code for code in required if _is_empty(row.get(code))]
        if missing:
            where = f"{name}[{index}]." + ",".join(missing)
            _refuse(spec, where, "required field(s) missing or empty", f"第{index}行缺少必填项")


def _refuse(spec: FunctionSpec, where: str, message: str, zh: str) -> None:
    raise InvalidRequest(where, f"{spec.function_id} {spec.name}: {message}", f"{zh}：{where}")


# ---------------------------------------------------------------- replies

SUCCESS_CODE = "1"
SESSION_EXPIRED_CODE = "-9"


@dataclass(frozen=True, repr=False)
class Reply:
    """What every reply carries: the platform's code and its Chinese message, verbatim."""

    return_code: str
    return_code_message: str

    @classmethod
    def base(cls, program: Program) -> dict[str, str]:
        return {
            "return_code": program.text("return_code"),
            "return_code_message": program.return_code_message,
        }

    @classmethod
    def from_program(cls, program: Program) -> Self:
        return cls(**cls.base(program))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(return_code={self.return_code!r})"


def _dataset(program: Program, name: str) -> tuple[Row, ...]:
    """Rows of ``name``; when the reply has exactly one other dataset, that one.

    Several reply dataset names are not pinned down by the spec (410004, 410005, the slip's
    fund list), so a reply using another name is still read.
    """
    if name in program.datasets:
        return program.rows(name)
    same = [rows for key, rows in program.datasets.items() if key.lower() == name.lower()]
    if same:
        return same[0]
    if len(program.datasets) == 1:
        return next(iter(program.datasets.values()))
    return ()


@dataclass(frozen=True, repr=False)
class LoginReply(Reply):
    session_id: str

    @classmethod
    def from_program(cls, program: Program) -> Self:
        return cls(**cls.base(program), session_id=program.require_text("session_id"))


@dataclass(frozen=True, repr=False)
class PersonInfoReply(Reply):
    """bizh110001 / bizh120001: the person, fund freezes and 工伤认定 records."""

    persons: tuple[PersonInfoRow, ...]
    freezes: tuple[FreezeInfo, ...]
    injuries: tuple[InjuryInfo, ...]

    @classmethod
    def from_program(cls, program: Program) -> Self:
        return cls(
            **cls.base(program),
            persons=tuple(PersonInfoRow.from_fields(r) for r in program.rows("personinfo")),
            freezes=tuple(FreezeInfo.from_fields(r) for r in program.rows("freezeinfo")),
            injuries=tuple(InjuryInfo.from_fields(r) for r in program.rows("injuryorbirthinfo")),
        )


@dataclass(frozen=True, repr=False)
class BusinessInfoReply(Reply):
    """bizh110102 / bizh120102: the registered businesses found."""

    businesses: tuple[BusinessInfo, ...]

    @classmethod
    def from_program(cls, program: Program) -> Self:
        rows = _dataset(program, "bizinfo")
        return cls(**cls.base(program), businesses=tuple(BusinessInfo.from_fields(r) for r in rows))


@dataclass(frozen=True, repr=False)
class RefundInfoReply(Reply):
    """bizh110103: the settled batch's fee rows (and business rows when sent)."""

    fee_rows: tuple[RefundFeeRow, ...]
    businesses: tuple[BusinessInfo, ...]

    @classmethod
    def from_program(cls, program: Program) -> Self:
        return cls(
            **cls.base(program),
            fee_rows=tuple(RefundFeeRow.from_fields(r) for r in program.rows("feeinfo")),
            businesses=tuple(BusinessInfo.from_fields(r) for r in program.rows("bizinfo")),
        )


@dataclass(frozen=True, repr=False)
class CodeTableReply(Reply):
    """bizh120205: code table rows."""

    codes: tuple[CodeInfo, ...]

    @classmethod
    def from_program(cls, program: Program) -> Self:
        rows = _dataset(program, "codeinfo")
        return cls(**cls.base(program), codes=tuple(CodeInfo.from_fields(r) for r in rows))


@dataclass(frozen=True, repr=False)
class CumulativeReply(Reply):
    """bizh410004 累计查询."""

    rows: tuple[CumulativeRow, ...]

    @classmethod
    def from_program(cls, program: Program) -> Self:
        rows = _dataset(program, "cumulativeinfo")
        return cls(**cls.base(program), rows=tuple(CumulativeRow.from_fields(r) for r in rows))


@dataclass(frozen=True, repr=False)
class FundStatusReply(Reply):
    """bizh410005 基金状态查询."""

    rows: tuple[FundStatusRow, ...]

    @classmethod
    def from_program(cls, program: Program) -> Self:
        rows = _dataset(program, "fundinfo")
        return cls(**cls.base(program), rows=tuple(FundStatusRow.from_fields(r) for r in rows))


@dataclass(frozen=True, repr=False)
class SettlementReply(Reply):
    """Settlement figures: outpatient ``payinfo`` (110104/110105) or inpatient flat fields.

    On a successful reply the three totals must be there (else :class:`PlatformProtocolError`:
    the reply cannot be read); their §8.1 identities are not enforced, only reported
    (:meth:`SettlementFigures.identity_errors`).  Of several ``payinfo`` rows the first is
    read, as the public clients read them (``payinfo_rows`` says how many came).  On a
    rejection ``figures`` is None.
    """

    figures: SettlementFigures | None
    aaz218: str
    payinfo_rows: int = 0
    figures_required: ClassVar[bool] = True

    @classmethod
    def from_program(cls, program: Program) -> Self:
        pay = program.rows("payinfo")
        if not _has_figures(program):
            if program.return_code == SUCCESS_CODE and cls.figures_required:
                raise PlatformProtocolError("the reply has no settlement figures (akc264/payinfo)")
            return cls(
                **cls.base(program),
                figures=None,
                aaz218=program.text("aaz218"),
                payinfo_rows=len(pay),
            )
        figures = SettlementFigures.from_fields(pay[0] if pay else program)
        aaz218 = figures.aaz218 or program.text("aaz218")
        return cls(**cls.base(program), figures=figures, aaz218=aaz218, payinfo_rows=len(pay))


@dataclass(frozen=True, repr=False)
class DischargeReply(SettlementReply):
    """bizh120105: figures when the platform sends them (the spec only infers it does)."""

    figures_required: ClassVar[bool] = False


def _has_figures(program: Program) -> bool:
    return bool(program.rows("payinfo")) or any(program.get(code) for code in TOTALS)


@dataclass(frozen=True, repr=False)
class SettlementSlipReply(Reply):
    """结算信息提取: the flat slip and its fund list."""

    slip: SettlementSlip
    funds: tuple[FundRow, ...]

    @classmethod
    def from_program(cls, program: Program) -> Self:
        rows = _dataset(program, "fundList")
        return cls(
            **cls.base(program),
            slip=SettlementSlip.from_fields(program),
            funds=tuple(FundRow.from_fields(r) for r in rows),
        )


@dataclass(frozen=True, repr=False)
class RegistrationReply(Reply):
    """bizh110104 / bizh120103: the new 就医登记号 ``aaz218`` (required on success)."""

    aaz218: str

    @classmethod
    def from_program(cls, program: Program) -> Self:
        ok = program.return_code == SUCCESS_CODE
        aaz218 = program.require_text("aaz218") if ok else program.text("aaz218")
        return cls(**cls.base(program), aaz218=aaz218)


# Logical transaction name -> the reply model the daemon reads; any other: plain Reply.
REPLY_TYPES: Mapping[str, type[Reply]] = {
    "login": LoginReply,
    "outpatient_person_info": PersonInfoReply,
    "inpatient_person_info": PersonInfoReply,
    "outpatient_business_info": BusinessInfoReply,
    "inpatient_business_info": BusinessInfoReply,
    "outpatient_refund_info": RefundInfoReply,
    "outpatient_registration": RegistrationReply,
    "inpatient_admission": RegistrationReply,
    "outpatient_charge": SettlementReply,
    "inpatient_pre_settlement": SettlementReply,
    "inpatient_discharge": DischargeReply,
    "inpatient_settlement": SettlementReply,
    "settlement_slip": SettlementSlipReply,
    "cumulative_query": CumulativeReply,
    "fund_status_query": FundStatusReply,
    "code_table": CodeTableReply,
}


def parse_reply(spec: FunctionSpec, program: Program) -> Reply:
    """The typed reply of ``spec``'s transaction; :class:`PlatformProtocolError` if unreadable."""
    return REPLY_TYPES.get(spec.name, Reply).from_program(program)
