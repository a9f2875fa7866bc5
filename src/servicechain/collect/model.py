"""What the collection modules hand each other: a validated submission and its receipt."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["touchpoint", "customer"]
SITE_CLIENT = 0
"""``client_id`` of the survey pages of this site (intake API keys have ids from 1)."""


@dataclass(frozen=True)
class Submission:
    """One validated customer or touchpoint response, ready to be stored.

    ``row`` holds the columns of ``touchpoint_response`` or ``customer_response`` except
    ``id``, ``source_key`` and ``import_id`` (the committer sets those); answers are keyed by
    item key, None for "not applicable". ``contact`` is how the customer asked to be called
    back (kept on an alert only, never on the response).
    """

    kind: Kind
    client_id: int
    idempotency_key: str
    unit_id: int
    row: dict[str, Any]
    body_hash: str
    contact: str | None = None
    unit_code: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """The stored response of a submission: new, or the one stored before under the same key."""

    kind: str
    response_id: int
    replayed: bool
    alerts: int = 0
    conflict: bool = False
    """True when the key was used before for a different request (nothing was stored)."""
