"""Who may see what: the role decides the pages, the account's unit decides the subtree.

Executives and analysts see every unit; regional and unit managers the subtree of their
unit; employees no scores at all. A unit outside the caller's subtree does not exist for
them (404, the same answer as an unknown code), so its numbers cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from servicechain.accounts.roles import imports_files, sees_everything, sees_scores
from servicechain.accounts.users import User
from servicechain.web.i18n import N_


class PageError(Exception):
    """An error shown to people: an English message (marked with ``N_`` so the catalogue has it)
    with ``{name}`` fields; the pages and the API translate it into the caller's language."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message, self.values = message, values


class Forbidden(PageError):
    """The caller's role may not use this page or route (403)."""


class NotFound(PageError):
    """No such thing for this caller (404): unknown, or outside their subtree."""


@dataclass(frozen=True)
class Scope:
    """The units a user may see: everything, or the subtree below ``path``."""

    user: User
    path: str | None
    """Path of the user's unit ('/1/4/'); None for the whole organisation."""

    @classmethod
    def of(cls, user: User, units: pd.DataFrame) -> Scope:
        """The scope of ``user`` among ``units`` (indexed by code, with ``unit_id`` and ``path``)."""
        if sees_everything(user.role):
            return cls(user, None)
        paths = units.loc[units["unit_id"] == user.unit_id, "path"]
        return cls(user, str(paths.iloc[0]) if len(paths) else "/none/")

    def allows(self, path: str) -> bool:
        """True when the unit with this path is in the subtree."""
        return self.path is None or path.startswith(self.path)

    def mask(self, units: pd.DataFrame) -> pd.Series:
        """Boolean mask of the visible rows of a units frame."""
        if self.path is None:
            return pd.Series(True, index=units.index)
        return units["path"].str.startswith(self.path)


def require_scores(user: User) -> None:
    """Employees see no scores."""
    if not sees_scores(user.role):
        raise Forbidden(
            N_(
                "Employees see no scores: survey results are shown to managers, for groups large "
                "enough to keep every answer anonymous."
            )
        )


def require_whole_organisation(user: User) -> None:
    """Pages about the whole organisation: executives and analysts only."""
    if not sees_everything(user.role):
        raise Forbidden(N_("This page is for executives and analysts."))


def require_imports(user: User) -> None:
    """Imports: analysts only."""
    if not imports_files(user.role):
        raise Forbidden(N_("Imports are for analysts."))
