"""Mapping files: rename a source system's columns to our canonical ones.

A mapping is YAML (or JSON) ``{source column: canonical column}``, optionally under a
``columns:`` key::

    columns:
      Vestigingscode: unit_code
      Periode: period
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from servicechain.errors import ImportRejected, Problem


def load_mapping(path: Path) -> dict[str, str | None]:
    """Read a mapping file; a malformed one is refused with its own file name.

    A column mapped to nothing (``Opmerkingen intern: ~``) is left out of the import.
    """
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as error:
        raise ImportRejected([Problem(path.name, None, None, f"mapping file not found: {path}")]) from error
    except yaml.YAMLError as error:
        raise ImportRejected([Problem(path.name, None, None, f"not valid YAML: {error}")]) from error
    if isinstance(content, dict) and isinstance(content.get("columns"), dict):
        content = content["columns"]
    if not isinstance(content, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in content.items()
    ):
        reason = "expected 'source column: canonical column' pairs (optionally under 'columns:')"
        raise ImportRejected([Problem(path.name, None, None, reason)])
    return {source.strip(): None if target is None else target.strip() for source, target in content.items()}


def canonical_header(name: str) -> str:
    """``Unit Code`` and ``unit-code`` are read as ``unit_code``."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def apply_mapping(
    frame: pd.DataFrame, mapping: dict[str, str | None], mapping_name: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename (or drop) columns by the mapping, then normalise the headers' spelling.

    Mapping keys match a header regardless of case, spaces and hyphens, like the
    headers themselves.
    """
    by_spelling = {canonical_header(str(column)): column for column in frame.columns}
    renames: dict[str, str] = {}
    dropped: list[str] = []
    problems = []
    for source, target in mapping.items():
        column = source if source in frame.columns else by_spelling.get(canonical_header(source))
        if column is None:
            problems.append(
                Problem(mapping_name, None, None, f"maps column {source!r}, which the file does not have")
            )
        elif target is None:
            dropped.append(column)
        else:
            renames[column] = target
    renamed = frame.drop(columns=dropped).rename(columns=renames)
    renamed.columns = [canonical_header(str(name)) for name in renamed.columns]
    duplicated = renamed.columns[renamed.columns.duplicated()].unique()
    problems += [
        Problem(mapping_name, 1, name, "two columns end up with this name (after mapping and spelling)")
        for name in duplicated
    ]
    return renamed, problems
