"""Shared vocabulary: small frozen values every layer may use (stdlib only)."""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    """How one platform call ended; decides what the delivery engine does next."""

    SUCCEEDED = "SUCCEEDED"  # return_code success: adopt the reply
    REJECTED = "REJECTED"  # negative return code (not -9): final, message written back
    RETRY = "RETRY"  # provably not processed: send again later
    UNKNOWN = "UNKNOWN"  # may have been processed: resolve by querying before re-sending
