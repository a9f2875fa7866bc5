"""Alert e-mails: who receives them, the text in their language, sending through SMTP.

Recipients are the manager accounts nearest to the alert's unit (unit and regional managers
on the unit itself, else on its parent, and so on up the tree; disabled accounts never), plus
``alert_email_to``. Each gets the text in their account's language (else the installation's):
one message per language. The subject never carries the customer's contact.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import sqlalchemy as sa

from servicechain.collect.rules import AlertRule
from servicechain.settings import Settings
from servicechain.store import schema

MANAGER_ROLES = ("unit-manager", "regional-manager")
SMTP_TIMEOUT = 20.0

TEXTS = {
    "nl": {
        "subject": "[servicechain] Melding voor {unit}: {rule}",
        "intro": "Er is een nieuwe melding voor {unit} ({code}).",
        "rule": "Regel", "summary": "Samenvatting", "comment": "Opmerking", "contact": "Terugbellen via",
        "raised": "Ontvangen", "none": "geen",
        "act": "Bevestig de melding en handel haar af op {link}",
        "why": "U ontvangt dit bericht omdat u manager bent van deze vestiging of regio.",
    },
    "en": {
        "subject": "[servicechain] Alert for {unit}: {rule}",
        "intro": "There is a new alert for {unit} ({code}).",
        "rule": "Rule", "summary": "Summary", "comment": "Comment", "contact": "Call back on",
        "raised": "Raised", "none": "none",
        "act": "Acknowledge and resolve the alert on {link}",
        "why": "You receive this message because you manage this location or region.",
    },
}  # fmt: skip



class MailFailed(Exception):
    """The SMTP server could not be reached or refused the message."""


def recipients(connection: sa.Connection, alert: dict[str, Any], settings: Settings) -> dict[str, list[str]]:
    """``{language: [address, ...]}``: the nearest managers of the alert's unit and ``alert_email_to``."""
    user = schema.app_user
    ancestors = [int(part) for part in str(alert["unit_path"]).strip("/").split("/") if part]
    found: dict[str, str] = {}
    for unit_id in reversed(ancestors):
        rows = connection.execute(
            sa.select(user.c.email, user.c.language).where(
                user.c.unit_id == unit_id, user.c.role.in_(MANAGER_ROLES), user.c.disabled_at.is_(None)
            )
        )
        for row in rows:  # fmt: skip
            found[row.email.lower()] = row.language if row.language in TEXTS else settings.language
        if found:
            break
    for address in settings.alert_email_to:
        found.setdefault(address.strip().lower(), settings.language)
    by_language: dict[str, list[str]] = {}
    for address, language in sorted(found.items()):
        by_language.setdefault(language, []).append(address)
    return by_language


def message(alert: dict[str, Any], rules: dict[str, AlertRule], settings: Settings, language: str,
            to: list[str]) -> EmailMessage:  # fmt: skip
    """The alert e-mail in ``language`` to ``to``."""
    text = TEXTS[language]
    rule = rules.get(alert["rule"])
    rule_name = rule.name(language) if rule else alert["rule"]
    unit = alert["unit_name"]
    mail = EmailMessage()
    mail["Subject"] = " ".join(text["subject"].format(unit=unit, rule=rule_name).split())  # no line breaks
    mail["From"] = settings.smtp_from
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    lines = [
        text["intro"].format(unit=unit, code=alert["unit_code"]), "",
        f"{text['rule']}: {rule_name}",
        f"{text['summary']}: {alert['summary']}",
        f"{text['comment']}: {alert['comment'] or text['none']}",
        f"{text['contact']}: {alert['contact'] or text['none']}",
        f"{text['raised']}: {alert['raised_at']:%Y-%m-%d %H:%M} UTC", "",
        text["act"].format(link=f"{settings.site_url}/alerts"), "", "-- ", text["why"],
    ]  # fmt: skip
    mail.set_content("\n".join(lines))
    return mail


def _connect(settings: Settings) -> smtplib.SMTP:
    assert settings.smtp_host is not None
    context = ssl.create_default_context()
    if settings.smtp_port == 465:  # implicit TLS ("SMTPS")
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT,
                                              context=context)  # fmt: skip
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
        if settings.smtp_starttls:
            smtp.starttls(context=context)
    if settings.smtp_username:
        smtp.login(settings.smtp_username, settings.smtp_password or "")
    return smtp


def send_alert_mail(connection: sa.Connection, alert: dict[str, Any], rules: dict[str, AlertRule],
                    settings: Settings) -> int:  # fmt: skip
    """Send the alert's e-mails (one per language); how many addresses. MailFailed on any failure."""
    groups = recipients(connection, alert, settings)
    if not groups:
        return 0  # nobody to tell: counts as sent, or it would be tried forever
    try:
        with _connect(settings) as smtp:
            for language, to in groups.items():
                refused = smtp.send_message(message(alert, rules, settings, language, to))
                if refused:
                    raise MailFailed(f"refused: {', '.join(sorted(refused))}")
    except (OSError, smtplib.SMTPException) as error:
        raise MailFailed(str(error) or type(error).__name__) from None
    return sum(len(to) for to in groups.values())
