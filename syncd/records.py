"""Shared vocabulary: small frozen values every layer may use (stdlib only)."""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    """How one platform call ended; decides what the delivery engine does next."""

    SUCCEEDED = "SUCCEEDED"  # return_code success: adopt the reply
    REJECTED = "REJECTED"  # negative return code (not -9): final, message written back
    RETRY = "RETRY"  # provably not processed: send again later
    UNKNOWN = "UNKNOWN"  # may have been processed: resolve by querying before re-sending


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
REQUEST_STATUSES = tuple(s.value for s in RequestStatus)
VISIT_KINDS = tuple(k.value for k in VisitKind)
VISIT_STATES = tuple(s.value for s in VisitState)
