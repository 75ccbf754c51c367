"""The only module that configures logging.

One line per event, journald-friendly: ``level=info event=feed.claimed feed=fee key=42``
(or one JSON object per line).  Under systemd (``$JOURNAL_STREAM`` names the stream we write to)
every line starts with its syslog priority, ``<3>`` error … ``<7>`` debug, which journald
reads as the entry's priority (``journalctl -p warning`` then shows warnings and errors only).
Code logs an *event name* and ids through :func:`event`;
payloads, names and ID numbers are never logged on purpose, and the :class:`RedactingFilter`
makes sure they do not leak by accident: fields whose names are configured as private are
replaced, and anything that looks like an 18-digit resident ID number is masked wherever it
appears in the finished line (message, fields and tracebacks).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from syncd.protocol.privacy import ID_NUMBER

# The resident ID number's shape (syncd.protocol.privacy.ID_NUMBER): anything ID-shaped is
# masked wherever it appears in the finished line, keeping its region (6 digits).
_MASK = "***"

DEFAULT_PRIVATE_FIELDS: frozenset[str] = frozenset(
    {
        "aac002",
        "aac003",
        "aac044",
        "bka896",
        "bka100",
        "aae005",
        "aae010",
        "password",
        "passwd",
        "session_id",
        "name",
        "id_number",
        "patient_name",
        "bka015",
        "bka064",
        "bka075",
        "bka034",
        "bka047",
    }
)

_FIELDS_ATTR = "syncd_fields"
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


def mask_id_numbers(text: str) -> str:
    """Replace every ID-number-shaped token in ``text`` by its region prefix and a mask."""
    return ID_NUMBER.sub(lambda m: f"{m.group(1)}{_MASK}", text)


class RedactingFilter(logging.Filter):
    """Replace private fields by a mask before any handler formats the record."""

    def __init__(self, private_fields: Iterable[str]) -> None:
        super().__init__()
        self.private = frozenset(f.lower() for f in private_fields)

    def filter(self, record: logging.LogRecord) -> bool:
        fields = getattr(record, _FIELDS_ATTR, None)
        if isinstance(fields, Mapping):
            setattr(record, _FIELDS_ATTR, self._redact(fields))
        for key in set(vars(record)) - _STANDARD_ATTRS:
            if key.lower() in self.private:
                setattr(record, key, _MASK)
        if isinstance(record.args, Mapping):
            record.args = self._redact(record.args)
        return True

    def _redact(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        return {k: (_MASK if k.lower() in self.private else v) for k, v in fields.items()}


def _render_value(value: Any) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' ="'):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    """``level=info logger=syncd.feed event=feed.claimed feed=fee key=42``."""

    def __init__(self, *, with_time: bool) -> None:
        super().__init__()
        self.with_time = with_time

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        if self.with_time:
            parts.append(f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}")
        parts += [f"level={record.levelname.lower()}", f"logger={record.name}"]
        parts.append(f"event={_render_value(record.getMessage())}")
        for key, value in (getattr(record, _FIELDS_ATTR, None) or {}).items():
            parts.append(f"{key}={_render_value(value)}")
        if record.exc_info:
            parts.append(f"exc={_render_value(self.formatException(record.exc_info))}")
        return mask_id_numbers(" ".join(parts))


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        doc.update({k: str(v) for k, v in (getattr(record, _FIELDS_ATTR, None) or {}).items()})
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return mask_id_numbers(json.dumps(doc, ensure_ascii=False))


# syslog priorities (sd-daemon(3)): what journald files a line under
_PRIORITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))


def journal_priority(levelno: int) -> int:
    """The syslog priority of a logging level: ERROR 3, WARNING 4, INFO 6, DEBUG 7."""
    return next((prio for level, prio in _PRIORITIES if levelno >= level), 7)


def is_journal_stream(stream: Any, environ: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is connected to the journal: systemd sets ``JOURNAL_STREAM`` to
    ``device:inode`` of the stream it connected (systemd.exec(5)); a redirected stream of a
    child process does not match."""
    dev, _, ino = (
        (os.environ if environ is None else environ).get("JOURNAL_STREAM", "").partition(":")
    )
    if not (dev.isdigit() and ino.isdigit()):
        return False
    try:
        stat = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return (stat.st_dev, stat.st_ino) == (int(dev), int(ino))


class JournalPrefix(logging.Formatter):
    """``<N>`` before each line of another formatter (N: :func:`journal_priority`)."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return f"<{journal_priority(record.levelno)}>{self.inner.format(record)}"


def setup_logging(
    level: str = "INFO",
    fmt: str = "kv",
    private_fields: Iterable[str] = (),
    *,
    with_time: bool = False,
    stream: Any = None,
    journal: bool | None = None,
) -> logging.Handler:
    """Configure the root logger once; returns the handler (tests read from its stream).
    ``journal``: prefix each line with its priority; None: when the stream is the journal's."""
    out = stream or sys.stderr
    handler = logging.StreamHandler(out)
    formatter: logging.Formatter = (
        JsonFormatter() if fmt == "json" else KeyValueFormatter(with_time=with_time)
    )
    if journal is None:
        journal = is_journal_stream(out)
    handler.setFormatter(JournalPrefix(formatter) if journal else formatter)
    handler.addFilter(RedactingFilter(DEFAULT_PRIVATE_FIELDS | set(private_fields)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_syncd", False)]:
        root.removeHandler(old)
    handler._syncd = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "apscheduler", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event: a stable name plus ids (feed, key, attempt, ...), never payloads."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={_FIELDS_ATTR: fields})
