"""Accounts: users with a role and an org unit, API tokens, the audit log.

Below the web application and the CLI, above the store: ``servicechain users add`` and
the login page go through the same functions.
"""

from servicechain.accounts.roles import ROLES, Role
from servicechain.accounts.users import User

__all__ = ["ROLES", "Role", "User"]
