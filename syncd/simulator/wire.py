"""The simulator's own XML handling: parse a ``<program>`` request, render a reply.

Deliberately independent of :mod:`syncd.protocol.codec` so that a codec bug cannot hide
behind a matching simulator bug.  Parsing goes through ``defusedxml`` (DTD entities and
external references are refused); output escapes every value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from syncd.core.errors import MalformedSimulatorRequest

ParsedRow = dict[str, str]

# Children of <program> that are datasets even when they hold no <row>.
KNOWN_DATASETS = frozenset({"feeinfo", "detail"})


@dataclass
class WireRequest:
    """One parsed request: scalars under ``<program>`` and datasets of rows."""

    scalars: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, list[ParsedRow]] = field(default_factory=dict)

    @property
    def function_id(self) -> str:
        return self.scalars.get("function_id", "")

    def get(self, name: str) -> str:
        return self.scalars.get(name, "")

    def rows(self, name: str) -> list[ParsedRow]:
        return self.datasets.get(name, [])


@dataclass
class WireReply:
    """One reply: return code and message first, then scalars, then datasets."""

    return_code: str = "1"
    message: str = "成功"
    scalars: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, list[ParsedRow]] = field(default_factory=dict)


def parse_request(body: bytes) -> WireRequest:
    """Parse the raw body; entity declarations and malformed XML become a rejection."""
    try:
        root = SafeET.fromstring(body.strip())
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise MalformedSimulatorRequest("请求报文不是合法的XML（禁止DTD实体）") from exc
    if root.tag != "program":
        raise MalformedSimulatorRequest("请求报文的根节点必须是<program>")
    request = WireRequest()
    for child in root:
        rows = [_row(r) for r in child if r.tag == "row"]
        if rows or child.tag in KNOWN_DATASETS:
            request.datasets[child.tag] = rows
        elif child.tag not in request.scalars:
            request.scalars[child.tag] = (child.text or "").strip()
    return request


def _row(element: Element) -> ParsedRow:
    return {c.tag: (c.text or "").strip() for c in element}


def render_reply(reply: WireReply) -> bytes:
    """Serialise a reply as UTF-8 XML with a declaration; every value escaped."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?><program>']
    parts.append(_element("return_code", reply.return_code))
    parts.append(_element("return_code_message", reply.message))
    parts += [_element(k, v) for k, v in reply.scalars.items() if k not in _HEAD]
    for name, rows in reply.datasets.items():
        parts.append(f"<{name}>")
        for row in rows:
            parts.append("<row>" + "".join(_element(k, v) for k, v in row.items()) + "</row>")
        parts.append(f"</{name}>")
    parts.append("</program>")
    return "".join(parts).encode("utf-8")


_HEAD = frozenset({"return_code", "return_code_message"})


def _element(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>"


def malformed_reply() -> bytes:
    """A reply cut off in the middle: not well-formed XML (fault injection)."""
    return b'<?xml version="1.0" encoding="UTF-8"?><program><return_code>1</return_co'
