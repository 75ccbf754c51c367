"""The platform's side of a reconciliation: businesses and settlements of one person.

* inpatient: bizh120102 by person (``bka895=aac001``, ``aka130=42``, no ``bka891`` filter so
  settled *and* unsettled businesses come back: a business the HIS settled but the platform
  shows unsettled was cancelled there), then the settlement slip (结算信息提取) of each
  business settled in the period for its figures;
* outpatient: bizh110103 with ``bka001=0`` by person: every batch (``batchinfo``: aaz218,
  bka001, akc264, bka831, bka832, bka045, aae100 1=live/0=refunded);
* who the person is (name aac003, ID number aac002, for the report): bizh110001 by 电脑号.

Look-ups are read-only and safe to repeat; a platform that cannot be reached fails the run
(:class:`~syncd.core.errors.PlatformError`), a refusal (unknown person) means "nothing there".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from syncd.core.errors import PlatformOutcomeUnknown, PlatformProtocolError, PlatformUnavailable
from syncd.core.records import Outcome
from syncd.logs import event
from syncd.protocol.calls import Caller, CallResult
from syncd.protocol.catalogue import Catalogue
from syncd.protocol.codec import Value
from syncd.protocol.decoded import Program
from syncd.protocol.messages import (
    BusinessInfoReply,
    PersonInfoReply,
    Request,
    SettlementSlipReply,
    parse_reply,
)
from syncd.reconcile.classify import InsuredPerson, Settlement
from syncd.reconcile.period import Period

logger = logging.getLogger(__name__)
INPATIENT, OUTPATIENT = "INPATIENT", "OUTPATIENT"
# Slip field → settlement figure (spec §8: 结算信息提取 out).
SLIP_FIGURES = {"bka979": "akc264", "bka811": "bka832", "bka812": "bka831", "bka814": "ake039"}
BATCH_FIGURES = ("akc264", "bka831", "bka832")


@dataclass(frozen=True)
class PersonSettlements:
    """What the platform holds for one person, as far as the period matters."""

    settlements: tuple[Settlement, ...]
    calls: int


class PlatformSide:
    def __init__(self, client: Caller, catalogue: Catalogue, akb020: str) -> None:
        self.client, self.catalogue, self.akb020 = client, catalogue, akb020

    def person_period(
        self, aac001: str, period: Period, wanted: frozenset[str]
    ) -> PersonSettlements:
        """The person's settlements in ``period`` (and those whose aaz218 is in ``wanted``)."""
        inpatient, calls = self._inpatient(aac001, period, wanted)
        outpatient = self._outpatient(aac001, period, wanted)
        return PersonSettlements(tuple(inpatient + outpatient), calls + 1)

    def identity(self, aac001: str) -> InsuredPerson:
        """Name and ID number of a person (empty when the platform does not know them)."""
        params = {"bka895": "aac001", "bka896": aac001, "bka006": "410"}
        program = self._call("outpatient_person_info", params)
        if program is None:
            return InsuredPerson(aac001)
        reply = parse_reply(self.catalogue.by_name("outpatient_person_info"), program)
        assert isinstance(reply, PersonInfoReply)
        found = next((p for p in reply.persons if p.aac001 in ("", aac001)), None)
        return InsuredPerson(aac001, found.aac002, found.aac003) if found else InsuredPerson(aac001)

    # -- inpatient ------------------------------------------------------------------------

    def _inpatient(
        self, aac001: str, period: Period, wanted: frozenset[str]
    ) -> tuple[list[Settlement], int]:
        params = {"bka895": "aac001", "bka896": aac001, "aka130": "42"}
        program = self._call("inpatient_business_info", params)
        if program is None:
            return [], 1
        reply = parse_reply(self.catalogue.by_name("inpatient_business_info"), program)
        assert isinstance(reply, BusinessInfoReply)
        out, calls = [], 1
        for business in reply.businesses:
            person = InsuredPerson(aac001, business.raw.text("aac002"), business.raw.text("aac003"))
            settled = business.bka891 == "1"
            if not (business.aaz218 in wanted or (settled and business.bka045 in period)):
                continue
            if not settled:
                out.append(Settlement(INPATIENT, business.aaz218, cancelled=True, person=person))
                continue
            out.append(self._slip(business.aaz218, person, business.bka045))
            calls += 1
        return out, calls

    def _slip(self, aaz218: str, person: InsuredPerson, settled_on: date | None) -> Settlement:
        program = self._call("settlement_slip", {"aaz218": aaz218})
        figures: dict[str, Decimal] = {}
        if program is not None:
            reply = parse_reply(self.catalogue.by_name("settlement_slip"), program)
            assert isinstance(reply, SettlementSlipReply)
            figures = {
                code: _money(reply.slip.raw.text(field))
                for field, code in SLIP_FIGURES.items()
                if reply.slip.raw.text(field)
            }
        return Settlement(INPATIENT, aaz218, figures=figures, person=person, settled_at=settled_on)

    # -- outpatient -----------------------------------------------------------------------

    def _outpatient(self, aac001: str, period: Period, wanted: frozenset[str]) -> list[Settlement]:
        params = {"bka895": "aac001", "bka896": aac001, "bka006": "410", "bka001": "0"}
        program = self._call("outpatient_refund_info", params)
        if program is None:
            return []
        out = []
        for row in program.rows("batchinfo"):
            aaz218, settled_on = row.text("aaz218"), row.date("bka045")
            if settled_on not in period and aaz218 not in wanted:
                continue
            out.append(
                Settlement(
                    OUTPATIENT,
                    aaz218,
                    bka001=int(row.text("bka001") or 0),
                    cancelled=row.text("aae100") == "0",
                    person=InsuredPerson(aac001),
                    figures={c: _money(row.text(c)) for c in BATCH_FIGURES if row.text(c)},
                    settled_at=settled_on,
                )
            )
        return out

    # -- the call -------------------------------------------------------------------------

    def _call(self, name: str, params: Mapping[str, Value]) -> Program | None:
        spec = self.catalogue.by_name(name)
        assert spec.function_id is not None
        request = Request.build(self.catalogue, spec.function_id, {"akb020": self.akb020, **params})
        result = self.client.call(request)
        return _program(result)


def _program(result: CallResult) -> Program | None:
    """The reply of a successful look-up; None when the platform refused (nothing there)."""
    if result.outcome is Outcome.SUCCEEDED and result.reply is not None:
        return result.reply
    event(
        logger,
        "reconcile.lookup",
        function_id=result.function_id,
        outcome=str(result.outcome),
        call_id=result.call_id,
    )
    if result.outcome is Outcome.REJECTED and not result.login_failed:
        return None
    if result.outcome is Outcome.RETRY or result.login_failed:
        raise PlatformUnavailable(f"平台查询失败（{result.function_id}）：{result.message}")
    raise PlatformOutcomeUnknown(f"平台查询结果不可读（{result.function_id}）：{result.message}")


def _money(text: str) -> Decimal:
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise PlatformProtocolError(f"金额格式错误：{text[:20]}") from None
