"""The five roles and what each may see."""

from __future__ import annotations

from typing import Literal

Role = Literal["executive", "analyst", "regional-manager", "unit-manager", "employee"]
ROLES: tuple[Role, ...] = ("executive", "analyst", "regional-manager", "unit-manager", "employee")

ROLE_LABELS: dict[str, dict[str, str]] = {
    "executive": {"nl": "directie", "en": "executive"},
    "analyst": {"nl": "analist", "en": "analyst"},
    "regional-manager": {"nl": "regiomanager", "en": "regional manager"},
    "unit-manager": {"nl": "vestigingsmanager", "en": "unit manager"},
    "employee": {"nl": "medewerker", "en": "employee"},
}

WHOLE_ORGANISATION: frozenset[str] = frozenset({"executive", "analyst"})
"""Roles that see every unit, whatever unit their account hangs under."""


def sees_scores(role: str) -> bool:
    """Employees see no scores; every other role sees those of its subtree."""
    return role != "employee"


def sees_everything(role: str) -> bool:
    """Executives and analysts see the whole organisation."""
    return role in WHOLE_ORGANISATION


def imports_files(role: str) -> bool:
    """Only analysts import files (on the imports page or through the API)."""
    return role == "analyst"
