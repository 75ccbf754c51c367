"""The one exception tree of syncd, sorted by what the daemon does next.

::

    SyncdError                      (root; never raised itself)
    ├── ConfigError                 refuse to start; exit 78 so systemd does not restart-loop
    ├── SourceError                 the HIS database is unreachable or a statement failed:
    │   │                           skip this tick, reconnect, try again next tick
    │   ├── ChildViewError          a command's child view refused its parameters: that
    │   │                           command waits, the others go on
    │   └── SourceUnavailable       it cannot be reached at all (refused, timed out, no host)
    ├── MappingError                one row cannot become a request: reject that row with a
    │                               Chinese reason written back, keep the others flowing
    │                               (``waits``: not yet — its person is not known: it waits)
    ├── ValueFailure                one value does not fit its rule (inside the mapping
    │   ├── FieldFailed             language; the engine turns it into a MappingError naming
    │   │   └── PersonPending       feed, key and field; PersonPending: the person look-up
    │   ├── TransformFailed         has no answer yet, the row waits)
    │   └── FormatFailed
    │       └── InexactDecimal
    ├── RequestEncodingError        a value cannot go into a platform request: reject the row
    │   └── InvalidRequest          the request does not satisfy the catalogue
    ├── OperatorError               an operator's action did nothing or was refused: exit 4
    ├── ReportError                 a reconciliation report could not be written or mailed
    │                               (the run and its items are stored already)
    ├── AlertError                  an alert could not be sent on one channel: it stays owed
    │                               and is sent again later
    ├── PlatformError               talking to the platform went wrong
    │   ├── PlatformUnavailable     nothing reached the platform: safe to send again later
    │   ├── PlatformOutcomeUnknown  the request may have been processed: resolve by query
    │   ├── PlatformProtocolError   the reply cannot be read as a platform reply
    │   └── LoginFailed             the platform did not log us in: the call was not sent
    └── SimulatedRejection          the simulator refuses a call (its negative return code)
        └── MalformedSimulatorRequest

    Signal                          control flow, not an error: never caught as SyncdError
    ├── ShutdownRequested           a stop was asked for: the tick gives back its leases
    └── LeaseLost                   another engine took our unit over: it is theirs now

Each class docstring is the default message an operator reads.  Foreign exceptions are
translated at the adapter boundary with ``raise ... from exc`` so the cause stays visible.
Messages never contain ID numbers, names, passwords or payloads.
"""

from __future__ import annotations

from dataclasses import dataclass

# Exit codes of every ``syncd`` command (the README's table; the CLI maps the tree below to
# them in one place, ``syncd.cli.EXIT_OF``).
EXIT_OK = 0  # done / all consistent
EXIT_FAILURE = 1  # another expected failure (a report not written, an unexpected SyncdError)
EXIT_USAGE = 2  # click's own: unknown option, missing argument
EXIT_ATTENTION = 3  # something found that needs a person: differences, uncovered code values
EXIT_REFUSED = 4  # an operator action did nothing or was refused (OperatorError)
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: the HIS database or the platform cannot be reached
EXIT_CONFIG = 78  # EX_CONFIG from sysexits.h: systemd does not restart-loop


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
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}\n    提示 / hint: {self.hint}" if self.hint else text


class ConfigError(SyncdError):
    """The configuration is invalid; syncd will not start until it is fixed."""

    def __init__(self, problems: list[ConfigProblem] | str) -> None:
        if isinstance(problems, str):
            problems = [ConfigProblem(file="", line=0, column=0, message=problems)]
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceError(SyncdError):
    """The HIS database could not be reached or a statement failed; will try again."""


class ChildViewError(SourceError):
    """A child view could not be read for one command's parameters (e.g. ORA-01722 or
    PostgreSQL 22P02 when a parameter does not fit the view's column type)."""


class SourceUnavailable(SourceError):
    """The HIS database cannot be reached (connection refused, timed out, unknown host)."""


class MappingError(SyncdError):
    """A source row cannot be turned into a platform request.

    Carries the feed, the row key and the field, plus a Chinese reason that is written
    back for the HIS user.  It never carries the offending value itself.
    """

    def __init__(
        self, *, feed: str, key: str, field: str, reason_zh: str, waits: bool = False
    ) -> None:
        self.feed, self.key, self.field, self.reason_zh = feed, key, field, reason_zh
        self.waits = waits  # not refused: the row waits (its person is not known yet)
        super().__init__(f"feed {feed} key {key} field {field}: {reason_zh}")


class ValueFailure(SyncdError, ValueError):
    """A value does not fit its rule (the message never carries the value)."""


class FieldFailed(ValueFailure):
    """A field's rule cannot produce a wire value; ``reason_zh`` says why."""

    def __init__(self, reason_zh: str) -> None:
        self.reason_zh = reason_zh
        super().__init__(reason_zh)


class PersonPending(FieldFailed):
    """A ``person:`` field whose person the look-up has not answered for yet: the row waits
    (it uses no attempt) until syncd has asked the platform."""


class TransformFailed(ValueFailure):
    """A transform cannot handle this value; ``reason_zh`` says why, without the value."""

    def __init__(self, reason_zh: str) -> None:
        self.reason_zh = reason_zh
        super().__init__(reason_zh)


class FormatFailed(ValueFailure):
    """A value does not fit its declared format (the message never carries the value)."""


class InexactDecimal(FormatFailed):
    """Quantizing would change the value (more places than the field allows)."""


class RequestEncodingError(SyncdError):
    """A value cannot be written into a platform request.

    ``field`` is the element code; ``reason_zh`` is the Chinese reason written back for the
    HIS user.  The offending value itself is never part of the message.
    """

    def __init__(self, field: str, message: str, reason_zh: str) -> None:
        self.field, self.reason_zh = field, reason_zh
        super().__init__(f"field {field}: {message}")


class InvalidRequest(RequestEncodingError):
    """A request does not satisfy the catalogue (missing fields, unknown dataset, too many rows)."""


class OperatorError(SyncdError):
    """An operator's request (``syncd retry …``) that did nothing or cannot be carried out as
    asked; the message says why (Chinese, then English) and what to do instead."""


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


class PlatformProtocolError(PlatformError):
    """The platform's reply is not a readable <program> document."""


class LoginFailed(PlatformError):
    """The platform did not log us in (sys0001); the business call was not sent.

    ``attempt`` is the client's record of the login exchange (its outcome and message)."""

    def __init__(self, message: str, attempt: object) -> None:
        self.attempt = attempt
        super().__init__(message)


class SimulatedRejection(SyncdError):
    """The simulated platform refuses the call (negative return code, Chinese message)."""

    def __init__(self, message_zh: str, return_code: str = "-1") -> None:
        self.return_code = return_code
        self.message_zh = message_zh
        super().__init__(message_zh)


class MalformedSimulatorRequest(SimulatedRejection):
    """The request body sent to the simulator is not a readable ``<program>`` document."""


class Signal(Exception):  # control flow, deliberately not named …Error
    """Control flow between the engine's steps; never an error, never a SyncdError."""


class ShutdownRequested(Signal):
    """Raised inside a tick when a stop was requested: the tick releases what it holds."""


class LeaseLost(Signal):
    """Our lease on a unit expired and another engine took it over: it is theirs now."""
