"""What the public survey form needs: its questions from the instrument, the form turned into an
intake body, signed one-time nonces, a per-address throttle and the reward code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from servicechain.collect.links import Link
from servicechain.collect.responses import Problem
from servicechain.instruments import load_default_instruments

NONCE_MAX_AGE = 24 * 3600
NOT_APPLICABLE = "na"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_NUMBER = re.compile(r"^-?\d{1,3}$")


class FormNonces:
    """One random nonce per rendered form, signed with the secret key for one link and 24 hours."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="servicechain.survey-form")

    def issue(self, link_key: str) -> str:
        """A new signed nonce for a form of ``link_key``."""
        return self._serializer.dumps({"l": link_key, "n": secrets.token_urlsafe(16)})

    def open(self, token: str, link_key: str) -> str | None:
        """The nonce inside ``token``; None when forged, older than 24 hours or made for another link."""
        try:
            payload = self._serializer.loads(token, max_age=NONCE_MAX_AGE)
        except BadSignature:
            return None
        if (
            not isinstance(payload, dict)
            or payload.get("l") != link_key
            or not isinstance(payload.get("n"), str)
        ):
            return None
        return str(payload["n"])


class SubmissionThrottle:
    """At most ``limit`` submissions per ``window`` seconds from one address to one link."""

    def __init__(self, limit: int = 30, window: float = 60.0, max_tracked: int = 50_000) -> None:
        self.limit, self.window, self.max_tracked = limit, window, max_tracked
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, address: str, link_key: str) -> int:
        """0 and count this submission, or how many seconds to wait before the next one."""
        moment = time.monotonic()
        with self._lock:
            if len(self._seen) >= self.max_tracked:
                self._forget(moment)
            times = self._seen.setdefault((address, link_key), deque())
            while times and moment - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, int(self.window - (moment - times[0])) + 1)
            times.append(moment)
            return 0

    def _forget(self, moment: float) -> None:
        for name in [
            name for name, times in self._seen.items() if not times or moment - times[-1] >= self.window
        ]:
            del self._seen[name]
        if len(self._seen) >= self.max_tracked:  # a flood of addresses: start afresh rather than grow
            self._seen.clear()


def reward_code(secret_key: str, nonce: str) -> str:
    """The personal reward code of one stored answer: HMAC-SHA256(secret, "reward:" + nonce), its
    first 40 bits as 8 Crockford base-32 characters, ``XXXX-XXXX`` (no I, L, O or U to misread)."""
    digest = hmac.new(secret_key.encode(), f"reward:{nonce}".encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest[:5]).decode().translate(str.maketrans(_STANDARD, CROCKFORD))
    return f"{text[:4]}-{text[4:]}"


def _options(scale: Any, language: str) -> tuple[list[dict[str, Any]], tuple[str, str] | None]:
    labels = scale.labels.get(language) or scale.labels.get("en") or []
    points = list(range(scale.min, scale.max + 1))
    if len(labels) == len(points):
        return [{"value": str(p), "label": label} for p, label in zip(points, labels, strict=True)], None
    ends = (labels[0], labels[-1]) if len(labels) >= 2 else None
    return [{"value": str(p), "label": None} for p in points], ends


def survey(instrument_key: str, language: str, given: Mapping[str, Any], problems: list[Problem],
           _: Callable[..., str]) -> dict[str, Any]:  # fmt: skip
    """The questions of the form in ``language``, with the answers ``given`` and a message per item."""
    instrument = load_default_instruments()[instrument_key]
    by_field = {p.field: _(p.message, **p.values) for p in problems}
    items = []
    for number, item in enumerate(instrument.items, start=1):
        scale = instrument.scales[item.scale]
        options, ends = _options(scale, language)
        items.append({
            "key": item.key, "number": number, "text": getattr(item, language), "options": options,
            "ends": ends, "numbers": ends is not None or not options[0]["label"],
            "not_applicable": scale.not_applicable and not item.required, "required": item.required,
            "chosen": str(given.get(f"answers.{item.key}", "")), "error": by_field.get(f"answers.{item.key}"),
        })  # fmt: skip
    known = {f"answers.{item.key}" for item in instrument.items} | {"comment", "contact"}
    general = [message for name, message in by_field.items() if name not in known]
    return {"name": getattr(instrument.name, language), "items": items, "total": len(items),
            "general": general, "comment_error": by_field.get("comment"),
            "contact_error": by_field.get("contact")}  # fmt: skip


def _answer(value: Any) -> Any:
    if value is None or value == "" or value == NOT_APPLICABLE:
        return None
    text = str(value).strip()
    return int(text) if _NUMBER.match(text) else text


def body_of(link: Link, given: Mapping[str, Any]) -> dict[str, Any]:
    """The intake body (:mod:`servicechain.collect.responses`) of a posted form of ``link``."""
    instrument = load_default_instruments()[link.instrument_key]
    body: dict[str, Any] = {
        "unit": link.unit_code,
        "answers": {item.key: _answer(given.get(f"answers.{item.key}")) for item in instrument.items},
        "comment": given.get("comment") or None,
    }
    if link.channel is not None:
        body["channel"] = link.channel
    if link.instrument_key == "touchpoint":
        body["contact"] = given.get("contact") or None
    return body
