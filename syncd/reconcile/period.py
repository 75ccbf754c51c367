"""The span a reconciliation covers: one day (the nightly run) or one calendar month (the
monthly statement, ``syncd reconcile --month``).  Pure: no clock, no I/O."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class Period:
    """The days ``first`` … ``last`` (both included)."""

    first: date
    last: date

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @classmethod
    def month_of(cls, day: date) -> Period:
        return cls.month(day.year, day.month)

    @property
    def is_day(self) -> bool:
        return self.first == self.last

    @property
    def label(self) -> str:
        """``2026-11-25`` for a day, ``2026-11`` for a calendar month."""
        return self.first.isoformat() if self.is_day else f"{self.first:%Y-%m}"

    @property
    def label_zh(self) -> str:
        if self.is_day:
            return self.first.isoformat()
        return f"{self.first:%Y年%m月}（{self.first.isoformat()} 至 {self.last.isoformat()}）"

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as naive local times: midnight of ``first`` to midnight after ``last``."""
        start = datetime.combine(self.first, time.min)
        return start, datetime.combine(self.last + timedelta(days=1), time.min)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= _as_date(day) <= self.last


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def is_month_end(day: date) -> bool:
    """The last day of its month (the nightly run of the 1st reconciles it)."""
    return (day + timedelta(days=1)).day == 1
