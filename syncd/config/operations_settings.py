"""The settings of watching syncd run (:class:`~syncd.config.settings.Settings` holds them):
``monitoring`` (``/metrics``, ``/healthz``, ``/readyz``), ``alerts`` (their conditions, the
inactivity window, webhooks and mail) and ``console`` (the operations console)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator

from syncd.config.sections import HHMM, PositiveSeconds, Section, bad_setting


class MonitoringSettings(Section):
    """``/metrics``, ``/healthz`` and ``/readyz`` served by ``syncd run``."""

    listen: str | None = Field(
        default="127.0.0.1:9468", description="host:port to serve on; null = no server"
    )
    probe_every_s: PositiveSeconds = Field(
        default=60.0, description="TCP check of the platform when no call was made for this long"
    )

    @field_validator("listen")
    @classmethod
    def _is_host_port(cls, value: str | None) -> str | None:
        if value is not None:
            listen_address(value)
        return value

    def address(self) -> tuple[str, int] | None:
        return None if self.listen is None else listen_address(self.listen)


def listen_address(text: str) -> tuple[str, int]:
    """``127.0.0.1:9468`` / ``[::1]:9468`` → (host, port); ValueError otherwise."""
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise bad_setting(
            "须为 host:port，如 127.0.0.1:9468（null 为不启用）",
            "must be host:port, e.g. 127.0.0.1:9468 (or null for no server)",
        )
    return host, int(port)


class WebhookSettings(Section):
    """One group robot (or any JSON receiver) the alerts are posted to."""

    url: str = Field(pattern=r"^https?://", description="robot address (holds its key)")
    format: Literal["wecom", "dingtalk", "json"] = "json"
    min_interval_s: float = Field(default=60.0, ge=0, description="at most one post per …")
    timeout_s: PositiveSeconds = 10.0


class AlertMailSettings(Section):
    """Alerts by mail, through the SMTP server of ``reconcile.smtp``."""

    to: list[str] = Field(default=[], description="recipients; empty = no alert mail")
    min_interval_s: float = Field(default=300.0, ge=0, description="at most one mail per …")


class InactivitySettings(Section):
    """ "No new work-injury rows": only on working days, within working hours."""

    quiet_s: float | None = Field(
        default=7200.0, gt=0, description="no new row for this long raises it; null = off"
    )
    working_days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default=[1, 2, 3, 4, 5], description="ISO weekdays: 1 = Monday … 7 = Sunday"
    )
    working_hours: tuple[str, str] = ("08:00", "17:30")
    holidays: list[date] = Field(default=[], description="days off on a working weekday")
    extra_working_days: list[date] = Field(default=[], description="working weekend days (调休)")

    @field_validator("working_hours")
    @classmethod
    def _are_hhmm(cls, value: tuple[str, str]) -> tuple[str, str]:
        if not all(HHMM.match(v) for v in value) or value[0] >= value[1]:
            raise bad_setting(
                "须为 [开始, 结束] 时刻 HH:MM，开始在前",
                "must be [start, end] times HH:MM with start before end",
            )
        return value


class AlertSettings(Section):
    """Alerts: each raised once when its condition starts and cleared once when it ends."""

    enabled: bool = True
    evaluate_every_s: PositiveSeconds = 30.0
    settle_s: float = Field(
        default=60.0, ge=0, description="a change must last this long before it is announced"
    )
    backlog_after_s: PositiveSeconds = Field(
        default=900.0, description="the oldest PENDING row (or NEW command) older than this"
    )
    job_late_factor: float = Field(
        default=3.0, ge=1, description="an interval job is late after this many intervals"
    )
    daily_job_grace_s: PositiveSeconds = Field(
        default=3600.0, description="a daily job is late this long after its time"
    )
    inactivity: InactivitySettings = InactivitySettings()
    mail: AlertMailSettings = AlertMailSettings()
    webhooks: list[WebhookSettings] = Field(default=[])


class ConsoleSettings(Section):
    """The operations console (``syncd console``; started by ``syncd run`` when enabled)."""

    enabled: bool = Field(default=False, description="syncd run also serves the console")
    host: str = Field(default="127.0.0.1", min_length=1, description="listen address")
    port: int = Field(default=8470, ge=1, le=65535)
    session_lifetime_s: PositiveSeconds = Field(
        default=28800.0, description="a login lasts at most this long (8 h)"
    )
    idle_timeout_s: PositiveSeconds = Field(
        default=1800.0, description="a login ends after this long without a request"
    )
    login_attempts: int = Field(
        default=5, ge=1, le=100, description="failed logins per name or address per window"
    )
    login_window_s: PositiveSeconds = Field(default=300.0, description="the rate limit window")
    cookie_secure: bool = Field(
        default=False, description="Secure cookies: set true behind an HTTPS reverse proxy"
    )
    refresh_s: int = Field(default=10, ge=2, le=3600, description="dashboard refresh (seconds)")
    page_size: int = Field(default=100, ge=10, le=1000, description="rows per page")
