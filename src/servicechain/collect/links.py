"""Per-unit survey links: the address (and QR code) a customer opens to answer a survey.

Every unit gets one link to the customer survey and one link to the touchpoint
micro-survey per channel (in person, phone, chat/e-mail, app/web), created on demand by
:func:`ensure_links`. A link is a random key (16 url-safe characters, 96 bits) in table
``survey_link``; its address is ``{public_url}/r/{key}``. A revoked link answers 404 at once
(print a new QR code after :func:`renew_links`).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import segno
import sqlalchemy as sa

from servicechain.accounts.audit import now
from servicechain.errors import UserError
from servicechain.instruments import load_default_instruments
from servicechain.settings import Settings
from servicechain.store import Store, schema

INSTRUMENTS = ("customer", "touchpoint")
KEY_BYTES = 12
"""12 random bytes: 16 url-safe characters."""


@dataclass(frozen=True)
class Link:
    """One survey link of a unit."""

    key: str
    unit_id: int
    unit_code: str
    unit_name: str
    unit_path: str
    instrument_key: str
    channel: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """True until the link is revoked."""
        return self.revoked_at is None


def _select() -> sa.Select:  # type: ignore[type-arg]
    links, units = schema.survey_link, schema.org_unit
    return sa.select(
        links.c.key, links.c.unit_id, units.c.code.label("unit_code"), units.c.name.label("unit_name"),
        units.c.path.label("unit_path"), links.c.instrument_key, links.c.channel, links.c.created_at,
        links.c.revoked_at,
    ).join(units, units.c.id == links.c.unit_id)  # fmt: skip


def _unit_id(connection: sa.Connection, unit_code: str) -> int:
    found = connection.execute(
        sa.select(schema.org_unit.c.id).where(schema.org_unit.c.code == unit_code)
    ).scalar_one_or_none()
    if found is None:
        raise UserError(f"unknown unit {unit_code!r}: see `servicechain status` for the units")
    return int(found)


def unit_name(store: Store, unit_code: str) -> str:
    """The name of a unit (its code when it has none)."""
    units = schema.org_unit
    with store.engine.connect() as connection:
        query = sa.select(units.c.name).where(units.c.code == unit_code)
        name = connection.execute(query).scalar_one_or_none()
    return str(name or unit_code)


def channels_of(instrument_key: str) -> list[str | None]:
    """The channels links are made for: each of the touchpoint survey; none for the customer survey."""
    channels = load_default_instruments()[instrument_key].channels
    return list(channels) if channels else [None]


def _check_kind(instrument_key: str, channel: str | None) -> None:
    if instrument_key not in INSTRUMENTS:
        raise UserError(f"unknown survey {instrument_key!r}: one of {', '.join(INSTRUMENTS)}")
    known = load_default_instruments()[instrument_key].channels
    if known and channel not in known:
        raise UserError(
            f"unknown channel {channel!r} of the {instrument_key} survey: one of {', '.join(known)}"
        )
    if not known and channel is not None and len(channel) > 32:
        raise UserError("a channel has at most 32 characters")


def create_link(store: Store, unit_code: str, instrument_key: str, channel: str | None = None) -> Link:
    """A new link of ``unit_code`` to ``instrument_key`` (``customer`` or ``touchpoint``)."""
    _check_kind(instrument_key, channel)
    with store.transaction() as connection:
        key = _insert(connection, _unit_id(connection, unit_code), instrument_key, channel)
    found = find_link(store, key)
    assert found is not None
    return found


def _insert(connection: sa.Connection, unit_id: int, instrument_key: str, channel: str | None) -> str:
    key = secrets.token_urlsafe(KEY_BYTES)
    row = {"key": key, "unit_id": unit_id, "instrument_key": instrument_key, "channel": channel}
    connection.execute(schema.survey_link.insert().values(**row, created_at=now()))
    return key


def links_of_unit(store: Store, unit_code: str, *, include_revoked: bool = False) -> list[Link]:
    """The links of a unit: customer survey first, then the touchpoint channels in the instrument's order."""
    links = schema.survey_link
    with store.engine.connect() as connection:
        unit_id = _unit_id(connection, unit_code)
        query = _select().where(links.c.unit_id == unit_id)
        if not include_revoked:
            query = query.where(links.c.revoked_at.is_(None))
        found = [Link(**row._mapping) for row in connection.execute(query.order_by(links.c.created_at))]
    return sorted(found, key=_order)


def _order(link: Link) -> tuple[int, int, datetime]:
    channels = channels_of(link.instrument_key)
    position = channels.index(link.channel) if link.channel in channels else len(channels)
    return (INSTRUMENTS.index(link.instrument_key) if link.instrument_key in INSTRUMENTS else 9, position,
            link.created_at)  # fmt: skip


def ensure_links(store: Store, unit_code: str) -> list[Link]:
    """The unit's active links, after creating any missing one (one customer link, one touchpoint
    link per channel)."""
    links = schema.survey_link
    with store.transaction() as connection:
        unit_id = _unit_id(connection, unit_code)
        have = {(row.instrument_key, row.channel) for row in connection.execute(
            sa.select(links.c.instrument_key, links.c.channel).where(
                links.c.unit_id == unit_id, links.c.revoked_at.is_(None)))}  # fmt: skip
        for instrument_key in INSTRUMENTS:
            for channel in channels_of(instrument_key):
                if (instrument_key, channel) not in have:
                    _insert(connection, unit_id, instrument_key, channel)
    return links_of_unit(store, unit_code)


def renew_links(store: Store, unit_code: str) -> list[Link]:
    """Revoke every active link of the unit and make new ones (old QR codes stop working)."""
    links = schema.survey_link
    with store.transaction() as connection:
        unit_id = _unit_id(connection, unit_code)
        connection.execute(links.update().where(links.c.unit_id == unit_id, links.c.revoked_at.is_(None))
                           .values(revoked_at=now()))  # fmt: skip
    return ensure_links(store, unit_code)


def revoke_link(store: Store, key: str) -> Link:
    """Revoke one link: its page answers 404 from now on."""
    links = schema.survey_link
    with store.transaction() as connection:
        done = connection.execute(links.update().where(links.c.key == key, links.c.revoked_at.is_(None))
                                  .values(revoked_at=now()))  # fmt: skip
    if done.rowcount == 0:
        raise UserError(f"no active survey link {key!r}: see `servicechain survey-links list --unit CODE`")
    with store.engine.connect() as connection:
        row = connection.execute(_select().where(links.c.key == key)).one()
    return Link(**row._mapping)


def find_link(store: Store, key: str) -> Link | None:
    """The active link with this key; None when unknown or revoked."""
    if not key or len(key) > 32:
        return None
    links = schema.survey_link
    with store.engine.connect() as connection:
        row = connection.execute(_select().where(links.c.key == key, links.c.revoked_at.is_(None))).first()
    return Link(**row._mapping) if row is not None else None



def link_url(settings: Settings, key: str) -> str:
    """The public address of a link."""
    return f"{settings.site_url}/r/{key}"


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: survives a scratched poster)."""
    return segno.make(url, error="m")


def qr_png(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """A PNG of the QR code of ``url``: ``scale`` pixels per module, a quiet zone of ``border`` modules."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(url: str, *, scale: int = 10, border: int = 4, inline: bool = False) -> bytes:
    """An SVG of the QR code of ``url``; ``inline``: without XML declaration and size, for an HTML page."""
    buffer = io.BytesIO()
    if inline:
        qr_code(url).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False, omitsize=True,
                          svgclass="qr", lineclass=None, title=url)  # fmt: skip
    else:
        qr_code(url).save(buffer, kind="svg", scale=scale, border=border, title=url)
    return buffer.getvalue()
