"""Keeping the precomputed results fresh while the server runs.

After an import through the web application the results are rebuilt at once, before the
page answers. An import that happened elsewhere (``servicechain import --no-refresh`` on
PostgreSQL) is noticed on the next page view: that page says the results are being
updated, and one background thread rebuilds them. At most one rebuild runs at a time; a
rebuild that failed is not tried again for :data:`RETRY_SECONDS`.

Responses collected by this server (survey pages, intake API) arrive all the time; they
do not rebuild the results each time, but once the results are older than
``results_max_age_minutes`` and something was collected after they were built.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from servicechain.analysis.snapshot import SnapshotInfo, is_stale, latest_snapshot, refresh
from servicechain.settings import Settings
from servicechain.store import Store
from servicechain.web.results import ResultsCache

log = logging.getLogger(__name__)
RETRY_SECONDS = 300.0


class Refresher:
    """At most one rebuild at a time, in the background or on demand."""

    def __init__(self, store: Store, settings: Settings, cache: ResultsCache | None = None) -> None:
        self.store, self.settings, self.cache = store, settings, cache
        self._lock = threading.Lock()  # held while a rebuild runs
        self._state = threading.Lock()  # guards starting the background thread
        self._thread: threading.Thread | None = None
        self._failed_at = 0.0
        self.last_error: str | None = None
        self._forced = False
        self.collected_at: datetime | None = None
        """When this server last stored a collected response (UTC, naive)."""

    def note_collected(self) -> None:
        """A collected response was committed (the results will include it within the max age)."""
        from servicechain.collect.responses import now_utc

        self.collected_at = now_utc()

    def _collected_since(self, snapshot: SnapshotInfo | None) -> bool:
        if self.collected_at is None or snapshot is None:
            return False
        max_age = timedelta(minutes=self.settings.results_max_age_minutes)
        from servicechain.collect.responses import now_utc

        return self.collected_at > snapshot.built_at and now_utc() - snapshot.built_at > max_age

    @property
    def running(self) -> bool:
        """True while a rebuild runs (in the background or for an import), or is about to."""
        thread = self._thread
        return self._lock.locked() or (thread is not None and thread.is_alive())

    def refresh_now(self) -> SnapshotInfo:
        """Rebuild and wait for it (after an import on the imports page), unless a rebuild that
        finished meanwhile already includes every import; the new results are read into memory
        before this returns, so the next page does not wait for them."""
        with self._lock:
            newest = latest_snapshot(self.store)
            info = newest if newest is not None and not is_stale(self.store, newest) else None
            if info is None or self._collected_since(info) or self._forced:
                self._forced = False
                info = refresh(self.store, settings=self.settings)
        if self.cache is not None:
            self.cache.get(self.store)
        return info

    def rebuild_soon(self) -> None:
        """Start a background rebuild now (a wave closed: its results may be shown)."""
        self._forced = True
        with self._state:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="servicechain-refresh", daemon=True)
                self._thread.start()

    def ensure_fresh(self, snapshot: SnapshotInfo | None) -> bool:
        """Start a background rebuild when an import is newer than ``snapshot``; True when one runs."""
        if self.running:
            return True
        if time.monotonic() - self._failed_at < RETRY_SECONDS:
            return False
        if not self._collected_since(snapshot) and not is_stale(self.store, snapshot):
            return False
        with self._state:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="servicechain-refresh", daemon=True)
                self._thread.start()
        return True

    def _run(self) -> None:
        try:
            self.refresh_now()
            self.last_error = None
        except Exception as error:  # the server keeps serving the previous results
            log.exception("refreshing the results failed; next try in %.0f s", RETRY_SECONDS)
            self._failed_at = time.monotonic()
            self.last_error = str(error)
