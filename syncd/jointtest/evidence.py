"""The joint test's evidence: each case's outcome and the platform calls it made, as the
report shows them (requests with ID numbers and names masked).

Pure: :class:`EvidenceCall` and :class:`CaseResult` are values; :func:`masked_request` masks an
archived request the way the console and ``syncd render --mask`` mask one
(:mod:`syncd.protocol.privacy`) and lays it out one scalar or one dataset row per line.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from syncd.core.errors import PlatformProtocolError
from syncd.protocol import archived
from syncd.protocol.codec import decode_program


class CaseVerdict(enum.StrEnum):
    PASSED = "通过"
    FAILED = "不通过"
    SKIPPED = "不适用"
    NOT_RUN = "未执行"


@dataclass(frozen=True)
class EvidenceCall:
    """One platform call as the archive (``WI_MESSAGE``) holds it."""

    at: datetime
    function_id: str
    outcome: str
    return_code: str
    message: str
    request: str  # masked, one element or dataset row per line
    duration_ms: int | None


@dataclass(frozen=True)
class CaseResult:
    """How one case (or one undo step) ended."""

    case_id: str
    title: str
    started: datetime
    seconds: float
    verdict: CaseVerdict
    reason: str = ""
    function_id: str = ""
    visit_key: str = ""
    aaz218: str = ""
    bka001: str = ""
    return_code: str = ""
    message: str = ""
    calls: tuple[EvidenceCall, ...] = ()

    @property
    def function_ids(self) -> str:
        """Every function the case called, in order of first call (none: its own)."""
        ids = dict.fromkeys(call.function_id for call in self.calls) or {self.function_id: None}
        return "、".join(ids)


def reply_message(reply_xml: str | None) -> tuple[str, str]:
    """(return code, message) of an archived reply; blanks when there is none or it cannot
    be read (a cut or malformed reply)."""
    if not reply_xml:
        return "", ""
    try:
        program = decode_program(reply_xml)
    except PlatformProtocolError:
        return "", "（应答无法解析）"
    return program.text("return_code"), program.return_code_message


def masked_request(xml: str) -> str:
    """The request with personal values masked as the console and ``syncd render --mask``
    mask them, one scalar or one dataset row per line."""
    return archived.pretty(xml, rows_inline=True)
