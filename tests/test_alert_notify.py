"""Alert notifications over real sockets: a webhook to a local HTTP server (signature checked here,
independently; retried after a 500; given up), e-mail to a local SMTP server (aiosmtpd), the
background dispatcher picking up what was left before a restart."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage as Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from alert_helpers import respond
from factories import seed_organisation
from web_support import free_port, wait_for

from servicechain.accounts.users import add_user, disable_user, set_language
from servicechain.collect.alerts import list_alerts
from servicechain.collect.notify import AlertDispatcher, send_pending
from servicechain.settings import Settings
from servicechain.store import Store, schema

SECRET = "webhook-secret-for-tests"


class Hook:
    """A local HTTP server that records every POST and answers the next status of ``statuses``."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.received = statuses, []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append((dict(self.headers), body))
                status = hook.statuses.pop(0) if len(hook.statuses) > 1 else hook.statuses[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/servicechain"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def organisation(store: Store, tmp_path: Path) -> Store:
    seed_organisation(store, tmp_path)
    return store


def settings_for(store: Store, **values: Any) -> Settings:
    return Settings(database_url=store.url, secret_key="the-app-secret-0123456789", **values)


def verify(header: str, body: bytes, secret: str, tolerance: float = 300) -> bool:
    """Verify X-Servicechain-Signature as a receiver would (the recipe of docs/alerts.md)."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < tolerance


def test_webhook_signed_and_retried_after_a_500(organisation: Store) -> None:
    hook = Hook([500, 200])
    try:
        settings = settings_for(organisation, alert_webhook_url=hook.url, alert_webhook_secret=SECRET,
                                public_url="https://cx.example.nl/")  # fmt: skip
        [alert_id] = respond(
            organisation, "touchpoint", "L-UTR", contact="06-1", satisfaction=1, channel="phone"
        )
        first = send_pending(organisation, settings, retry_base=0)
        assert (first.webhooks, first.failures) == (0, 1)
        assert (
            list_alerts(organisation)[0]["attempts"] == 1
            and list_alerts(organisation)[0]["webhook_sent_at"] is None
        )
        second = send_pending(organisation, settings, retry_base=0)
        assert (second.webhooks, second.failures) == (1, 0)
        assert send_pending(organisation, settings, retry_base=0).webhooks == 0, "sent once"
        assert len(hook.received) == 2
        headers, body = hook.received[-1]
        assert headers["Content-Type"] == "application/json"
        assert verify(headers["X-Servicechain-Signature"], body, SECRET)
        assert not verify(headers["X-Servicechain-Signature"], body.replace(b"L-UTR", b"L-AMF"), SECRET)
        assert not verify(headers["X-Servicechain-Signature"], body, "the-app-secret-0123456789")
        payload = json.loads(body)
        assert payload["id"] == alert_id and payload["unit"] == {"code": "L-UTR", "name": "Utrecht Centraal"}
        assert payload["rule"] == "unhappy_touchpoint" and payload["summary"] == "satisfaction 1/5 · phone"
        assert payload["rule_name"]["en"] == "Unhappy after an interaction"
        assert payload["url"] == "https://cx.example.nl/alerts" and payload["raised_at"].endswith("Z")
        assert "06-1" not in body.decode(), "no customer contact in the webhook"
        assert list_alerts(organisation)[0]["webhook_sent_at"] is not None
    finally:
        hook.close()


def test_back_off_then_give_up(organisation: Store, caplog: pytest.LogCaptureFixture) -> None:
    hook = Hook([503])
    try:
        settings = settings_for(organisation, alert_webhook_url=hook.url, alert_webhook_secret=SECRET)
        respond(organisation, "customer", "L-AMF", recommend=0)
        assert send_pending(organisation, settings, retry_base=3600).failures == 1
        waiting = send_pending(organisation, settings, retry_base=3600)
        assert waiting.failures == 0 and waiting.next_due is not None and waiting.next_due > 3500
        assert len(hook.received) == 1, "not retried before its back-off"
        for _ in range(3):
            send_pending(organisation, settings, retry_base=0, max_attempts=3)
        assert len(hook.received) == 3 and list_alerts(organisation)[0]["attempts"] == 3
        assert "giving up after 3 attempts (webhook: HTTP 503)" in caplog.text
        headers, body = hook.received[0]
        assert verify(headers["X-Servicechain-Signature"], body, SECRET)
    finally:
        hook.close()


def test_no_webhook_without_its_own_secret(organisation: Store, caplog: pytest.LogCaptureFixture) -> None:
    """Never signed with the secret key: whoever checks the webhook could then sign sessions."""
    hook = Hook([200])
    try:
        settings = settings_for(organisation, alert_webhook_url=hook.url)
        respond(organisation, "customer", "L-AMF", recommend=0)
        assert send_pending(organisation, settings, retry_base=0, max_attempts=1).failures == 1
        assert hook.received == [] and "ALERT_WEBHOOK_SECRET" in caplog.text
    finally:
        hook.close()


class Inbox:
    """aiosmtpd handler keeping every message with its envelope."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_email_to_the_nearest_managers_in_their_language(
    organisation: Store, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    store = organisation
    ahmed = add_user(store, "ahmed@example.nl", "unit-manager", "L-UTR")
    set_language(store, ahmed, "en")
    add_user(store, "gone@example.nl", "unit-manager", "L-UTR")
    disable_user(store, "gone@example.nl")
    add_user(store, "regio@example.nl", "regional-manager", "R-MID")
    add_user(store, "staff@example.nl", "employee", "T-UTR-1")
    settings = settings_for(store, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                            smtp_from="alerts@winkelketen.nl", alert_email_to=["CX@example.nl"],
                            language="nl")  # fmt: skip
    respond(store, "touchpoint", "T-UTR-1", contact="06-9876", satisfaction=2, channel="in_person",
            comment="De kassamedewerker was onbeschoft")  # fmt: skip
    report = send_pending(store, settings)
    assert report.emails == 2 and report.failures == 0
    by_rule: dict[str, dict[str, Message]] = {}
    for rcpt, mail in inbox.messages:
        assert mail["From"] == "alerts@winkelketen.nl"
        assert "06-9876" not in mail["Subject"], "no customer contact in the subject"
        by_rule.setdefault(mail["Subject"], {})[",".join(sorted(rcpt))] = mail
    recipients = sorted({",".join(sorted(rcpt)) for rcpt, _ in inbox.messages})
    assert recipients == ["ahmed@example.nl", "cx@example.nl"], "nearest managers (the location's) plus extra"
    english = next(mail for rcpt, mail in inbox.messages if rcpt == ["ahmed@example.nl"]
                   and "Unhappy" in mail["Subject"])  # fmt: skip
    assert (
        english["Subject"]
        == "[servicechain] Alert for Utrecht Centraal - Winkelvloer: Unhappy after an interaction"
    )
    text = english.get_content()
    assert "Summary: satisfaction 2/5 · in_person" in text and "Call back on: 06-9876" in text
    assert "Comment: De kassamedewerker was onbeschoft" in text and "/alerts" in text
    dutch = next(
        mail for rcpt, mail in inbox.messages if rcpt == ["cx@example.nl"] and "Klacht" in mail["Subject"]
    )
    assert (
        dutch["Subject"]
        == "[servicechain] Melding voor Utrecht Centraal - Winkelvloer: Klacht in de opmerking"
    )
    assert "Terugbellen via: 06-9876" in dutch.get_content()
    # Amersfoort has no manager account: its region's manager hears of it
    inbox.messages.clear()
    respond(store, "customer", "L-AMF", recommend=3)
    send_pending(store, settings)
    assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == ["cx@example.nl", "regio@example.nl"]
    assert all(a["email_sent_at"] is not None for a in list_alerts(store))


def test_unreachable_smtp_server_is_retried(organisation: Store) -> None:
    settings = settings_for(organisation, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False,
                            alert_email_to=["cx@example.nl"])  # fmt: skip
    respond(organisation, "customer", "L-AMF", recommend=3)
    report = send_pending(organisation, settings, retry_base=0)
    assert report.failures == 1 and list_alerts(organisation)[0]["email_sent_at"] is None


def test_dispatcher_sends_what_was_left_before_a_restart_and_wakes_for_new_alerts(
    organisation: Store, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    hook = Hook([200])
    settings = settings_for(organisation, alert_webhook_url=hook.url, alert_webhook_secret=SECRET,
                            smtp_host="127.0.0.1", smtp_port=port,
                            smtp_starttls=False, alert_email_to=["cx@example.nl"])  # fmt: skip
    [left] = respond(organisation, "customer", "L-UTR", recommend=2)  # raised while no server ran
    dispatcher = AlertDispatcher(organisation, settings, poll_seconds=600, retry_base=0.1)
    try:
        wait_for(lambda: len(hook.received) == 1 and len(inbox.messages) == 1, timeout=15)
        [fresh] = respond(organisation, "customer", "L-AMF", recommend=1)
        dispatcher.wake()
        wait_for(lambda: len(hook.received) == 2 and len(inbox.messages) == 2, timeout=15)
        assert [json.loads(body)["id"] for _, body in hook.received] == [left, fresh]
    finally:
        dispatcher.close()
        hook.close()
    alert = schema.alert
    with organisation.engine.connect() as connection:
        unsent = sa.or_(alert.c.webhook_sent_at.is_(None), alert.c.email_sent_at.is_(None))
        pending = connection.execute(sa.select(sa.func.count()).where(unsent)).scalar_one()
    assert pending == 0
