"""The tables of the store, one SQLAlchemy 2.x schema for DuckDB and PostgreSQL.

Layout of answers: *wide*. Each survey response is one row with one SMALLINT column per
item (the item keys of the shipped instruments), not one row per answer. A unit
aggregation over 10M customer responses then reads 11 narrow columns of 10M rows
instead of 110M rows of an answer table; ``bench/layout.py`` measures the difference
(figures in the README). Custom items of an organisation's own instrument are added as
columns by a migration.

Facts (responses, reviews, KPIs) carry integer unit ids, not codes, so GROUP BY unit runs
on integers. Referential integrity of facts is checked by the importer, which reports the
file, row and column of an unknown code; the fact tables carry no foreign keys, so bulk
loads stay bulk on both engines.

Employee responses never store who answered: no employee id, and the submission is kept
to the day (``submitted_on``), so a timestamp cannot be matched against a log.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicechain.instruments import load_default_instruments

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id(table: str) -> sa.Column[int]:
    """An integer primary key drawn from a sequence (DuckDB has no IDENTITY columns)."""
    sequence = sa.Sequence(f"{table}_id_seq", metadata=metadata)
    return sa.Column("id", sa.BigInteger, sequence, server_default=sequence.next_value(), primary_key=True)


def _item_columns(instrument_key: str) -> list[sa.Column[int]]:
    items = load_default_instruments()[instrument_key].item_keys
    return [sa.Column(key, sa.SmallInteger) for key in items]


def _import_id() -> sa.Column[int]:
    return sa.Column("import_id", sa.BigInteger, nullable=False)


org_unit = sa.Table(
    "org_unit",
    metadata,
    _id("org_unit"),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("parent_id", sa.BigInteger),
    sa.Column(
        "manager_employee_code",
        sa.String(64),
        comment="Resolved against employee.code when read: units may precede employees",
    ),
    sa.Column("depth", sa.SmallInteger, nullable=False),
    sa.Column("path", sa.String(2000), nullable=False),
    comment="The organisation as a tree of any depth; path is '/1/4/17/' for subtree queries.",
)

employee = sa.Table(
    "employee",
    metadata,
    _id("employee"),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("role", sa.String(100)),
    sa.Column("is_manager", sa.Boolean, nullable=False),
    sa.Column("customer_facing", sa.Boolean, nullable=False),
    sa.Column("hired_on", sa.Date),
    sa.Column("left_on", sa.Date),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("known_as", sa.String(100), comment="The name the employee goes by, if not the first name"),
)

customer = sa.Table(
    "customer",
    metadata,
    _id("customer"),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("home_unit_id", sa.BigInteger),
    sa.Column("segment", sa.String(64)),
)

instrument = sa.Table(
    "instrument",
    metadata,
    _id("instrument"),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name_nl", sa.String(200), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("definition", sa.Text, nullable=False, comment="The instrument YAML as JSON"),
    sa.UniqueConstraint("key", "version"),
)

instrument_item = sa.Table(
    "instrument_item",
    metadata,
    _id("instrument_item"),
    sa.Column("instrument_id", sa.BigInteger, nullable=False),
    sa.Column("item_key", sa.String(64), nullable=False),
    sa.Column("position", sa.SmallInteger, nullable=False),
    sa.Column("dimension", sa.String(64), nullable=False),
    sa.Column("scale_min", sa.SmallInteger, nullable=False),
    sa.Column("scale_max", sa.SmallInteger, nullable=False),
    sa.Column("not_applicable", sa.Boolean, nullable=False),
    sa.Column("reverse", sa.Boolean, nullable=False),
    sa.Column("text_nl", sa.Text, nullable=False),
    sa.Column("text_en", sa.Text, nullable=False),
    sa.UniqueConstraint("instrument_id", "item_key"),
)

survey_wave = sa.Table(
    "survey_wave",
    metadata,
    _id("survey_wave"),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("instrument_key", sa.String(64), nullable=False),
    sa.Column("period", sa.String(16)),
    sa.Column("anonymity_threshold", sa.SmallInteger),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("opened_on", sa.Date),
    sa.Column("closed_on", sa.Date),
    sa.Column("unit_id", sa.BigInteger, comment="Root of the subtree invited (waves opened here)"),
    sa.UniqueConstraint("instrument_key", "code"),
)

employee_response = sa.Table(
    "employee_response",
    metadata,
    _id("employee_response"),
    sa.Column(
        "source_key",
        sa.String(64),
        nullable=False,
        unique=True,
        comment="SHA-256 of wave and source response id, for idempotent re-imports",
    ),
    sa.Column("wave_id", sa.BigInteger, nullable=False),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("submitted_on", sa.Date),
    *_item_columns("employee"),
    sa.Column("comment", sa.Text),
    _import_id(),
)

customer_response = sa.Table(
    "customer_response",
    metadata,
    _id("customer_response"),
    sa.Column("source_key", sa.String(128), nullable=False),
    sa.Column("wave_id", sa.BigInteger, nullable=False),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("customer_id", sa.BigInteger),
    sa.Column("submitted_at", sa.DateTime),
    sa.Column("channel", sa.String(32)),
    *_item_columns("customer"),
    sa.Column("comment", sa.Text),
    _import_id(),
    sa.UniqueConstraint("wave_id", "source_key"),
    comment="A response id is unique within its wave (survey tools restart numbering per wave).",
)

touchpoint_response = sa.Table(
    "touchpoint_response",
    metadata,
    _id("touchpoint_response"),
    sa.Column("source_key", sa.String(128), nullable=False, unique=True),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("employee_id", sa.BigInteger),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    *_item_columns("touchpoint"),
    sa.Column("comment", sa.Text),
    _import_id(),
)

review = sa.Table(
    "review",
    metadata,
    _id("review"),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("source_key", sa.String(128), nullable=False),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("posted_at", sa.DateTime),
    sa.Column("rating", sa.Double, nullable=False),
    sa.Column("rating_max", sa.Double, nullable=False),
    sa.Column("language", sa.String(8)),
    sa.Column("text", sa.Text),
    _import_id(),
    sa.UniqueConstraint("source", "source_key"),
)

review_aspect = sa.Table(
    "review_aspect",
    metadata,
    sa.Column("review_id", sa.BigInteger, nullable=False),
    sa.Column("aspect", sa.String(64), nullable=False),
    sa.Column("rating", sa.Double, nullable=False),
    sa.PrimaryKeyConstraint("review_id", "aspect"),
    comment="Aspect ratings on the review's own scale (rating_max of the review).",
)

employer_review = sa.Table(
    "employer_review",
    metadata,
    _id("employer_review"),
    sa.Column("source", sa.String(64), nullable=False, comment="glassdoor, indeed, ... (lower case)"),
    sa.Column("source_key", sa.String(128), nullable=False, comment="The review's id at its source"),
    sa.Column("unit_id", sa.BigInteger, nullable=False, comment="The unit the employee reviewed"),
    sa.Column("posted_at", sa.DateTime, nullable=False),
    sa.Column("rating", sa.Double, nullable=False, comment="Overall rating of the employer, 0..rating_max"),
    sa.Column("rating_max", sa.Double, nullable=False, comment="Top of the source's scale (5 at most sites)"),
    sa.Column("culture", sa.Double, comment="Culture and values, on the review's scale"),
    sa.Column("career", sa.Double, comment="Career opportunities, on the review's scale"),
    sa.Column("pay", sa.Double, comment="Pay and benefits, on the review's scale"),
    sa.Column("management", sa.Double, comment="Senior management, on the review's scale"),
    sa.Column("work_life", sa.Double, comment="Work-life balance, on the review's scale"),
    sa.Column("recommend", sa.Boolean, comment="Would recommend the employer to a friend"),
    sa.Column("ceo_approval", sa.String(16), comment="approve, neutral or disapprove"),
    sa.Column("pros", sa.Text, comment="What the employee likes"),
    sa.Column("cons", sa.Text, comment="What the employee dislikes"),
    sa.Column("language", sa.String(8)),
    _import_id(),
    sa.UniqueConstraint("source", "source_key"),
    comment="Reviews of the employer by (former) employees on Glassdoor, Indeed and similar sites.",
)

unit_kpi = sa.Table(
    "unit_kpi",
    metadata,
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("metric", sa.String(64), nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    _import_id(),
    sa.PrimaryKeyConstraint("unit_id", "period", "metric"),
)

customer_kpi = sa.Table(
    "customer_kpi",
    metadata,
    sa.Column("customer_id", sa.BigInteger, nullable=False),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("revenue", sa.Double),
    sa.Column("share_of_wallet", sa.Double),
    sa.Column("retained", sa.Boolean),
    _import_id(),
    sa.PrimaryKeyConstraint("customer_id", "period"),
)

import_log = sa.Table(
    "import_log",
    metadata,
    _id("import_log"),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("inserted", sa.Integer, nullable=False),
    sa.Column("updated", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
)

demo_truth = sa.Table(
    "demo_truth",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False, comment="JSON"),
    comment="The planted parameters of the demo organisation, so analyses can be checked.",
)

# --- accounts: who may see what (servicechain.accounts) ---------------------------------

app_user = sa.Table(
    "app_user",
    metadata,
    _id("app_user"),
    sa.Column("email", sa.String(320), nullable=False, unique=True, comment="Stored lower-case"),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("unit_id", sa.BigInteger, nullable=False, comment="Root of the subtree the user may see"),
    sa.Column("password_hash", sa.String(200), comment="argon2id; NULL until the password is set"),
    sa.Column("language", sa.String(8)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("password_set_at", sa.DateTime),
    sa.Column("disabled_at", sa.DateTime),
    sa.Column(
        "session_version",
        sa.Integer,
        nullable=False,
        server_default="0",
        comment="Raised by `users sign-out`: every session issued before dies",
    ),
)

app_session = sa.Table(
    "app_session",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True, comment="Random; the signed cookie carries it"),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, comment="Set on logout: a copy of the cookie dies with it"),
    comment="Signed-in sessions, so that logging out ends this session on the server too.",
)

api_token = sa.Table(
    "api_token",
    metadata,
    _id("api_token"),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False, unique=True, comment="Shown to identify a token"),
    sa.Column("token_hash", sa.String(64), nullable=False, comment="SHA-256 of the whole token"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_used_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _id("audit_log"),
    sa.Column("logged_at", sa.DateTime, nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.String(2000), nullable=False),
    sa.Column("client", sa.String(64)),
    sa.Index(None, "email", "action", "logged_at"),
    comment="Logins (also failed ones, which drive login throttling), exports, imports, tokens.",
)

# --- precomputed results the dashboards read (servicechain.analysis.snapshot) -----------

result_snapshot = sa.Table(
    "result_snapshot",
    metadata,
    _id("result_snapshot"),
    sa.Column("built_at", sa.DateTime, nullable=False),
    sa.Column("import_id", sa.BigInteger, nullable=False, comment="Newest import it includes (0: none)"),
    sa.Column("seconds", sa.Double, nullable=False),
    comment="One complete set of unit results; dashboards read the newest one.",
)

result_scorecard = sa.Table(
    "result_scorecard",
    metadata,
    sa.Column("snapshot_id", sa.BigInteger, nullable=False),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("measure", sa.String(64), nullable=False),
    sa.Column("level", sa.String(32), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("n", sa.BigInteger),
    sa.Column("mean", sa.Double),
    sa.Column("se", sa.Double),
    sa.Column("ci_low", sa.Double),
    sa.Column("ci_high", sa.Double),
    sa.Column("shrunk", sa.Double),
    sa.Column("percentile", sa.Double),
    sa.Column("flag", sa.String(16), comment="above, within or below the company beyond chance"),
    sa.Column("suppressed", sa.Boolean, nullable=False),
    sa.Column("suppressed_reason", sa.String(32)),
    sa.PrimaryKeyConstraint("snapshot_id", "unit_id", "period", "measure"),
    comment="The scorecard after the anonymity rules: suppressed rows carry no numbers.",
)

result_document = sa.Table(
    "result_document",
    metadata,
    sa.Column("snapshot_id", sa.BigInteger, nullable=False),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False, comment="JSON"),
    sa.PrimaryKeyConstraint("snapshot_id", "key"),
    comment="Report sections per language, the measure catalogue, review aspects.",
)

# --- collection: survey invitations, survey links, intake clients, alerts (servicechain.collect) --

survey_invitation = sa.Table(
    "survey_invitation",
    metadata,
    _id("survey_invitation"),
    sa.Column("wave_id", sa.BigInteger, nullable=False),
    sa.Column("employee_id", sa.BigInteger, nullable=False, comment="Who was invited (for reminders)"),
    sa.Column("unit_id", sa.BigInteger, nullable=False, comment="The unit the answer will carry"),
    sa.Column("salt", sa.String(32), nullable=False, comment="With the secret key, derives the token"),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True, comment="SHA-256 of the token"),
    sa.Column("used", sa.Boolean, nullable=False, comment="Only whether, never when nor which answer"),
    sa.UniqueConstraint("wave_id", "employee_id"),
    comment="One-use survey invitations; nothing here links an invitation to an answer.",
)

survey_link = sa.Table(
    "survey_link",
    metadata,
    sa.Column("key", sa.String(32), primary_key=True, comment="Random; the public link and QR code carry it"),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("instrument_key", sa.String(64), nullable=False, comment="customer or touchpoint"),
    sa.Column("channel", sa.String(32)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
    comment="Per-unit links to the customer and touchpoint surveys (printed as QR codes).",
)

intake_client = sa.Table(
    "intake_client",
    metadata,
    _id("intake_client"),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False, unique=True, comment="Shown to identify a key"),
    sa.Column("key_hash", sa.String(64), nullable=False, comment="SHA-256 of the whole key"),
    sa.Column("unit_id", sa.BigInteger, nullable=False, comment="Root of the units it may send for"),
    sa.Column("rate_per_second", sa.Double, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
    comment="API keys of apps and tills that send touchpoints and customer responses.",
)

intake_receipt = sa.Table(
    "intake_receipt",
    metadata,
    sa.Column("client_id", sa.BigInteger, nullable=False, comment="0: the survey pages of this site"),
    sa.Column("idempotency_key", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("response_id", sa.BigInteger, nullable=False),
    sa.Column("body_hash", sa.String(64), nullable=False, comment="SHA-256 of the canonical request"),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column(
        "payload", sa.Text, nullable=False, comment="The checked response as JSON (the intake journal)"
    ),
    sa.PrimaryKeyConstraint("client_id", "idempotency_key"),
    comment="One row per accepted request, committed before the answer: a retry with the same key returns "
    "the stored answer; the response tables are written from here (collect.journal).",
)

alert = sa.Table(
    "alert",
    metadata,
    _id("alert"),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("source", sa.String(16), nullable=False, comment="touchpoint or customer"),
    sa.Column("response_id", sa.BigInteger, nullable=False),
    sa.Column("raised_at", sa.DateTime, nullable=False),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("contact", sa.String(320), comment="How the customer asked to be called back, if at all"),
    sa.Column("acknowledged_at", sa.DateTime),
    sa.Column("acknowledged_by", sa.String(320)),
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("resolved_by", sa.String(320)),
    sa.Column("resolution", sa.String(2000)),
    sa.Column("webhook_sent_at", sa.DateTime),
    sa.Column("email_sent_at", sa.DateTime),
    sa.Column("attempts", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Index(None, "unit_id", "resolved_at"),
    comment="Closed loop: a response that meets an alert rule, for the unit's manager to act on.",
)

# --- acting on the results: plans, the scan, ideas, recognition (servicechain.act) ----------

action_plan = sa.Table(
    "action_plan",
    metadata,
    _id("action_plan"),
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("owner_email", sa.String(320), nullable=False, comment="Who is accountable for it"),
    sa.Column("measure", sa.String(64), nullable=False, comment="The scorecard measure it should move"),
    sa.Column("baseline_period", sa.String(16), comment="The period its baseline was read from"),
    sa.Column("baseline", sa.Double, comment="The unit's value of the measure when the plan was made"),
    sa.Column("target", sa.Double, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, comment="open, in_progress, done or dropped"),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(320), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index(None, "unit_id", "status"),
    comment="What a unit's manager will do about a measure, by when, and whether it worked.",
)

scan_response = sa.Table(
    "scan_response",
    metadata,
    _id("scan_response"),
    sa.Column("respondent_email", sa.String(320), nullable=False),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("answers", sa.Text, nullable=False, comment="JSON {statement key: 1..5}"),
    comment="Answers of the management team to the customer-centricity scan (one row per submission).",
)

idea = sa.Table(
    "idea",
    metadata,
    _id("idea"),
    sa.Column("unit_id", sa.BigInteger, nullable=False, comment="The unit of the employee who raised it"),
    sa.Column("kind", sa.String(16), nullable=False, comment="friction, or rule (in the way)"),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("author_email", sa.String(320), comment="Set only when raised by name"),
    sa.Column(
        "author_key",
        sa.String(64),
        comment="Anonymous ideas: HMAC of the author's account, so they can find their own ideas",
    ),
    sa.Column("status", sa.String(16), nullable=False, comment="new, under_review, planned, done, declined"),
    sa.Column("decision_reason", sa.String(2000), comment="Why it was declined (required then)"),
    sa.Column("reward", sa.String(200), comment="What the idea earned its author or team"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("status_changed_at", sa.DateTime),
    sa.Column("decided_at", sa.DateTime, comment="First time it became planned, done or declined"),
    sa.Column("decided_by", sa.String(320)),
    sa.Index(None, "unit_id", "status"),
    comment="Friction points and rules that stand in the customer's way, raised by employees.",
)

idea_vote = sa.Table(
    "idea_vote",
    metadata,
    sa.Column("idea_id", sa.BigInteger, nullable=False),
    sa.Column("voter_key", sa.String(64), nullable=False, comment="HMAC of the voter's account"),
    sa.PrimaryKeyConstraint("idea_id", "voter_key"),
    comment="One vote per employee per idea.",
)

recognition = sa.Table(
    "recognition",
    metadata,
    _id("recognition"),
    sa.Column("unit_id", sa.BigInteger, nullable=False, comment="The unit the review or comment is about"),
    sa.Column("source", sa.String(16), nullable=False, comment="review, customer or touchpoint"),
    sa.Column("source_id", sa.BigInteger, nullable=False, comment="id of the review or response"),
    sa.Column("said_on", sa.Date, comment="When the review was posted or the response given"),
    sa.Column("rating", sa.Double, comment="The review's or response's rating as a fraction of its maximum"),
    sa.Column("name", sa.String(100), nullable=False, comment="The name as written"),
    sa.Column("excerpt", sa.String(1000), nullable=False, comment="The sentence that praises"),
    sa.Column("employee_id", sa.BigInteger, comment="The one match, or the analyst's choice"),
    sa.Column("candidates", sa.String(2000), nullable=False, comment="JSON list of matching employee ids"),
    sa.Column("status", sa.String(16), nullable=False, comment="suggested, ambiguous, confirmed or rejected"),
    sa.Column("found_at", sa.DateTime, nullable=False),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("decided_by", sa.String(320)),
    sa.UniqueConstraint("source", "source_id", "name"),
    sa.Index(None, "unit_id", "status"),
    comment="Praise of a named employee found in reviews and comments, matched against the roster.",
)

recognition_scan = sa.Table(
    "recognition_scan",
    metadata,
    sa.Column("source", sa.String(16), primary_key=True, comment="review, customer or touchpoint"),
    sa.Column("last_id", sa.BigInteger, nullable=False, comment="The highest id of a text read"),
    sa.Column("roster", sa.String(64), nullable=False, comment="SHA-256 of the roster matched against"),
    sa.Column("scanned_at", sa.DateTime, nullable=False),
    comment="How far recognition has read each source: later runs read only newer texts.",
)

incentive_decision = sa.Table(
    "incentive_decision",
    metadata,
    _id("incentive_decision"),
    sa.Column("rule", sa.String(64), nullable=False, comment="The incentive rule's key"),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("unit_id", sa.BigInteger, nullable=False, comment="The unit judged (its manager's outcome)"),
    sa.Column("manager_employee_code", sa.String(64), comment="The unit's manager when it was finalised"),
    sa.Column("outcome", sa.String(32), nullable=False, comment="met, met_within_noise, partly_met, ..."),
    sa.Column("reason", sa.String(32), nullable=False, comment="clear_above, straddles, clear_below, ..."),
    sa.Column("eligible", sa.Boolean, comment="Threshold rules; NULL when held for HR"),
    sa.Column("attainment", sa.Double, comment="Bonus rules: 0..1; NULL when held for HR"),
    sa.Column("payout_share", sa.Double, comment="Bonus rules: weight x attainment; NULL when held for HR"),
    sa.Column("row", sa.Text, nullable=False, comment="The HR export row as JSON, explanations in nl and en"),
    sa.Column("snapshot_id", sa.BigInteger, nullable=False, comment="The results snapshot it was judged on"),
    sa.Column("rules_sha256", sa.String(64), nullable=False, comment="SHA-256 of the rule as applied"),
    sa.Column("finalised_at", sa.DateTime, nullable=False),
    sa.Column("finalised_by", sa.String(320), nullable=False),
    sa.UniqueConstraint("rule", "period", "unit_id"),
    comment="Incentive outcomes frozen for HR per rule, period and unit: a later import does not "
    "change them.",
)
