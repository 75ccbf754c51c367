"""Shared vocabulary: small frozen values every layer may use (stdlib only)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


class Outcome(enum.StrEnum):
    """How one platform call ended; decides what the delivery engine does next."""

    SUCCEEDED = "SUCCEEDED"  # return_code success: adopt the reply
    REJECTED = "REJECTED"  # negative return code (not -9): final, message written back
    RETRY = "RETRY"  # provably not processed: send again later
    UNKNOWN = "UNKNOWN"  # may have been processed: resolve by querying before re-sending


class ConcludedBy(enum.StrEnum):
    """How a call's ending was learnt: its reply, a resolution query, or an operator."""

    REPLY = "reply"
    QUERY = "query"  # an UNKNOWN resolved by asking the platform
    OPERATOR = "operator"  # `syncd retry … --processed`: someone checked the platform


RESEND_BY_OPERATOR_ZH = "人工核对确认平台未处理，重新发送"  # `syncd retry … --not-processed`
# a REJECTED row whose mapped values changed since (the HIS data was fixed): sent again by itself
RESENT_FIXED_ZH = "HIS数据已修正，作为新的尝试自动重新发送（被拒绝时：{}）"


class SyncStatus(enum.StrEnum):
    """Where one fact-view row (feed, key, version) stands in ``<p>sync_status``."""

    PENDING = "PENDING"  # to be sent (again, once next_attempt_at is reached)
    WAITING = "WAITING"  # a prerequisite is not met yet; costs no attempt
    IN_FLIGHT = "IN_FLIGHT"  # intent committed, the call is (or was) under way
    SUCCEEDED = "SUCCEEDED"  # final: the platform accepted it
    REJECTED = "REJECTED"  # final: refused (platform, mapping or state machine), reason kept
    UNKNOWN = "UNKNOWN"  # may have been processed: resolved by a query before any re-send
    FAILED = "FAILED"  # gave up after delivery.max_attempts; `syncd retry` re-queues


class RequestStatus(enum.StrEnum):
    """Where one ``<p>request`` command stands."""

    NEW = "NEW"
    IN_FLIGHT = "IN_FLIGHT"
    DONE = "DONE"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


_REQUEST_STATUS = {
    SyncStatus.SUCCEEDED: RequestStatus.DONE,
    SyncStatus.REJECTED: RequestStatus.REJECTED,
    SyncStatus.FAILED: RequestStatus.FAILED,
    SyncStatus.UNKNOWN: RequestStatus.UNKNOWN,
    SyncStatus.PENDING: RequestStatus.NEW,
    SyncStatus.WAITING: RequestStatus.NEW,
    SyncStatus.IN_FLIGHT: RequestStatus.IN_FLIGHT,
}


def request_status(status: SyncStatus) -> RequestStatus:
    """A command's status for the row status the delivery rules decided (DONE for
    SUCCEEDED; NEW for a command to be sent again)."""
    return _REQUEST_STATUS[status]


class VisitKind(enum.StrEnum):
    OUTPATIENT = "OUTPATIENT"
    INPATIENT = "INPATIENT"


class VisitState(enum.StrEnum):
    """The platform state of one HIS visit (spec §7)."""

    NONE = "NONE"
    REGISTERED = "REGISTERED"
    ADMITTED = "ADMITTED"
    DISCHARGED = "DISCHARGED"
    SETTLED = "SETTLED"
    CANCELLED = "CANCELLED"


SYNC_STATUSES = tuple(s.value for s in SyncStatus)
FINAL_SYNC_STATUSES = ("SUCCEEDED", "REJECTED", "FAILED")
UNSETTLED_STATUSES = ("IN_FLIGHT", "UNKNOWN")  # a call that may be under way or processed
REQUEST_STATUSES = tuple(s.value for s in RequestStatus)
VISIT_KINDS = tuple(k.value for k in VisitKind)
VISIT_STATES = tuple(s.value for s in VisitState)

# The staging columns a mapping's ``writeback:`` may fill; every other column of these tables is
# syncd's own bookkeeping.  View feeds write into ``<p>sync_status``, commands into
# ``<p>request`` (whose reply columns :mod:`syncd.db.schema` builds from this list).
SYNC_STATUS_WRITEBACK = ("aaz218",)
REQUEST_REPLY_COLUMNS = (
    "aac001",
    "aac003",
    "aac004",
    "bka888",
    "bka042",
    "aae030",
    "aae031",
    "bka025",
    "bka001",
    "akc264",
    "bka831",
    "bka832",
    "ake039",
    "bka825",
    "bka826",
    "akb067",
    "akb066",
)
REQUEST_WRITEBACK = ("aaz218", *REQUEST_REPLY_COLUMNS)


# --- what the engine steps and the stores exchange ------------------------------------


@dataclass(frozen=True)
class Lease:
    """Who claims (``owner``), the clock reading the claim is judged by, and the expiry."""

    owner: str
    now: datetime
    until: datetime

    @classmethod
    def starting(cls, owner: str, now: datetime, duration: timedelta) -> Lease:
        return cls(owner=owner, now=now, until=now + duration)


@dataclass(frozen=True)
class SourceRow:
    """One view row: its key and version as the database renders them, and its columns."""

    key: str
    version: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class NewRow:
    """A discovered view row, to be recorded in ``sync_status`` as PENDING."""

    source_key: str
    version: str
    visit_key: str


@dataclass(frozen=True)
class OutboxRow:
    """One claimed ``sync_status`` row."""

    id: int
    feed: str
    source_key: str
    version: str
    visit_key: str
    status: SyncStatus
    attempts: int
    request_id: str
    next_attempt_at: datetime
    found_at: datetime | None = None  # created_at: when discovery found the row


@dataclass(frozen=True)
class RejectedRow:
    """A REJECTED ``sync_status`` row with the fingerprint of what it mapped to when it was
    rejected (:mod:`syncd.engine.fixed`), due to be compared with what it maps to now."""

    id: int
    source_key: str
    version: str
    visit_key: str
    request_id: str
    fingerprint: str
    reason: str


@dataclass(frozen=True)
class BlockingRow:
    """A REJECTED or FAILED row of a visit that others wait behind (its feed:key, call and
    reason): what a blocked row names."""

    feed: str
    source_key: str
    function_id: str
    status: str
    reason: str

    @property
    def where(self) -> str:
        return f"{self.feed}:{self.source_key}"


@dataclass(frozen=True)
class Command:
    """One claimed ``<p>request`` command (its parameters as text)."""

    id: int
    command: str
    params: Mapping[str, str]
    status: RequestStatus
    attempts: int
    call_id: str


@dataclass(frozen=True)
class Standing:
    """Where one row (or command) stands, for an operator's action on it."""

    status: SyncStatus | RequestStatus
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Answer:
    """Everything written into a command's row (and its reply rows) in one transaction."""

    status: RequestStatus
    attempts: int
    next_attempt_at: datetime | None = None
    return_code: str | None = None
    message: str = ""
    call_id: str | None = None
    columns: Mapping[str, object] | None = None  # flattened reply fields + write-back
    result: Mapping[str, Any] | None = None  # {"fields": …, "datasets": …}
    last_error: str = ""


@dataclass(frozen=True)
class ArchiveEntry:
    """One archived platform exchange: the bytes sent and received, and what it belongs to."""

    function_id: str
    call_id: str
    outcome: str
    return_code: str | None
    duration_ms: int
    request: bytes
    reply: bytes | None
    feed: str = ""
    source_key: str = ""
    visit_key: str = ""
    aaz218: str = ""


# --- what base-data maintenance (码表服务, `syncd codes`) exchanges ----------------------


@dataclass(frozen=True)
class CodeRow:
    """One code of a 码表服务 category (bizh120205)."""

    aaa100: str
    aaa102: str
    aaa101: str = ""
    aaa103: str = ""
    aaa104: str = ""
    aaa027: str = ""


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ValueCount:
    """A distinct value of a view column and how many rows carry it."""

    value: object
    count: int


PERSON_KEY_KINDS = ("aac002", "bka100", "aac001")  # 社会保障号码, 社保卡号, 电脑号 (bka895)
PERSON_FIELDS = ("aac001", "bka042", "aaz267", "aae030", "aae031", "bka888")


@dataclass(frozen=True)
class PersonKey:
    """What the HIS knows of a person to look them up by (``bka895`` kind, ``bka896`` value).
    The value is personal data: it is never shown by ``repr`` (logs, tracebacks)."""

    kind: str
    value: str

    def __repr__(self) -> str:
        return f"PersonKey({self.kind}, <hidden>)"


class PersonState(enum.StrEnum):
    KNOWN = "KNOWN"  # the platform answered with the person
    REFUSED = "REFUSED"  # the platform refused (not insured …) or syncd refuses (fund frozen)


@dataclass(frozen=True)
class PersonRecord:
    """One answer of the platform's person look-up (110001 / 120001), as the person table
    keeps it: the person number, the 工伤认定 certificate and its dates, the fund state,
    when it was asked (and for which visit), or the reason it was refused."""

    key: PersonKey
    state: PersonState
    looked_up_at: datetime
    function_id: str = ""
    call_id: str = ""
    visit_key: str = ""
    aac001: str = ""
    bka042: str = ""  # 工伤凭证号
    aaz267: str = ""  # 申请号
    aae030: str = ""  # certificate valid from (yyyyMMdd)
    aae031: str = ""  # certificate valid until
    bka888: str = ""  # 个人基金状态 0正常 1冻结 9未参保
    reason_zh: str = ""  # the platform's reason of a refusal

    def fields(self) -> dict[str, str]:
        """The values a mapping's ``person:`` rule may read."""
        return {name: getattr(self, name) for name in PERSON_FIELDS}

    def __repr__(self) -> str:
        return f"PersonRecord({self.key!r}, {self.state.value}, call_id={self.call_id})"


@dataclass(frozen=True)
class Watermark:
    """An optional scan limit: ``column`` grows with new rows; ``lookback`` in its units
    (seconds for timestamps, a count for numbers); every ``full_scan_s`` seconds (and at
    start-up) one scan has no limit, so a row that committed after its window is still found."""

    column: str
    lookback: float
    full_scan_s: float = 900.0
