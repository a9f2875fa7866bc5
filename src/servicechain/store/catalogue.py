"""The instruments the store knows: the shipped defaults are registered on first use."""

from __future__ import annotations

import json

import sqlalchemy as sa

from servicechain.instruments import Instrument, load_default_instruments
from servicechain.store import schema
from servicechain.store.bulk import allocate_ids


def register_instrument(connection: sa.Connection, instrument: Instrument) -> bool:
    """Store an instrument and its items unless that key and version is already there."""
    table = schema.instrument
    present = connection.execute(
        sa.select(sa.func.count()).where(table.c.key == instrument.key, table.c.version == instrument.version)
    ).scalar()
    if present:
        return False
    instrument_id = int(allocate_ids(connection, table, 1)[0])
    connection.execute(
        table.insert().values(
            id=instrument_id,
            key=instrument.key,
            version=instrument.version,
            name_nl=instrument.name.nl,
            name_en=instrument.name.en,
            definition=json.dumps(instrument.model_dump(), ensure_ascii=False),
        )
    )
    item_ids = allocate_ids(connection, schema.instrument_item, len(instrument.items))
    connection.execute(
        schema.instrument_item.insert(),
        [
            {
                "id": int(item_id),
                "instrument_id": instrument_id,
                "item_key": item.key,
                "position": position,
                "dimension": item.dimension,
                "scale_min": instrument.scales[item.scale].min,
                "scale_max": instrument.scales[item.scale].max,
                "not_applicable": instrument.scales[item.scale].not_applicable,
                "reverse": item.reverse,
                "text_nl": item.nl,
                "text_en": item.en,
            }
            for position, (item_id, item) in enumerate(zip(item_ids, instrument.items, strict=True))
        ],
    )
    return True


def register_default_instruments(connection: sa.Connection) -> None:
    """Make sure the shipped employee, customer and touchpoint instruments are stored."""
    for instrument in load_default_instruments().values():
        register_instrument(connection, instrument)
