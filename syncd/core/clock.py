"""The staging tables' time: naive local wall-clock time in the platform's zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def local_clock(timezone: str) -> Clock:
    """Naive local wall-clock time in ``timezone`` (the staging tables' convention)."""
    zone = ZoneInfo(timezone)
    return lambda: datetime.now(zone).replace(tzinfo=None)
