"""A minimal SMTP server on 127.0.0.1 for the report mail tests (EHLO, AUTH PLAIN, MAIL,
RCPT, DATA): it records the logins and the messages it was given."""

from __future__ import annotations

import base64
import email
import socketserver
import threading
from collections.abc import Iterator
from email.message import Message


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: records the login and the message."""

    server: SmtpServer

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


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.logins: list[str] = []
        self.messages: list[bytes] = []


def serving() -> Iterator[SmtpServer]:
    """A server on a free loopback port until the generator is closed (``yield from`` it
    in a fixture)."""
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def messages(server: SmtpServer) -> list[Message]:
    return [email.message_from_bytes(raw) for raw in server.messages]
