"""What is read from an archived exchange (pure): its search fields and its documents
pretty-printed.

* :func:`search_fields` — the person (``aac001``) and the platform's visit number (``aaz218``)
  of a request and its reply, as the message archive stores them for the search
  (:data:`FIELDS_VERSION` names this extraction).  Only a document's head (the scalars before
  its first dataset row) is read, and the rows of a reply up to :data:`SMALL_REPLY_BYTES` (a
  person look-up's ``personinfo``): archiving a 300-row fee upload costs a fraction of a
  millisecond;
* :func:`pretty` — a ``<program>`` document indented one element a line, personal values
  masked (:mod:`syncd.protocol.privacy`) unless revealed, the session id never shown.

Both parse with the codec's hardened parser (no DTD, no entities) and only documents up to
:data:`MAX_PARSE_BYTES`; anything else is shown as text (ID-number shapes masked).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as safe_et

from syncd.core.errors import PlatformProtocolError
from syncd.protocol.codec import ROOT, SESSION_MASK, as_utf8, decode_program
from syncd.protocol.codec import pretty as codec_pretty
from syncd.protocol.decoded import Fields, Program
from syncd.protocol.privacy import (
    LOOKUP_KIND,
    LOOKUP_VALUE,
    mask_id_numbers,
    shown,
)

FIELDS_VERSION = 1
MAX_PARSE_BYTES = 4 * 1024 * 1024
SMALL_REPLY_BYTES = 64 * 1024
HIDDEN = SESSION_MASK  # older archives hold the live session id: never shown either
_FIELD_LENGTH = 32  # the archive's aac001 / aaz218 columns
_SESSION = re.compile(r"(<session_id>)[^<]*(</session_id>)")


@dataclass(frozen=True)
class SearchFields:
    aac001: str | None = None
    aaz218: str | None = None


def read(body: bytes | str | None) -> Program | None:
    """The document as a :class:`Program`; None when there is none, it is too large or it is
    not a readable ``<program>``."""
    if body is None or len(body) > MAX_PARSE_BYTES:
        return None
    try:
        return decode_program(body)
    except PlatformProtocolError:
        return None


def search_fields(request: bytes | str | None, reply: bytes | str | None) -> SearchFields:
    """Who (``aac001``) and which platform visit (``aaz218``) an exchange is about."""
    sent = _head(request)
    got = read(reply) if reply is not None and len(reply) <= SMALL_REPLY_BYTES else _head(reply)
    person = _first(
        _get(sent, "aac001"), _looked_up(sent), _get(got, "aac001"), _in_rows(got, "aac001")
    )
    visit = _first(_get(sent, "aaz218"), _get(got, "aaz218"), _in_rows(got, "aaz218"))
    return SearchFields(person, visit)


def decode_head(body: bytes | str) -> Fields:
    """The scalars of a ``<program>`` before its first dataset row, without reading further
    (a 300-row fee upload is read up to its first ``<row>``), parsed as the codec parses
    (defusedxml, no DTD); PlatformProtocolError when the head is not readable."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    data = as_utf8(data.removeprefix(b"\xef\xbb\xbf").strip())
    scalars: dict[str, str] = {}
    depth = 0
    try:
        for kind, element in safe_et.iterparse(_Trickle(data), ("start", "end"), forbid_dtd=True):
            depth += 1 if kind == "start" else -1
            if kind == "start" and depth == 1 and element.tag != ROOT:
                raise PlatformProtocolError(f"the body is <{element.tag}>, not a <{ROOT}>")
            if kind == "start" and depth > 2:
                break  # a dataset: the scalars are all before it
            if kind == "end" and depth == 1 and element.tag not in scalars:
                scalars[element.tag] = "".join(element.itertext()).strip()
    except defusedxml.DefusedXmlException as exc:
        raise PlatformProtocolError(f"the body was refused: {exc}") from exc
    except (ParseError, ValueError) as exc:
        raise PlatformProtocolError(f"the body is not well-formed XML: {exc}") from exc
    return Fields(values=scalars)


class _Trickle(io.BytesIO):
    """Hands the parser 1 KiB at a time (iterparse asks for 16 KiB), so that stopping at the
    first row leaves the rest unparsed."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(1024 if size is None or size < 0 else min(size, 1024))


def _head(body: bytes | str | None) -> Fields | None:
    if body is None:
        return None
    try:
        return decode_head(body)
    except PlatformProtocolError:
        return None


def _get(fields: Fields | None, code: str) -> str | None:
    return None if fields is None else fields.get(code)


def _looked_up(fields: Fields | None) -> str | None:
    """A look-up by person number (``bka895=aac001``) names the person in ``bka896``."""
    if fields is None or fields.get(LOOKUP_KIND) != "aac001":
        return None
    return fields.get(LOOKUP_VALUE)


def _in_rows(program: Fields | None, code: str) -> str | None:
    if not isinstance(program, Program):
        return None
    return next(
        (v for rows in program.datasets.values() for row in rows if (v := row.get(code))), None
    )


def _first(*values: str | None) -> str | None:
    found = next((v.strip() for v in values if v and v.strip()), None)
    return None if found is None else found[:_FIELD_LENGTH]


# -- pretty-printing ----------------------------------------------------------------------


def pretty(body: bytes | str | None, *, reveal: bool = False, rows_inline: bool = False) -> str:
    """The document one element a line (:func:`syncd.protocol.codec.pretty`), masked unless
    ``reveal``, the session id never shown; "" when there is none; a document too large or
    unreadable as text, with ID-number shapes masked."""
    if body is None:
        return ""
    if len(body) <= MAX_PARSE_BYTES:
        try:
            return codec_pretty(body, shown(reveal), rows_inline)
        except PlatformProtocolError:
            pass
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = _SESSION.sub(rf"\g<1>{HIDDEN}\g<2>", text)
    return text if reveal else mask_id_numbers(text)
