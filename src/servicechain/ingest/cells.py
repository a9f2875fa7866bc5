"""Vectorised parsing of text cells into typed columns, reporting which cells are bad.

Each parser takes a pandas string Series (missing cells are ``<NA>``) and returns a
:class:`Parsed`: the typed values and a boolean mask of cells that could not be parsed
(missing cells are never "bad" here; whether a cell may be missing is decided by the
column's spec). Parsers are lenient in the ways a Dutch office is: decimal commas,
``ja``/``nee``, ``31-12-2026`` dates, ``85%``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TRUE_WORDS = {"true", "1", "yes", "y", "ja", "j", "waar"}
FALSE_WORDS = {"false", "0", "no", "n", "nee", "onwaar"}
DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
DATETIME_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_ZONE_SUFFIX = r"(?:Z|[+-]\d{2}:?\d{2})$"
_DUTCH_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")
_ENGLISH_THOUSANDS = r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$"
NOT_APPLICABLE_WORDS = {
    "nvt", "n.v.t.", "n.v.t", "n/a", "na", "nb", "n.b.", "weet niet", "geen mening",
    "niet van toepassing", "not applicable", "don't know", "dont know", "-",
}  # fmt: skip
_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*[qQkK]([1-4])$"), "{0}-Q{1}"),
    (re.compile(r"^[qQkK]([1-4])\s*[-/ ]?\s*(\d{4})$"), "{1}-Q{0}"),
    (re.compile(r"^(\d{4})\s*[-/]\s*(\d{1,2})$"), "{0}-{1:0>2}"),
    (re.compile(r"^(\d{1,2})\s*[-/]\s*(\d{4})$"), "{1}-{0:0>2}"),
    (re.compile(r"^(\d{4})(\d{2})$"), "{0}-{1}"),
    # The first of a month is that month: Excel turns a typed "2026-09" into a date cell.
    (re.compile(r"^(\d{4})-(\d{2})-01(?:[T ]00:00(?::00(?:\.0+)?)?)?$"), "{0}-{1}"),
    (re.compile(r"^0?1[-/.](\d{1,2})[-/.](\d{4})$"), "{1}-{0:0>2}"),  # Dutch Excel: 1-9-2026
    (re.compile(r"^(\d{4})$"), "{0}"),
)


@dataclass
class Parsed:
    """Typed values of one column and the mask of cells that failed to parse."""

    values: pd.Series
    bad: np.ndarray


def _present(cells: pd.Series) -> np.ndarray:
    return cells.notna().to_numpy()


def text(cells: pd.Series) -> Parsed:
    """Text as it is (already trimmed by the reader), kept in Arrow-backed strings."""
    return Parsed(cells, np.zeros(len(cells), bool))


def arrow_strings(cells: pd.Series) -> pa.Array:
    """The cells as one Arrow string array, without a detour through Python objects."""
    array = pa.array(cells.array) if hasattr(cells.array, "__arrow_array__") else None
    if array is None:
        array = pa.array(cells.astype(object).where(cells.notna(), None), type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array if array.type == pa.string() else pc.cast(array, pa.string())


def number(cells: pd.Series) -> Parsed:
    """Real numbers; accepts ``1.234,5`` and ``1234,5`` (Dutch), ``1,234.5`` and ``85%``.

    Plain numbers (``12``, ``-3.5``) are converted by Arrow in one pass; only the other
    cells take the slower, lenient path.
    """
    arrow = arrow_strings(cells)
    plain = pc.fill_null(pc.match_substring_regex(arrow, _PLAIN_NUMBER), False)
    values = pc.cast(pc.if_else(plain, arrow, pa.scalar(None, pa.string())), pa.float64())
    result = pd.Series(values.to_numpy(zero_copy_only=False), index=cells.index, dtype="float64")
    other = cells.notna().to_numpy() & ~np.asarray(plain)
    if other.any():
        result[other] = _lenient_number(cells[other]).to_numpy()
    bad = _present(cells) & ~np.isfinite(result.to_numpy())  # missing, 'nan', 'inf', 1e400
    return Parsed(result.where(~bad), bad)


def english_thousands(cells: pd.Series) -> pd.Series:
    """In a ``,`` file, ``"1,250"`` is 1250 when every comma in the column groups thousands."""
    with_comma = cells.dropna()
    with_comma = with_comma[with_comma.str.contains(",", regex=False)]
    if with_comma.empty or not bool(with_comma.str.match(_ENGLISH_THOUSANDS).all()):
        return cells
    return cells.str.replace(",", "", regex=False)


def not_applicable_as_missing(cells: pd.Series) -> pd.Series:
    """``n.v.t.``, ``weet niet``, ``n/a`` and the like become empty cells."""
    return cells.where(~cells.str.lower().isin(NOT_APPLICABLE_WORDS).fillna(False).to_numpy())


def labels_as_numbers(cells: pd.Series, labels: dict[str, int]) -> pd.Series:
    """Answer labels (any case) replaced by their number; other cells stay as they are."""
    lowered = cells.str.lower().str.strip()
    known = lowered.isin(list(labels)).fillna(False).to_numpy()
    if not known.any():
        return cells
    numbers = lowered[known].map(labels).astype(str)
    result = cells.copy()
    result[known] = numbers.to_numpy()
    return result


def dutch_decimals(cells: pd.Series) -> pd.Series:
    """Numbers as Dutch Excel writes them in a ``;`` or tab file, rewritten with a decimal point.

    Per column: when any cell has a decimal comma, every ``.`` is a thousands separator
    (``1.234,56``); when every dotted cell has groups of three digits (``12.500``), the
    dots are thousands separators too; otherwise (``4.5``) the column already uses a
    decimal point and is left alone.
    """
    present = cells.dropna()
    if present.empty:
        return cells
    has_comma = present.str.contains(",", regex=False)
    dotted = present[present.str.contains(".", regex=False)]
    thousands_only = not dotted.empty and bool(dotted.str.match(_DUTCH_THOUSANDS).all())
    if has_comma.any() or thousands_only:
        return cells.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return cells


def _lenient_number(cells: pd.Series) -> pd.Series:
    normalised = cells.str.replace("€", "", regex=False).str.replace(" ", "", regex=False)
    percent = normalised.str.endswith("%").fillna(False).to_numpy()
    normalised = normalised.str.rstrip("%")
    dutch_thousands = normalised.str.match(_DUTCH_THOUSANDS).fillna(False).to_numpy()
    comma = normalised.str.contains(",", regex=False) & ~normalised.str.contains(".", regex=False)
    only_comma = comma.fillna(False).to_numpy()
    standard = normalised.str.replace(",", "", regex=False)
    dutch = normalised.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    chosen = standard.where(~(dutch_thousands | only_comma), dutch)
    values = pd.to_numeric(chosen.astype(object), errors="coerce").astype("float64")
    return values.where(~percent, values / 100.0)


def integer_in_range(cells: pd.Series, low: int, high: int) -> Parsed:
    """Whole numbers from ``low`` to ``high``; ``4,0`` counts as 4, ``4,5`` does not."""
    parsed = number(cells)
    values = parsed.values
    whole = (values == np.floor(values)).to_numpy()
    in_range = ((values >= low) & (values <= high)).to_numpy()
    present = _present(cells)
    bad = present & (parsed.bad | ~whole | ~in_range)
    clean = values.where(~pd.Series(bad, index=values.index))
    return Parsed(clean.astype("Int16"), bad)


def boolean(cells: pd.Series) -> Parsed:
    """``true/false``, ``1/0``, ``yes/no``, ``ja/nee`` (any case)."""
    lowered = cells.str.lower()
    is_true = lowered.isin(TRUE_WORDS).fillna(False).to_numpy()
    is_false = lowered.isin(FALSE_WORDS).fillna(False).to_numpy()
    values = pd.Series(pd.array(np.where(is_true, True, False), dtype="boolean"), index=cells.index)
    values[~(is_true | is_false)] = pd.NA
    return Parsed(values, _present(cells) & ~(is_true | is_false))


def _parse_moments(cells: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    as_text = cells.astype(object)
    zoned = cells.str.contains(_ZONE_SUFFIX, regex=True).fillna(False).to_numpy()
    result = pd.to_datetime(as_text.where(~zoned), format="ISO8601", errors="coerce")
    if zoned.any():
        utc = pd.to_datetime(as_text.where(zoned), format="ISO8601", errors="coerce", utc=True)
        local = utc.dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
        result = result.where(~zoned, local.astype(result.dtype))
    for fmt in formats:
        missing = result.isna() & cells.notna()
        if not missing.any():
            break
        retry = pd.to_datetime(as_text.where(missing), format=fmt, errors="coerce")
        result = result.where(~missing, retry.astype(result.dtype))
    return result


def date(cells: pd.Series) -> Parsed:
    """Dates: ISO ``2026-09-30`` or Dutch ``30-09-2026``; a time part is dropped."""
    moments = _parse_moments(cells, DATE_FORMATS + DATETIME_FORMATS)
    bad = _present(cells) & moments.isna().to_numpy()
    return Parsed(moments.dt.normalize().astype("datetime64[us]"), bad)


def moment(cells: pd.Series) -> Parsed:
    """Timestamps: ISO 8601 (with or without time or offset) or Dutch day-first forms.

    Offsets are converted to Amsterdam local time and stored without zone.
    """
    moments = _parse_moments(cells, DATETIME_FORMATS + DATE_FORMATS)
    bad = _present(cells) & moments.isna().to_numpy()
    return Parsed(moments.astype("datetime64[us]"), bad)


def normalise_period(value: str) -> str | None:
    """``2026-Q3``, ``2026-09`` or ``2026`` from common spellings; None when not a period."""
    value = value.strip()
    for pattern, template in _PERIOD_PATTERNS:
        match = pattern.match(value)
        if match:
            period = template.format(*match.groups())
            month = period[5:] if len(period) == 7 and "Q" not in period else None
            if month is not None and not 1 <= int(month) <= 12:
                return None
            return period
    return None


def period(cells: pd.Series) -> Parsed:
    """Reporting periods: a year, a quarter (``2026-Q3``) or a month (``2026-09``)."""
    uniques = {value: normalise_period(value) for value in cells.dropna().unique()}
    values = cells.astype(object).map(uniques)
    bad = _present(cells) & values.isna().to_numpy()
    return Parsed(values.where(~bad, None), bad)


def choice(cells: pd.Series, synonyms: dict[str, str]) -> Parsed:
    """One of a fixed set of values, matched case-insensitively through ``synonyms``."""
    codes, uniques = pd.factorize(cells)
    lowered = pd.Series(uniques).str.lower()
    keys = lowered.str.replace(r"[\s/-]+", "_", regex=True)
    # "Chat / E-mail" is chat_email: a hyphen inside a word also joins it ("e-mail", "email").
    joined = lowered.str.replace("-", "", regex=False).str.replace(r"[\s/]+", "_", regex=True)
    direct = keys.map(synonyms)
    found = direct.where(direct.notna(), joined.map(synonyms))
    mapped = np.array([*found.tolist(), None], dtype=object)
    values = pd.Series(mapped[codes], index=cells.index, dtype=object)
    bad = _present(cells) & values.isna().to_numpy()
    return Parsed(values, bad)
