"""Mail the reports through SMTP (``reconcile.smtp``; stdlib smtplib).

The HTML report is the body; it and the other files given (the XLSX, a monthly statement)
are attached.  STARTTLS when configured, a login only when a user name is set (the password
is a secret: ``SYNCD_RECONCILE__SMTP__PASSWORD``, ``password_file`` or the credential
``smtp-password``).  A failure raises :class:`~syncd.core.errors.ReportError`; the run itself is
already stored.
:func:`send_mail` is the SMTP exchange itself, shared with the alert mail.
"""

from __future__ import annotations

import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from syncd.core.errors import ReportError

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Secret(Protocol):
    def get_secret_value(self) -> str: ...


class MailServer(Protocol):
    """What sending needs of the SMTP settings (``reconcile.smtp``; passed in by the caller,
    so this L3 module does not import the settings)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def starttls(self) -> bool: ...
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> Secret | None: ...
    @property
    def sender(self) -> str: ...
    @property
    def to(self) -> Sequence[str]: ...
    @property
    def timeout_s(self) -> float: ...


def build_message(
    smtp: MailServer,
    subject: str,
    html_file: Path,
    attachments: Sequence[Path] = (),
    note: str = "",
) -> EmailMessage:
    files = list(attachments) or [html_file]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender or smtp.username or "syncd"
    message["To"] = ", ".join(smtp.to)
    names = "、".join(f.name for f in files)
    text = f"{subject}\n\n报告见附件 / the reports are attached: {names}\n"
    message.set_content(text + (f"\n{note}\n" if note else ""))
    message.add_alternative(html_file.read_text(encoding="utf-8"), subtype="html")
    for path in files:
        kind = _XLSX if path.suffix == ".xlsx" else mimetypes.guess_type(path.name)[0]
        maintype, subtype = (kind or "application/octet-stream").split("/", 1)
        message.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return message


def send_report(
    smtp: MailServer,
    subject: str,
    html_file: Path,
    attachments: Sequence[Path] = (),
    note: str = "",
) -> None:
    """Send the report to ``smtp.to`` (``attachments`` default to the HTML report itself)."""
    message = build_message(smtp, subject, html_file, attachments, note)
    try:
        send_mail(smtp, message)
    except (smtplib.SMTPException, OSError) as exc:
        raise ReportError(f"对账报告邮件发送失败：{type(exc).__name__}") from exc


def send_mail(smtp: MailServer, message: EmailMessage) -> None:
    """Send ``message`` (to its own To: addresses) through ``smtp``: STARTTLS when configured,
    a login when a user name is set.  Raises smtplib's errors and OSError (the caller says
    what failed); also used by the alert mail."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as server:
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
        if smtp.username:
            password = smtp.password.get_secret_value() if smtp.password else ""
            server.login(smtp.username, password)
        server.send_message(message)
