"""A real SMTP server on loopback (aiosmtpd) that records what it accepted and can refuse."""

import asyncio
import email
import email.policy
import threading
import time
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.kit.servers import free_port


class Mailbox:
    """What the server accepted, raw as on the wire, and the answers it should give.

    `temporary[address] = n` answers 451 to that address's first n attempts;
    `permanent` holds addresses answered with 550; `hold_at = n` keeps the reply
    to the n-th DATA until `release()` and then refuses it, as a server that
    never got to queue the message.
    """

    def __init__(self):
        self.accepted = []  # (envelope recipients, raw bytes, time.time() of acceptance)
        self.temporary = {}
        self.permanent = set()
        self.hold_at = None
        self.held = threading.Event()
        self._released = threading.Event()
        self._data_count = 0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            if address in self.permanent:
                return "550 5.1.1 Mailbox unavailable"
            if self.temporary.get(address, 0) > 0:
                self.temporary[address] -= 1
                return "451 4.7.1 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self._data_count += 1
            hold = self._data_count == self.hold_at
        if hold:
            self.held.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Not queued"
        with self._lock:
            self.accepted.append((list(envelope.rcpt_tos), envelope.content, time.time()))
        return "250 2.0.0 Queued"

    def release(self):
        self._released.set()

    def raw(self):
        return [content for _, content, _ in self.accepted]

    def messages(self):
        return [
            email.message_from_bytes(content, policy=email.policy.default) for content in self.raw()
        ]

    def recipients(self):
        return [address for rcpt_tos, _, _ in self.accepted for address in rcpt_tos]


def text_of(message):
    """Return an e-mail's plain-text part, its wire line ends (CRLF) read as newlines."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message):
    """Return an e-mail's HTML part."""
    return message.get_body(("html",)).get_content()


@contextmanager
def smtp_server():
    """Run an SMTP server on a free loopback port; yield (mailbox, "smtp://127.0.0.1:port")."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, f"smtp://127.0.0.1:{port}"
    finally:
        mailbox.release()
        controller.stop()


def wait_for(condition, timeout=120):
    """Wait until condition() is true; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.05)
