"""The report mail goes through a real SMTP exchange on 127.0.0.1 (a minimal server here:
EHLO, AUTH PLAIN, MAIL, RCPT, DATA), and an unreachable server is a ReportError."""

from __future__ import annotations

import email
import email.header
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from pydantic import SecretStr
from smtp_support import SmtpServer, serving

from syncd.config.settings import SmtpSettings
from syncd.core.errors import ReportError
from syncd.reconcile.mail import send_report


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from serving()


def _report(tmp_path: Path) -> Path:
    path = tmp_path / "reconcile-2026-11-25-run1.html"
    path.write_text("<html><body><h1>工伤联网结算对账</h1></body></html>", encoding="utf-8")
    return path


def test_the_html_report_is_mailed_with_a_login(smtp_server: SmtpServer, tmp_path: Path) -> None:
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=smtp_server.server_address[1],
        starttls=False,
        username="syncd",
        password=SecretStr("pw"),
        sender="syncd@example.org",
        to=["a@example.org", "b@example.org"],
    )
    send_report(smtp, "工伤联网结算对账 2026-11-25：全部一致", _report(tmp_path))
    assert smtp_server.logins == ["\0syncd\0pw"]
    (raw,) = smtp_server.messages
    message: Message = email.message_from_bytes(raw)
    assert message["To"] == "a@example.org, b@example.org"
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "工伤联网结算对账 2026-11-25：全部一致"
    html = [
        p.get_payload(decode=True) for p in message.walk() if p.get_content_type() == "text/html"
    ]
    assert html and all(isinstance(h, bytes) and "工伤联网结算对账" in h.decode() for h in html)


def test_an_unreachable_server_is_a_report_error(tmp_path: Path) -> None:
    server = SmtpServer()
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    smtp = SmtpSettings(
        host="127.0.0.1", port=port, starttls=False, to=["a@example.org"], timeout_s=2
    )
    with pytest.raises(ReportError, match="对账报告邮件发送失败"):
        send_report(smtp, "subject", _report(tmp_path))
