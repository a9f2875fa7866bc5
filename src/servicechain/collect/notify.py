"""Alert notifications: an HMAC-signed webhook and an e-mail to the unit's managers (outbox pattern).

The ``alert`` table is the outbox. :func:`send_pending` sends every open alert of the last
48 hours whose ``webhook_sent_at`` / ``email_sent_at`` is empty (for the configured
channels), then sets that column; a failure raises ``attempts`` and the alert is tried again
after a back-off (30 s, 1, 2, 4 ... minutes, at most an hour apart) until
:data:`MAX_ATTEMPTS`, then given up with a line in the log. All state is in the table, so a
restart loses nothing. On PostgreSQL a row is locked while it is sent (``FOR UPDATE SKIP
LOCKED``): several servers never send one alert twice.

:class:`AlertDispatcher` runs :func:`send_pending` in a background thread of the web server
(woken at once when the intake stores an alert); ``servicechain alerts send`` runs it once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.collect.mail import send_alert_mail
from servicechain.collect.rules import AlertRule, load_rules
from servicechain.settings import Settings
from servicechain.store import Store, schema

log = logging.getLogger("servicechain.alerts")
MAX_ATTEMPTS = 8
MAX_AGE = timedelta(hours=48)
"""Older alerts are not sent (for example when a channel is configured later)."""
WEBHOOK_TIMEOUT = 10.0


class WebhookFailed(Exception):
    """The webhook did not answer 2xx."""


@dataclass
class SendReport:
    """What one round of :func:`send_pending` did."""

    webhooks: int = 0
    emails: int = 0
    failures: int = 0
    given_up: int = 0
    next_due: float | None = None
    """Seconds until the next retry is due (None: nothing waits)."""


def retry_delay(attempts: int, base: float) -> float:
    """Seconds from raised to the next try after ``attempts`` failures (doubling, steps of at most
    an hour)."""
    return sum(min(base * 2**step, 3600.0) for step in range(attempts))


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """``X-Servicechain-Signature``: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (Stripe's scheme)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_body(alert: dict[str, Any], rules: dict[str, AlertRule], settings: Settings) -> bytes:
    """The JSON the webhook receives (no customer contact: webhooks often land in chat rooms)."""
    rule = rules.get(alert["rule"])
    names = rule.names if rule else {"nl": alert["rule"], "en": alert["rule"]}
    payload = {
        "id": alert["id"], "unit": {"code": alert["unit_code"], "name": alert["unit_name"]},
        "rule": alert["rule"], "rule_name": names,
        "source": alert["source"], "summary": alert["summary"], "comment": alert["comment"],
        "raised_at": alert["raised_at"].isoformat() + "Z", "url": f"{settings.site_url}/alerts",
    }  # fmt: skip
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post_webhook(settings: Settings, body: bytes) -> None:
    """POST ``body`` to the webhook, signed; WebhookFailed unless it answers 2xx."""
    assert settings.alert_webhook_url is not None
    secret = settings.alert_webhook_secret
    if not secret:  # never the secret key: whoever verifies the webhook could then forge sessions
        raise WebhookFailed("set SERVICECHAIN_ALERT_WEBHOOK_SECRET: the receiver checks signatures with it")
    request = urllib.request.Request(settings.alert_webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "servicechain-alerts",
        "X-Servicechain-Signature": signature(secret, body, int(time.time()))})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        raise WebhookFailed(f"HTTP {error.code}") from None
    except (OSError, ValueError) as error:
        raise WebhookFailed(str(getattr(error, "reason", error))) from None
    if not 200 <= status < 300:
        raise WebhookFailed(f"HTTP {status}")


def _pending(store: Store, settings: Settings, now: datetime, max_attempts: int) -> list[dict[str, Any]]:
    alert = schema.alert
    waiting = []
    if settings.alert_webhook_url:
        waiting.append(alert.c.webhook_sent_at.is_(None))
    if settings.smtp_host:
        waiting.append(alert.c.email_sent_at.is_(None))
    if not waiting:
        return []
    query = sa.select(alert.c.id, alert.c.raised_at, alert.c.attempts).where(
        sa.or_(*waiting), alert.c.resolved_at.is_(None), alert.c.attempts < max_attempts,
        alert.c.raised_at >= now - MAX_AGE).order_by(alert.c.id)  # fmt: skip
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def _row(connection: sa.Connection, alert_id: int, lock: bool) -> dict[str, Any] | None:
    alert, unit = schema.alert, schema.org_unit
    query = sa.select(alert, unit.c.code.label("unit_code"), unit.c.name.label("unit_name"),
                      unit.c.path.label("unit_path")).join(unit, unit.c.id == alert.c.unit_id).where(
        alert.c.id == alert_id, alert.c.resolved_at.is_(None))  # fmt: skip
    if lock:
        query = query.with_for_update(skip_locked=True, of=alert)
    row = connection.execute(query).first()
    return None if row is None else dict(row._mapping)


def _send(connection: sa.Connection, alert: dict[str, Any], settings: Settings, rules: dict[str, AlertRule],
          now: datetime) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    """Send what this alert still needs; the columns to set and the failures."""
    done: dict[str, Any] = {}
    problems: list[str] = []
    if settings.alert_webhook_url and alert["webhook_sent_at"] is None:
        try:
            post_webhook(settings, webhook_body(alert, rules, settings))
            done["webhook_sent_at"] = now
        except Exception as error:  # whatever went wrong, it is recorded and tried again later
            problems.append(f"webhook: {error}")
    if settings.smtp_host and alert["email_sent_at"] is None:
        try:
            send_alert_mail(connection, alert, rules, settings)
            done["email_sent_at"] = now
        except Exception as error:  # a refused address, a header the mail library rejects, ...
            problems.append(f"e-mail: {error}")
    return done, problems


def _deliver(store: Store, alert_id: int, settings: Settings, rules: dict[str, AlertRule], now: datetime,
             max_attempts: int) -> tuple[dict[str, Any], list[str]] | None:  # fmt: skip
    """Send one alert and record it; None when another process has it or it was resolved."""
    locking = store.dialect == "postgresql"
    with store.transaction() as connection:
        alert = _row(connection, alert_id, lock=locking)
        if alert is None:
            return None
        if locking:  # the row stays locked until the columns are set
            done, problems = _send(connection, alert, settings, rules, now)
            _record(connection, alert, done, problems, max_attempts)
            return done, problems
    # DuckDB (one process): no transaction held open while sending, so nobody's write waits
    with store.engine.connect() as connection:
        done, problems = _send(connection, alert, settings, rules, now)
    with store.transaction() as connection:
        _record(connection, alert, done, problems, max_attempts)
    return done, problems


def _record(connection: sa.Connection, alert: dict[str, Any], done: dict[str, Any], problems: list[str],
            max_attempts: int) -> None:  # fmt: skip
    values = dict(done)
    if problems:
        values["attempts"] = int(alert["attempts"]) + 1
        if values["attempts"] >= max_attempts:
            log.warning("alert %s: giving up after %s attempts (%s)", alert["id"], values["attempts"],
                        "; ".join(problems))  # fmt: skip
        else:
            log.info("alert %s: attempt %s failed (%s)", alert["id"], values["attempts"], "; ".join(problems))
    if values:
        connection.execute(schema.alert.update().where(schema.alert.c.id == alert["id"]).values(**values))


def send_pending(store: Store, settings: Settings, *, rules: list[AlertRule] | None = None,
                 retry_base: float = 30.0, max_attempts: int = MAX_ATTEMPTS,
                 now: datetime | None = None) -> SendReport:  # fmt: skip
    """Send every notification that is due now; what was sent and when the next retry is due."""
    moment = now or utc_now()
    by_key = {rule.key: rule for rule in (rules if rules is not None else load_rules(settings.alert_rules))}
    report = SendReport()
    for pending in _pending(store, settings, moment, max_attempts):
        due = pending["raised_at"] + timedelta(seconds=retry_delay(int(pending["attempts"]), retry_base))
        if due > moment:
            wait = (due - moment).total_seconds()
            report.next_due = wait if report.next_due is None else min(report.next_due, wait)
            continue
        outcome = _deliver(store, int(pending["id"]), settings, by_key, moment, max_attempts)
        if outcome is None:
            continue
        done, problems = outcome
        report.webhooks += "webhook_sent_at" in done
        report.emails += "email_sent_at" in done
        if problems:
            report.failures += 1
            attempts = int(pending["attempts"]) + 1
            if attempts >= max_attempts:
                report.given_up += 1
            else:
                wait = retry_delay(attempts, retry_base) - (moment - pending["raised_at"]).total_seconds()
                wait = max(wait, 0.0)
                report.next_due = wait if report.next_due is None else min(report.next_due, wait)
    return report


class AlertDispatcher:
    """Sends alert notifications in a background thread: every ``poll_seconds``, when a retry is due,
    and at once after :meth:`wake` (the intake calls it when it stored an alert)."""

    def __init__(self, store: Store, settings: Settings, *, poll_seconds: float = 30.0,
                 retry_base: float = 30.0, max_attempts: int = MAX_ATTEMPTS) -> None:  # fmt: skip
        self.store, self.settings = store, settings
        self.poll_seconds, self.retry_base, self.max_attempts = poll_seconds, retry_base, max_attempts
        self.rules = load_rules(settings.alert_rules)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-dispatcher", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for new alerts now."""
        self._wake.set()

    def close(self) -> None:
        """Stop after the alert being sent (what is not sent yet stays in the table)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            wait = self.poll_seconds
            try:
                report = send_pending(self.store, self.settings, rules=self.rules, retry_base=self.retry_base,
                                      max_attempts=self.max_attempts)  # fmt: skip
                if report.next_due is not None:
                    wait = min(wait, max(report.next_due, 0.05))
            except Exception:  # the database away for a moment: try again at the next round
                log.exception("sending alert notifications failed; trying again in %s s", wait)
            self._wake.wait(timeout=wait)
