"""A real SMTP server for the tests of outgoing mail (aiosmtpd), not Django's locmem outbox.

A test module imports the fixture and asks for it by name:

    from tawasul.core.tests.smtp import smtp_server  # noqa: F401

    def test_it_arrives(smtp_server, ...):
        ...  # send through the application's code
        (received,) = smtp_server.messages
        assert received.to == ["sara@example.com"] and "مرحبا" in received.text

`smtp_server` starts an aiosmtpd `Controller` on 127.0.0.1 on a free port, points Django's SMTP
backend at it for the test (no TLS, no login) and stops it afterwards. Each message it accepts is
kept as it came over the wire, parsed with the standard `email` package, so the tests read the
decoded subject and parts a mail client would show. aiosmtpd is a development dependency
(requirements/dev.txt) and imported plainly: missing, the tests fail rather than skip.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

__all__ = ["Received", "SMTPServer", "smtp_server"]


@dataclass(frozen=True)
class Received:
    """One message as the server received it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> list[str]:
        return list(self.rcpt_tos)

    @property
    def subject(self) -> str:
        """The decoded subject (RFC 2047), as a mail client shows it. Read from the raw header:
        the default policy keeps the folding space Django puts before a long encoded subject
        ("Subject: \\n =?utf-8?b?...?="), which no client displays."""
        raw = next((v for k, v in self.message.raw_items() if k.lower() == "subject"), "")
        return str(make_header(decode_header(raw)))

    def _part(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None else ""

    @property
    def text(self) -> str:
        """The decoded text/plain part (the whole body of a single-part mail)."""
        return self._part("plain")

    @property
    def html(self) -> str:
        """The decoded text/html alternative, or "" when the mail has none."""
        return self._part("html")


@dataclass
class SMTPServer:
    """What the fixture hands a test: where the server listens and what it received."""

    host: str
    port: int
    messages: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to(self, address: str) -> list[Received]:
        """The messages whose envelope names `address`."""
        with self._lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    # aiosmtpd calls this from its own thread (its event loop), once per accepted message.
    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.messages.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=parsed,  # type: ignore[arg-type]
                )
            )
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server on 127.0.0.1 that Django's mail goes to for this test."""
    host = "127.0.0.1"
    server = SMTPServer(host=host, port=_free_port(host))
    controller = Controller(
        server,
        hostname=host,
        port=server.port,
        server_hostname="localhost",  # not the machine's FQDN: no DNS look-up on start
        ready_timeout=10,
    )
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        controller.stop()
