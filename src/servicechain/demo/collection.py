"""Collection in the demo: an open employee survey wave, survey links and an intake key.

So ``make demo`` shows the collection side at once: the analyst's waves page has an open
wave with personal links and kiosk codes, the unit manager's location has customer and
touchpoint links (with QR codes), and an intake key is ready for a ``curl`` to the API.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from servicechain.collect.intake_keys import create_key
from servicechain.collect.links import ensure_links, link_url
from servicechain.collect.responses import now_utc, quarter
from servicechain.collect.waves import WaveRefused, links_csv, open_wave, wave_links
from servicechain.settings import Settings
from servicechain.store import Store, schema


@dataclass(frozen=True)
class DemoCollection:
    """What the demo prints: where to answer a survey and how to send one."""

    wave: str
    location: str
    employee_link: str
    kiosk_code: str
    links_file: Path | None
    customer_link: str
    touchpoint_link: str
    intake_key: str


def _first(connection: sa.Connection, *conditions: sa.ColumnElement[bool]) -> tuple[int, str]:
    unit = schema.org_unit
    row = connection.execute(
        sa.select(unit.c.id, unit.c.code).where(*conditions).order_by(unit.c.code)
    ).first()
    assert row is not None
    return int(row.id), str(row.code)


def demo_location(store: Store) -> str:
    """The unit manager's location of the demo logins (first location of the first region)."""
    unit = schema.org_unit
    with store.engine.connect() as connection:
        root, _ = _first(connection, unit.c.parent_id.is_(None))
        region, _ = _first(connection, unit.c.parent_id == root)
        return _first(connection, unit.c.parent_id == region, unit.c.kind == "location")[1]


def demo_collection(store: Store, settings: Settings, export_dir: Path | None) -> DemoCollection:
    """Open this quarter's employee wave for the demo location, make its survey links and an intake key."""
    location = demo_location(store)
    period = quarter(now_utc())
    code = f"MW-{period}-{location}"
    with contextlib.suppress(WaveRefused):  # the demo ran before on this store: the wave is open
        open_wave(store, code, location, period, settings=settings)
    rows = wave_links(store, code, settings, unused_only=True) or wave_links(store, code, settings)
    links_file = None
    if export_dir is not None:
        links_file = export_dir / "survey-links.csv"
        links_file.write_text(links_csv(rows), encoding="utf-8")
    links = ensure_links(store, location)
    customer = next(link for link in links if link.instrument_key == "customer")
    touchpoint = next(link for link in links if link.instrument_key == "touchpoint")
    key = create_key(store, "demo-till", location, settings.intake_rate_per_second)
    return DemoCollection(
        wave=code, location=location, employee_link=rows[0].link, kiosk_code=rows[0].kiosk_code,
        links_file=links_file, customer_link=link_url(settings, customer.key),
        touchpoint_link=link_url(settings, touchpoint.key), intake_key=key,
    )  # fmt: skip


def describe(collection: DemoCollection, site: str) -> list[tuple[str, str]]:
    """``(what, where)`` lines the demo prints about collection; the ``curl`` of a till is last."""
    answers = {"satisfaction": 2, "ease": 3}
    body = json.dumps({"unit": collection.location, "channel": "phone", "answers": answers,
                       "comment": "Lang gewacht bij de kassa"})  # fmt: skip
    curl = (
        f"curl -X POST {site}/api/v1/touchpoints -H 'Authorization: Bearer {collection.intake_key}' "
        f"-H 'Idempotency-Key: demo-1' -H 'Content-Type: application/json' -d '{body}'"
    )
    lines = [
        (f"employee survey {collection.wave} (personal link)", collection.employee_link),
        ("the same on a shared tablet (kiosk code)", f"{site}/e  {collection.kiosk_code}"),
        (f"customer survey of {collection.location}", collection.customer_link),
        (f"touchpoint survey of {collection.location}", collection.touchpoint_link),
        ("a till sends a touchpoint (raises an alert)", curl),
    ]
    if collection.links_file is not None:
        lines.insert(2, ("every link and kiosk code of the wave", str(collection.links_file)))
    return lines
