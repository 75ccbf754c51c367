"""Mail the HTML report through SMTP (``reconcile.smtp``; stdlib smtplib).

STARTTLS when configured, a login only when a user name is set (the password is a secret:
``SYNCD_RECONCILE__SMTP__PASSWORD``, ``password_file`` or the credential ``smtp-password``).
A failure raises :class:`~syncd.core.errors.ReportError`; the run itself is already stored.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from syncd.config.settings import SmtpSettings
from syncd.core.errors import ReportError


def build_message(smtp: SmtpSettings, subject: str, html_file: Path) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender or smtp.username or "syncd"
    message["To"] = ", ".join(smtp.to)
    message.set_content(f"{subject}\n\n报告见附件 / the report is attached: {html_file.name}\n")
    message.add_alternative(html_file.read_text(encoding="utf-8"), subtype="html")
    message.add_attachment(html_file.read_bytes(), maintype="text", subtype="html",
                           filename=html_file.name)  # fmt: skip
    return message


def send_report(smtp: SmtpSettings, subject: str, html_file: Path) -> None:
    """Send the report to ``smtp.to``."""
    message = build_message(smtp, subject, html_file)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                password = smtp.password.get_secret_value() if smtp.password else ""
                server.login(smtp.username, password)
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise ReportError(f"对账报告邮件发送失败：{type(exc).__name__}") from exc
