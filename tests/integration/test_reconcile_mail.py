"""The report mail goes through a real SMTP exchange on 127.0.0.1 (a minimal server here:
EHLO, AUTH PLAIN, MAIL, RCPT, DATA), and an unreachable server is a ReportError."""

from __future__ import annotations

import base64
import email
import email.header
import socketserver
import threading
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from pydantic import SecretStr

from syncd.config.settings import SmtpSettings
from syncd.core.errors import ReportError
from syncd.reconcile.mail import send_report


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: records the login and the message."""

    server: _Server

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 test ESMTP")
        while line := self.rfile.readline().decode().strip():
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._say("250-test\r\n250 AUTH PLAIN")
            elif verb == "AUTH":
                self.server.logins.append(base64.b64decode(line.split()[2]).decode())
                self._say("235 ok")
            elif verb == "DATA":
                self._say("354 go on")
                self.server.messages.append(self._data())
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line)
        return b"".join(lines)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Smtp)
        self.logins: list[str] = []
        self.messages: list[bytes] = []


@pytest.fixture
def smtp_server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _report(tmp_path: Path) -> Path:
    path = tmp_path / "reconcile-2026-11-25-run1.html"
    path.write_text("<html><body><h1>工伤联网结算对账</h1></body></html>", encoding="utf-8")
    return path


def test_the_html_report_is_mailed_with_a_login(smtp_server: _Server, tmp_path: Path) -> None:
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_server.server_address[1], starttls=False,
                        username="syncd", password=SecretStr("pw"), sender="syncd@example.org",
                        to=["a@example.org", "b@example.org"])  # fmt: skip
    send_report(smtp, "工伤联网结算对账 2026-11-25：全部一致", _report(tmp_path))
    assert smtp_server.logins == ["\0syncd\0pw"]
    (raw,) = smtp_server.messages
    message: Message = email.message_from_bytes(raw)
    assert message["To"] == "a@example.org, b@example.org"
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "工伤联网结算对账 2026-11-25：全部一致"
    html = [p.get_payload(decode=True) for p in message.walk()
            if p.get_content_type() == "text/html"]  # fmt: skip
    assert html and all(isinstance(h, bytes) and "工伤联网结算对账" in h.decode() for h in html)


def test_an_unreachable_server_is_a_report_error(tmp_path: Path) -> None:
    server = _Server()
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    smtp = SmtpSettings(host="127.0.0.1", port=port, starttls=False, to=["a@example.org"],
                        timeout_s=2)  # fmt: skip
    with pytest.raises(ReportError, match="对账报告邮件发送失败"):
        send_report(smtp, "subject", _report(tmp_path))
