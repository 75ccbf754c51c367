"""The joint test's evidence: each case's outcome and the platform calls it made, as the
report shows them (requests with ID numbers and names masked).

Pure: :class:`Call` and :class:`CaseResult` are values; :func:`masked_request` masks an
archived request the way ``syncd render --mask`` masks one (:func:`syncd.service.render.masked`)
and lays it out one scalar or one dataset row per line.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError, tostring
from xml.sax.saxutils import escape, unescape

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from syncd.core.errors import PlatformProtocolError
from syncd.protocol.codec import decode_program
from syncd.service.render import masked

_ELEMENT = re.compile(r"<([A-Za-z_][\w.\-]*)>([^<]*)</\1>")
_BKA895 = re.compile(r"<bka895>([^<]*)</bka895>")


class Verdict(enum.StrEnum):
    PASSED = "通过"
    FAILED = "不通过"
    SKIPPED = "不适用"
    NOT_RUN = "未执行"


@dataclass(frozen=True)
class Call:
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
    verdict: Verdict
    reason: str = ""
    function_id: str = ""
    visit_key: str = ""
    aaz218: str = ""
    bka001: str = ""
    return_code: str = ""
    message: str = ""
    calls: tuple[Call, ...] = ()

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
    """The request with ID numbers and names masked, one scalar or row per line."""
    found = _BKA895.search(xml)
    lookup = unescape(found.group(1)) if found else ""

    def one(match: re.Match[str]) -> str:
        tag, text = match.group(1), unescape(match.group(2))
        value = masked({"bka895": lookup, tag: text})[tag]
        return f"<{tag}>{escape(value)}</{tag}>"

    return laid_out(_ELEMENT.sub(one, xml))


def laid_out(xml: str) -> str:
    """One line per scalar and per dataset row (the text as is when it does not parse)."""
    try:
        root: Element = safe_et.fromstring(xml.encode("utf-8"), forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError):
        return xml
    lines = [f"<{root.tag}>"]
    for child in root:
        if len(child):
            lines.append(f"  <{child.tag}>")
            lines += [f"    {_one_line(row)}" for row in child]
            lines.append(f"  </{child.tag}>")
        else:
            lines.append(f"  {_one_line(child)}")
    lines.append(f"</{root.tag}>")
    return "\n".join(lines)


def _one_line(element: Element) -> str:
    element.tail = None
    return tostring(element, encoding="unicode", short_empty_elements=False)
