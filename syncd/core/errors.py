"""The one exception tree of syncd, sorted by what the daemon does next.

::

    SyncdError                      (root; never raised itself)
    ├── ConfigError                 refuse to start; exit 78 so systemd does not restart-loop
    ├── SourceError                 the HIS database is unreachable or a statement failed:
    │                               skip this tick, reconnect, try again next tick
    ├── MappingError                one row cannot become a request: reject that row with a
    │                               Chinese reason written back, keep the others flowing
    ├── StateError                  a row/visit is not in a state that allows the call:
    │                               wait (prerequisite) or refuse with a Chinese reason
    ├── ReportError                 a reconciliation report could not be written or mailed
    │                               (the run and its items are stored already)
    ├── AlertError                  an alert could not be sent on one channel: it stays owed
    │                               and is sent again later
    └── PlatformError               talking to the platform went wrong
        ├── PlatformUnavailable     nothing reached the platform: safe to send again later
        ├── PlatformOutcomeUnknown  the request may have been processed: resolve by query
        ├── PlatformRejected        the platform said no (negative return code): final
        └── PlatformProtocolError   the reply cannot be read as a platform reply

Each class docstring is the default message an operator reads.  Foreign exceptions are
translated at the adapter boundary with ``raise ... from exc`` so the cause stays visible.
Messages never contain ID numbers, names, passwords or payloads.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 78  # EX_CONFIG from sysexits.h


class SyncdError(Exception):
    """syncd failed."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a configuration or mapping file, with where and how to fix it."""

    file: str
    line: int
    column: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        text = f"{where}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class ConfigError(SyncdError):
    """The configuration is invalid; syncd will not start until it is fixed."""

    def __init__(self, problems: list[ConfigProblem] | str) -> None:
        if isinstance(problems, str):
            problems = [ConfigProblem(file="", line=0, column=0, message=problems)]
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceError(SyncdError):
    """The HIS database could not be reached or a statement failed; will try again."""


class MappingError(SyncdError):
    """A source row cannot be turned into a platform request.

    Carries the feed, the row key and the field, plus a Chinese reason that is written
    back for the HIS user.  It never carries the offending value itself.
    """

    def __init__(self, *, feed: str, key: str, field: str, reason_zh: str) -> None:
        self.feed, self.key, self.field, self.reason_zh = feed, key, field, reason_zh
        super().__init__(f"feed {feed} key {key} field {field}: {reason_zh}")


class StateError(SyncdError):
    """The visit is not in a state that allows this call."""

    def __init__(self, message: str, *, reason_zh: str = "", wait: bool = False) -> None:
        self.reason_zh = reason_zh or message
        self.wait = wait
        super().__init__(message)


class OperatorError(SyncdError):
    """An operator's request (``syncd retry …``) that cannot be carried out as asked; the
    message says why and what to do instead."""


class ReportError(SyncdError):
    """The reconciliation report could not be written or mailed."""


class AlertError(SyncdError):
    """An alert could not be sent on one channel; it is sent again later."""


class PlatformError(SyncdError):
    """The platform call failed."""


class PlatformUnavailable(PlatformError):
    """The platform could not be reached; nothing was processed, the call can be sent again."""


class PlatformOutcomeUnknown(PlatformError):
    """The platform may have processed the call; its result must be found by a query."""


class PlatformRejected(PlatformError):
    """The platform rejected the call."""

    def __init__(self, return_code: str, message_zh: str) -> None:
        self.return_code, self.message_zh = return_code, message_zh
        super().__init__(f"platform rejected the call: return_code={return_code} {message_zh}")


class PlatformProtocolError(PlatformError):
    """The platform's reply is not a readable <program> document."""
