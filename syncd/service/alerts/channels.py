"""Where alerts go besides the journal: mail and webhooks, each with its own rate limit.

* **mail** (``alerts.mail.to``) through the reconciliation's SMTP server (``reconcile.smtp``,
  the same sender as the report mail: :func:`syncd.reconcile.mail.send_mail`);
* **webhooks** (``alerts.webhooks``), one of three formats: ``wecom`` (企业微信群机器人,
  markdown message), ``dingtalk`` (钉钉群机器人, markdown; its keyword is ``syncd``) and
  ``json`` (a plain document for any receiver).  A robot's answer other than ``errcode: 0``
  is a failure, like an HTTP error.

A channel sends at most one message per ``min_interval_s``: notices that come meanwhile wait
and go together in the next one.  A failure raises :class:`~syncd.core.errors.AlertError`;
the notices stay owed and are sent again later.  The robot's address (it holds its key) is
never logged: only its host.
"""

from __future__ import annotations

import json
import smtplib
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from syncd.config.operations_settings import WebhookSettings
from syncd.config.settings import Settings, SmtpSettings
from syncd.core.errors import AlertError
from syncd.service.alerts.texts import Notice

MARKDOWN_MAX_BYTES = 3800  # 企业微信 markdown: at most 4096 bytes; 钉钉 is more generous


class RateLimit:
    """At most one send per ``min_interval_s`` (a failed try counts: no hammering)."""

    def __init__(self, min_interval_s: float, monotonic: Callable[[], float] = time.monotonic):
        self.min_interval_s, self._now = min_interval_s, monotonic
        self._last: float | None = None

    def ready(self) -> bool:
        return self._last is None or self._now() - self._last >= self.min_interval_s

    def used(self) -> None:
        self._last = self._now()


class Channel(Protocol):
    name: str
    limit: RateLimit

    def send(self, notices: Sequence[Notice]) -> None: ...

    def describe(self) -> str: ...


def subject(notices: Sequence[Notice], hospital: str) -> str:
    raised = sum(n.raised for n in notices)
    cleared = len(notices) - raised
    parts = [f"告警 {raised} 条" if raised else "", f"恢复 {cleared} 条" if cleared else ""]
    first = notices[0].title if len(notices) == 1 else "、".join(p for p in parts if p)
    return f"【syncd】{hospital + ' ' if hospital else ''}{first}"


def plain_text(notices: Sequence[Notice]) -> str:
    return "\n\n".join("\n".join(n.lines()) for n in notices)


def markdown(notices: Sequence[Notice], hospital: str, *, colours: bool = False) -> str:
    """The robots' markdown (``colours``: 企业微信's ``<font color>``); cut to
    :data:`MARKDOWN_MAX_BYTES` (the rest: see the journal)."""
    blocks = [f"### {subject(notices, hospital)}"]
    for n in notices:
        lines = n.lines()
        head = f"**{lines[0]}**"
        if colours:
            head = f'<font color="{"warning" if n.raised else "info"}">{head}</font>'
        blocks.append("\n".join([head, *(f"> {line}" for line in lines[1:])]))
    text = "\n\n".join(blocks)
    if len(text.encode("utf-8")) <= MARKDOWN_MAX_BYTES:
        return text
    cut = text.encode("utf-8")[: MARKDOWN_MAX_BYTES - 60].decode("utf-8", "ignore")
    return cut + "\n\n……（其余见 syncd 日志 journalctl -u syncd）"


class MailChannel:
    """Alert mail through ``reconcile.smtp`` to ``alerts.mail.to``."""

    def __init__(
        self, smtp: SmtpSettings, to: Sequence[str], hospital: str, limit: RateLimit
    ) -> None:
        self.name, self.smtp, self.to, self.hospital, self.limit = "mail", smtp, to, hospital, limit

    def describe(self) -> str:
        return f"mail via {self.smtp.host}"

    def send(self, notices: Sequence[Notice]) -> None:
        # imported when a mail goes out: the reconciliation package loads its report writers
        # (jinja2, openpyxl), which `syncd run` does not need to start (READY=1)
        from syncd.reconcile.mail import send_mail

        message = EmailMessage()
        message["Subject"] = subject(notices, self.hospital)
        message["From"] = self.smtp.sender or self.smtp.username or "syncd"
        message["To"] = ", ".join(self.to)
        message.set_content(plain_text(notices) + "\n\n-- syncd\n")
        try:
            send_mail(self.smtp, message)
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertError(f"告警邮件发送失败：{type(exc).__name__}") from exc


class WebhookChannel:
    """POST to a group robot (企业微信, 钉钉) or any JSON receiver."""

    def __init__(
        self,
        name: str,
        hook: WebhookSettings,
        hospital: str,
        akb020: str,
        limit: RateLimit,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name, self.hook, self.hospital, self.akb020 = name, hook, hospital, akb020
        self.limit, self._transport = limit, transport

    def describe(self) -> str:
        return f"{self.hook.format} webhook at {urlsplit(self.hook.url).hostname}"

    def body(self, notices: Sequence[Notice]) -> dict[str, Any]:
        if self.hook.format == "wecom":
            text = markdown(notices, self.hospital, colours=True)
            return {"msgtype": "markdown", "markdown": {"content": text}}
        if self.hook.format == "dingtalk":
            title, text = subject(notices, self.hospital), markdown(notices, self.hospital)
            return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        return {
            "source": "syncd",
            "akb020": self.akb020,
            "hospital": self.hospital,
            "alerts": [_as_json(n) for n in notices],
        }

    def send(self, notices: Sequence[Notice]) -> None:
        content = json.dumps(self.body(notices), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            with httpx.Client(transport=self._transport, timeout=self.hook.timeout_s) as client:
                reply = client.post(self.hook.url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise AlertError(f"告警推送失败（{self.describe()}）：{type(exc).__name__}") from exc
        if not reply.is_success:
            raise AlertError(f"告警推送失败（{self.describe()}）：HTTP {reply.status_code}")
        if self.hook.format != "json":
            _robot_ok(reply, self.describe())


def _robot_ok(reply: httpx.Response, where: str) -> None:
    """企业微信 and 钉钉 answer HTTP 200 with ``errcode`` (0: sent; 45009 / 130101: too often)."""
    try:
        code = json.loads(reply.content).get("errcode")
    except (ValueError, AttributeError):
        code = "unreadable"
    if code != 0:
        raise AlertError(f"告警推送失败（{where}）：errcode={code}")


def _as_json(n: Notice) -> dict[str, Any]:
    return {
        "name": n.name,
        "state": "raised" if n.raised else "cleared",
        "severity": n.severity.value,
        "title": n.title,
        "detail": n.detail,
        "action": n.action,
        "since": n.since.isoformat(timespec="seconds"),
        "text": "\n".join(n.lines()),
    }


def channels_of(
    settings: Settings,
    monotonic: Callable[[], float] = time.monotonic,
    transport: httpx.BaseTransport | None = None,
) -> list[Channel]:
    """The channels ``alerts`` configures (the journal is always there: it is the log)."""
    alerts, hospital = settings.alerts, settings.hospital.name
    found: list[Channel] = []
    if alerts.mail.to:
        found.append(
            MailChannel(
                settings.reconcile.smtp,
                alerts.mail.to,
                hospital,
                RateLimit(alerts.mail.min_interval_s, monotonic),
            )
        )
    for i, hook in enumerate(alerts.webhooks, start=1):
        limit = RateLimit(hook.min_interval_s, monotonic)
        found.append(
            WebhookChannel(
                f"webhook{i}", hook, hospital, settings.hospital.akb020, limit, transport
            )
        )
    return found
