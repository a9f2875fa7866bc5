"""servicechain: measure and manage the encounter between employees and customers.

The public surface is small on purpose: settings, opening a store, importing files and
building the demo organisation. Everything else lives in its domain module.
"""

from servicechain.errors import (
    ImportRejected,
    ServicechainError,
    StoreBusy,
    UserError,
)
from servicechain.settings import Settings, get_settings

__all__ = [
    "ImportRejected",
    "ServicechainError",
    "Settings",
    "StoreBusy",
    "UserError",
    "get_settings",
]

__version__ = "0.1.0"
