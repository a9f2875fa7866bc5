"""The import kinds and their canonical columns (the import contract)."""

from __future__ import annotations

from functools import partial

from servicechain.ingest import cells
from servicechain.ingest.columns import Column, code, free_text, label, scale_item
from servicechain.instruments import Instrument, load_default_instruments

KINDS = (
    "units",
    "employees",
    "customers",
    "employee-responses",
    "customer-responses",
    "touchpoints",
    "reviews",
    "kpis",
    "customer-kpis",
    "employer-reviews",
)

CHANNEL_SYNONYMS = {
    **{name: name for name in ("in_person", "phone", "chat_email", "app_web")},
    "in_store": "in_person", "store": "in_person", "winkel": "in_person", "balie": "in_person",
    "persoonlijk": "in_person", "telephone": "phone", "telefoon": "phone", "call": "phone",
    "chat": "chat_email", "email": "chat_email", "e_mail": "chat_email", "mail": "chat_email",
    "app": "app_web", "web": "app_web", "website": "app_web", "online": "app_web",
}  # fmt: skip

LANGUAGE_SYNONYMS = {
    "nl": "nl", "dutch": "nl", "nederlands": "nl", "nl_nl": "nl", "nl_be": "nl",
    "en": "en", "english": "en", "engels": "en", "en_gb": "en", "en_us": "en",
    "de": "de", "fr": "fr",
}  # fmt: skip

CEO_APPROVAL_SYNONYMS = {
    "approve": "approve", "approves": "approve", "approved": "approve", "approval": "approve",
    "goedkeuren": "approve", "keurt_goed": "approve", "goedgekeurd": "approve", "ja": "approve",
    "yes": "approve", "positive": "approve", "positief": "approve",
    "neutral": "neutral", "neutraal": "neutral", "no_opinion": "neutral", "geen_mening": "neutral",
    "disapprove": "disapprove", "disapproves": "disapprove", "disapproved": "disapprove",
    "afkeuren": "disapprove", "keurt_af": "disapprove", "afgekeurd": "disapprove", "nee": "disapprove",
    "no": "disapprove", "negative": "disapprove", "negatief": "disapprove",
}  # fmt: skip
CEO_APPROVALS = ("approve", "neutral", "disapprove")
EMPLOYER_SUB_RATINGS = ("culture", "career", "pay", "management", "work_life")
"""Employer reviews' sub-ratings, on the scale of the overall rating."""

KNOWN_METRICS = (
    "revenue",
    "gross_margin",
    "profit",
    "customer_retention",
    "employee_turnover",
    "absenteeism",
)
FRACTION_METRICS = ("customer_retention", "employee_turnover", "absenteeism", "gross_margin")


def _items(instrument: Instrument) -> list[Column]:
    columns = []
    for item in instrument.items:
        scale = instrument.scales[item.scale]
        columns.append(
            scale_item(
                item.key,
                scale.min,
                scale.max,
                nullable=not item.required,
                not_applicable=scale.not_applicable,
                labels=scale.label_values(),
            )
        )
    return columns


def _moment(name: str, *, nullable: bool = False) -> Column:
    return Column(name, cells.moment, "a date or time (2026-09-30 or 2026-09-30T14:05)", True, nullable)


def _date(name: str, *, required: bool = True) -> Column:
    return Column(name, cells.date, "a date (2026-09-30 or 30-09-2026)", required, nullable=True)


def _boolean(name: str) -> Column:
    return Column(name, cells.boolean, "true or false (ja/nee, 1/0)", True, nullable=True)


def _number(name: str, *, nullable: bool = False, required: bool = True) -> Column:
    return Column(name, cells.number, "a number", required, nullable, numeric=True)


LANGUAGE = Column(
    "language",
    partial(cells.choice, synonyms=LANGUAGE_SYNONYMS),
    "a language code (nl, en)",
    required=False,
    nullable=True,
)
PERIOD = Column("period", cells.period, "a period (2026, 2026-Q3 or 2026-09)")
CHANNEL = Column(
    "channel",
    partial(cells.choice, synonyms=CHANNEL_SYNONYMS),
    "a channel (in_person, phone, chat_email, app_web)",
)


def columns_for(kind: str, header: list[str]) -> list[Column]:
    """The columns of ``kind`` for a file with this header (reviews add its ``aspect_*`` columns)."""
    columns = columns_of(kind)
    if kind == "reviews":
        columns += [_number(name, nullable=True, required=False) for name in header if is_aspect_column(name)]
    return columns


def columns_of(kind: str) -> list[Column]:
    """The canonical columns of an import kind, with their types and whether they are required."""
    instruments = load_default_instruments()
    specs: dict[str, list[Column]] = {
        "units": [
            code("unit_code"),
            label("name", "a name", 200),
            label("kind", "a kind of unit", 32),
            code("parent_code", nullable=True),
            code("manager_employee_code", required=False, nullable=True),
        ],
        "employees": [
            code("employee_code"),
            code("unit_code"),
            label("role", "a role", 100, nullable=True),
            _boolean("is_manager"),
            _boolean("customer_facing"),
            _date("hired_on", required=False),
            _date("left_on", required=False),
            label("first_name", "a first name", 100, required=False, nullable=True),
            label("last_name", "a last name", 100, required=False, nullable=True),
            label("known_as", "a name the employee goes by", 100, required=False, nullable=True),
        ],
        "customers": [
            code("customer_code"),
            code("home_unit_code", nullable=True),
            label("segment", "a segment", 64, required=False, nullable=True),
        ],
        "employee-responses": [
            code("response_id", max_length=128),
            code("wave"),
            code("unit_code"),
            _moment("submitted_at", nullable=True),
            *_items(instruments["employee"]),
            free_text("comment"),
        ],
        "customer-responses": [
            code("response_id", max_length=128),
            code("wave"),
            code("unit_code"),
            code("customer_code", required=False, nullable=True),
            _moment("submitted_at", nullable=True),
            Column(CHANNEL.name, CHANNEL.parse, CHANNEL.expect, required=False, nullable=True),
            *_items(instruments["customer"]),
            free_text("comment"),
        ],
        "touchpoints": [
            code("response_id", max_length=128),
            code("unit_code"),
            code("employee_code", required=False, nullable=True),
            CHANNEL,
            _moment("occurred_at"),
            *[
                Column(c.name, c.parse, c.expect, c.name == "satisfaction", c.nullable)
                for c in _items(instruments["touchpoint"])
            ],
            free_text("comment"),
        ],
        "reviews": [
            code("review_id", max_length=128),
            label("source", "a source name", 64),
            code("unit_code"),
            _moment("posted_at", nullable=True),
            _number("rating"),
            _number("rating_max"),
            LANGUAGE,
            free_text("text"),
        ],
        "kpis": [
            code("unit_code"),
            PERIOD,
            label("metric", "a metric", 64),
            _number("value"),
        ],
        "customer-kpis": [
            code("customer_code"),
            PERIOD,
            _number("revenue", nullable=True),
            _number("share_of_wallet", nullable=True),
            _boolean("retained"),
        ],
        "employer-reviews": [
            code("review_id", max_length=128),
            label("source", "a source name", 64),
            code("unit_code"),
            _moment("posted_at"),
            _number("rating"),
            _number("rating_max"),
            *[_number(name, nullable=True, required=False) for name in EMPLOYER_SUB_RATINGS],
            Column("recommend", cells.boolean, "true or false (ja/nee, 1/0)", required=False, nullable=True),
            Column(
                "ceo_approval",
                partial(cells.choice, synonyms=CEO_APPROVAL_SYNONYMS),
                "approve, neutral or disapprove (goedkeuren, neutraal, afkeuren)",
                required=False,
                nullable=True,
            ),
            free_text("pros"),
            free_text("cons"),
            LANGUAGE,
        ],
    }
    return specs[kind]


def is_aspect_column(name: str) -> bool:
    """Reviews may carry any number of ``aspect_<name>`` rating columns."""
    return name.startswith("aspect_") and len(name) > len("aspect_")
