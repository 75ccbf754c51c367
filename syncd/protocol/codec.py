"""The ``<program>`` envelope <-> Python values (pure: no I/O library, no clock).

Wire format (spec §2, §9)::

    <?xml version="1.0" encoding="utf-8"?>            (optional)
    <program><session_id>…</session_id><function_id>bizh120002</function_id>
      <aaz218>…</aaz218>                                scalars at program level
      <feeinfo><row><ake005>…</ake005>…</row>…</feeinfo>  datasets: <name><row>…</row></name>
    </program>

Encoding writes UTF-8 with every value escaped; ``Decimal`` gets the field's places from the
catalogue (bka056 4, other money 2) and is refused, never rounded, when that would change it;
``date`` becomes ``yyyyMMdd``; ``None`` is omitted.  Decoding accepts any byte body with or
without an XML declaration, ignores whitespace between elements, strips values, and refuses
DTDs, entity declarations and external references (defusedxml).  Decoded values are strings;
:class:`~syncd.protocol.decoded.Fields` offers typed accessors that raise
:class:`PlatformProtocolError` on bad text;
a repeated element is read as the Zhongshan client reads one (:func:`_put`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from xml.etree.ElementTree import Element, ParseError, indent, tostring

import defusedxml
import defusedxml.ElementTree as safe_et

from syncd.core.errors import PlatformProtocolError, RequestEncodingError
from syncd.protocol import catalogue
from syncd.protocol.decoded import Program, Row
from syncd.protocol.privacy import SESSION_HIDDEN

Value = str | int | Decimal | dt.date | bool | None
Rows = Sequence[Mapping[str, Value]]
ROOT = "program"
ROW = "row"
DEFAULT_PLACES = 2
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_ILLEGAL_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_ESCAPED = re.compile("[&<>\r]")
_PLAIN = re.compile(r"[0-9A-Za-z .:_\-]*")
_DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._\-]+)[\"'][^>]*\?>")
_SESSION_ELEMENT = re.compile(rb"<session_id>[^<]*</session_id>")
SESSION_MASK = SESSION_HIDDEN  # the session_id as archives and ``syncd render`` show it
_ENVELOPE = frozenset({"session_id", "function_id"})


# ---------------------------------------------------------------- encoding


@cache
def default_places() -> Mapping[str, int]:
    """Decimal places by element code, from the catalogue (bka056 -> 4, money -> 2)."""
    return catalogue.load().decimal_places()


def encode_program(
    scalars: Mapping[str, Value],
    datasets: Mapping[str, Rows] | None = None,
    *,
    xml_declaration: bool = True,
    places: Mapping[str, int] | None = None,
) -> bytes:
    """One ``<program>`` document as UTF-8 bytes; scalars first, then datasets, in order."""
    head = XML_DECLARATION if xml_declaration else ""
    return (head + f"<{ROOT}>" + encode_content(scalars, datasets, places)).encode("utf-8")


def encode_content(
    scalars: Mapping[str, Value],
    datasets: Mapping[str, Rows] | None = None,
    places: Mapping[str, int] | None = None,
) -> str:
    """Everything of a ``<program>`` after its start tag: the scalars, the datasets and the
    end tag (checked and escaped; RequestEncodingError for what the wire cannot carry)."""
    places = default_places() if places is None else places
    parts = list(_elements(scalars, places))
    for name, rows in (datasets or {}).items():
        parts += _dataset(name, rows, places)
    parts.append(f"</{ROOT}>")
    return "".join(parts)


def encode_request(
    function_id: str,
    params: Mapping[str, Value],
    datasets: Mapping[str, Rows] | None = None,
    *,
    session_id: str | None = None,
    xml_declaration: bool = True,
    places: Mapping[str, int] | None = None,
) -> bytes:
    """A request: ``session_id`` (when given) and ``function_id`` first, then the params."""
    content = encode_content(request_params(params), datasets, places)
    return request_envelope(function_id, session_id, xml_declaration) + content.encode("utf-8")


def request_params(params: Mapping[str, Value]) -> dict[str, Value]:
    """The params of a request without the envelope fields (they always come first)."""
    return {k: v for k, v in params.items() if k not in _ENVELOPE}


def request_envelope(function_id: str, session_id: str | None, xml_declaration: bool) -> bytes:
    """The start of a request document up to and including ``function_id``."""
    head = XML_DECLARATION if xml_declaration else ""
    envelope = {"session_id": session_id, "function_id": function_id}
    return (head + f"<{ROOT}>" + "".join(_elements(envelope, {}))).encode("utf-8")


def masked_session(body: bytes) -> bytes:
    """``body`` with the value of its ``<session_id>`` shown as :data:`SESSION_MASK` (the
    session is a credential valid until midnight: archives and dry runs never show it)."""
    return _SESSION_ELEMENT.sub(b"<session_id>" + SESSION_MASK.encode() + b"</session_id>", body, 1)


def _dataset(name: str, rows: Rows, places: Mapping[str, int]) -> list[str]:
    _check_name(name)
    parts = [f"<{name}>"]
    for row in rows:
        parts.append(f"<{ROW}>")
        parts += _elements(row, places)
        parts.append(f"</{ROW}>")
    parts.append(f"</{name}>")
    return parts


def _elements(values: Mapping[str, Value], places: Mapping[str, int]) -> list[str]:
    """One element per value (None: left out), in order: checked, formatted and escaped
    (called for every row of a dataset: a 300-row fee call has 2,400 values)."""
    parts = []
    for code, value in values.items():
        if value is None:
            continue
        _check_name(code)
        text = value if type(value) is str else format_value(code, value, places)
        if not _PLAIN.fullmatch(text):
            text = _escape(code, text)
        parts.append(f"<{code}>{text}</{code}>")
    return parts


def format_value(code: str, value: Value, places: Mapping[str, int] | None = None) -> str:
    """The wire text of one value (before XML escaping)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return _format_decimal(code, value, (places or default_places()).get(code, DEFAULT_PLACES))
    if isinstance(value, dt.datetime):
        raise RequestEncodingError(
            code, "a datetime needs an explicit format; pass a date or a string", "时间格式未指定"
        )
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    if isinstance(value, int | str):
        return str(value)
    raise RequestEncodingError(
        code, f"values of type {type(value).__name__} are not allowed", "数据类型不支持"
    )


def _format_decimal(code: str, value: Decimal, places: int) -> str:
    if not value.is_finite():
        raise RequestEncodingError(code, "is not a finite decimal", "金额/数量不是有效数字")
    try:
        fixed = value.quantize(_step(places))
    except InvalidOperation as exc:
        raise RequestEncodingError(code, "is too large", "金额/数量过大") from exc
    if fixed != value:
        raise RequestEncodingError(
            code,
            f"has more than {places} decimal places; round it before sending",
            f"小数位数超过{places}位",
        )
    return f"{abs(fixed) if fixed == 0 else fixed:f}"


@lru_cache(maxsize=32)
def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def _escape(code: str, text: str) -> str:
    if _PLAIN.fullmatch(text):  # digits, letters and the like: nothing to check or escape
        return text
    if _ILLEGAL_CHAR.search(text):
        raise RequestEncodingError(
            code, "contains a control character XML cannot carry", "含有非法控制字符"
        )
    return _ESCAPED.sub(lambda m: _ESCAPES[m.group(0)], text)


def _check_name(code: str) -> None:
    if not _valid_name(code):
        raise RequestEncodingError(code, "is not a valid element name", "字段名不合法")


@lru_cache(maxsize=4096)
def _valid_name(code: str) -> bool:
    return bool(_NAME.fullmatch(code)) and not code.lower().startswith("xml")


# ---------------------------------------------------------------- decoding


@cache
def known_dataset_names() -> frozenset[str]:
    """Element names (lower case) that are datasets even when empty (from the catalogue)."""
    names = {"speinfo"}
    for spec in catalogue.load().all():
        names |= set(spec.datasets) | set(spec.output_datasets)
    return frozenset(name.lower() for name in names)


ValueMask = Callable[[str, str, Mapping[str, str]], str]  # (code, value, its siblings) → shown


def pretty(document: bytes | str, mask: ValueMask | None = None, rows_inline: bool = False) -> str:
    """``document`` for reading: one element per line, indented (each dataset row on one line
    with ``rows_inline``); the elements and their order are those of ``document``, and so are
    the values unless ``mask`` replaces them.  Parsed like any reply (defusedxml)."""
    root = _parse(document)
    if mask is not None:
        _mask_values(root, mask)
    indent(root, space="  ")
    if rows_inline:
        for row in (row for child in root for row in child):
            row.text = None
            for cell in row:
                cell.tail = None
    text = document.encode("utf-8") if isinstance(document, str) else document
    head = XML_DECLARATION + "\n" if text.lstrip().startswith(b"<?xml") else ""
    return head + tostring(root, encoding="unicode", short_empty_elements=False)


def _mask_values(parent: Element, mask: ValueMask) -> None:
    leaves = [child for child in parent if not len(child)]
    siblings = {leaf.tag: _text(leaf) for leaf in leaves}
    for leaf in leaves:
        leaf.text = mask(leaf.tag, _text(leaf), siblings)
    for child in parent:
        if len(child):
            _mask_values(child, mask)


def decode_program(body: bytes | str) -> Program:
    """Read one ``<program>`` document; :class:`PlatformProtocolError` when it is not one."""
    root = _parse(body)
    if root.tag != ROOT:
        raise PlatformProtocolError(f"the body is <{root.tag}>, not a <{ROOT}> document")
    scalars: dict[str, str] = {}
    datasets: dict[str, tuple[Row, ...]] = {}
    repeated: list[str] = []
    for child in root:
        if _is_dataset(child):
            datasets[child.tag] = datasets.get(child.tag, ()) + _rows(child, repeated)
        else:
            _put(scalars, child.tag, _text(child), repeated)
    return Program(values=scalars, datasets=datasets, repeated=tuple(dict.fromkeys(repeated)))


def _parse(body: bytes | str) -> Element:
    data = body.encode("utf-8") if isinstance(body, str) else body
    data = data.removeprefix(b"\xef\xbb\xbf").strip()
    if not data:
        raise PlatformProtocolError("the body is empty, not a <program> document")
    if not data.startswith(b"<"):
        text = data[:120].decode("utf-8", errors="replace")
        raise PlatformProtocolError(f"the body is text, not a <program> document: {text}")
    try:
        return safe_et.fromstring(as_utf8(data), forbid_dtd=True)  # type: ignore[no-any-return]
    except defusedxml.DefusedXmlException as exc:
        raise PlatformProtocolError(
            f"the body was refused: it declares a DTD, entities or external references ({exc})"
        ) from exc
    except (ParseError, ValueError) as exc:
        raise PlatformProtocolError(f"the body is not well-formed XML: {exc}") from exc


def as_utf8(data: bytes) -> bytes:
    """Re-encode a body declared in another encoding (e.g. GBK, which expat cannot read)."""
    declared = _DECLARED_ENCODING.match(data)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if not declared or encoding.replace("_", "-") in ("utf-8", "utf8"):
        return data
    try:
        text = data[declared.end() :].decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise PlatformProtocolError(f"the body is not valid {encoding} text") from exc
    return text.encode("utf-8")


def _is_dataset(element: Element) -> bool:
    if len(element):
        return True
    return element.tag.lower() in known_dataset_names() and not (element.text or "").strip()


def _rows(element: Element, repeated: list[str]) -> tuple[Row, ...]:
    tags = {child.tag for child in element}
    if ROW in tags and tags != {ROW}:
        raise PlatformProtocolError(f"dataset <{element.tag}> mixes <row> with other elements")
    rows = list(element) if ROW in tags else [element] if tags else []
    return tuple(Row(values=_cells(row, element.tag, repeated)) for row in rows)


def _cells(row: Element, dataset: str, repeated: list[str]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for cell in row:
        _put(cells, cell.tag, _text(cell), repeated, f"{dataset}.")
    return cells


def _text(element: Element) -> str:
    return "".join(element.itertext()).strip()


def _put(target: dict[str, str], tag: str, value: str, repeated: list[str], at: str = "") -> None:
    """Zhongshan's reading: the last non-empty value wins; a differing repeat is noted."""
    known = target.get(tag)
    if known and value and value != known:
        repeated.append(at + tag)
    if value or known is None:
        target[tag] = value
