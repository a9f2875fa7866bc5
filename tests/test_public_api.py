"""The package's public surface: sorted, importable, documented."""

from __future__ import annotations

import servicechain


def test_all_is_sorted_and_importable() -> None:
    assert servicechain.__all__ == sorted(servicechain.__all__)
    for name in servicechain.__all__:
        assert getattr(servicechain, name).__doc__, f"{name} has no docstring"


def test_every_import_kind_has_an_importer_and_columns() -> None:
    from servicechain.ingest.kinds import KINDS, columns_of
    from servicechain.ingest.pipeline import IMPORTERS

    assert set(IMPORTERS) == set(KINDS)
    for kind in KINDS:
        assert columns_of(kind), kind
