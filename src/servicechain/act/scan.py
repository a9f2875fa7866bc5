"""The customer-centricity scan: the management team assesses the organisation in six areas.

The questionnaire (``act/scan.yaml``) has six areas of four statements, each answered on
1 (disagree) .. 5 (agree). An answer ``a`` counts as ``(a - 1) * 25`` on a 0..100 scale.
A respondent's area score is the mean of their four statements; the area's score is the
mean over respondents, with ``n`` respondents and the spread between them (the sample
standard deviation, and the lowest and highest respondent); the organisation's score is
the mean of the six area scores. Only each person's latest submission counts, so a team
member who answers again replaces their earlier view instead of counting twice.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any, Literal

import sqlalchemy as sa
import yaml

from servicechain.accounts.audit import now, record
from servicechain.store import Store, schema

SCALE = (1, 5)
"""Every statement is answered on 1 (disagree) .. 5 (agree)."""
SCAN_ROLES = frozenset({"executive", "analyst", "regional-manager"})
"""The management team: who answers the scan and sees its result."""
AUDIT_ACTION = "scan_submitted"
LinkFor = Literal["whole", "analyst", "scores"]


@dataclass(frozen=True)
class Statement:
    """One statement, in Dutch and English."""

    key: str
    text: dict[str, str]


@dataclass(frozen=True)
class Link:
    """A page of servicechain that helps in an area; ``audience`` says who may open it."""

    href: str
    audience: LinkFor
    label: dict[str, str]

    def opens_for(self, role: str) -> bool:
        """True when ``role`` may open the page."""
        if self.audience == "analyst":
            return role == "analyst"
        if self.audience == "whole":
            return role in ("executive", "analyst")
        return True


@dataclass(frozen=True)
class Area:
    """An area of the scan: its statements and what servicechain offers for it."""

    key: str
    name: dict[str, str]
    statements: tuple[Statement, ...]
    offer: dict[str, str]
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Questionnaire:
    """The six areas, in the order they are asked."""

    areas: tuple[Area, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every statement's key, in order."""
        return tuple(statement.key for area in self.areas for statement in area.statements)


@cache
def questionnaire() -> Questionnaire:
    """The shipped questionnaire (read once)."""
    text = (resources.files("servicechain.act") / "scan.yaml").read_text(encoding="utf-8")
    return parse(yaml.safe_load(text))


def parse(data: Mapping[str, Any]) -> Questionnaire:
    """A questionnaire from its YAML form (see ``act/scan.yaml``)."""
    areas = []
    for area in data["areas"]:
        statements = tuple(Statement(s["key"], {"en": s["en"], "nl": s["nl"]}) for s in area["statements"])
        links = tuple(Link(link["href"], link["for"], {"en": link["en"], "nl": link["nl"]})
                      for link in area.get("links", ()))  # fmt: skip
        areas.append(Area(area["key"], dict(area["name"]), statements, dict(area["offer"]), links))
    found = Questionnaire(tuple(areas))
    if len(set(found.keys)) != len(found.keys):
        raise ValueError("the scan's statement keys must be unique")
    return found


# --- answers -------------------------------------------------------------------------------------

Problem = Literal["missing", "out_of_range"]


class AnswersInvalid(ValueError):
    """Answers that cannot be stored: ``problems`` maps a statement key to what is wrong with it
    (``unknown`` statements are listed under their own key)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {problem}" for key, problem in problems.items()))
        self.problems = problems


def check_answers(answers: Mapping[str, Any], scan: Questionnaire | None = None) -> dict[str, int]:
    """The answers as whole numbers 1..5 for every statement, or :class:`AnswersInvalid`
    (problems ``missing``, ``out_of_range``, ``unknown``)."""
    scan = scan or questionnaire()
    problems: dict[str, str] = {key: "unknown" for key in answers if key not in scan.keys}
    clean: dict[str, int] = {}
    for key in scan.keys:
        given = answers.get(key)
        if given is None or (isinstance(given, str) and not given.strip()):
            problems[key] = "missing"
            continue
        value = _whole(given)
        if value is None or not SCALE[0] <= value <= SCALE[1]:
            problems[key] = "out_of_range"
        else:
            clean[key] = value
    if problems:
        raise AnswersInvalid(problems)
    return clean


def _whole(given: Any) -> int | None:
    """``given`` as a whole number (an int, or a string of digits), else None."""
    if isinstance(given, bool):
        return None
    if isinstance(given, int):
        return given
    if isinstance(given, str) and given.strip().isdigit():
        return int(given.strip())
    return None


def submit(store: Store, email: str, answers: Mapping[str, Any], client: str | None = None) -> datetime:
    """Store one submission of ``email`` (checked first) and log *that* it was made (never the
    answers) in the same transaction. When it was submitted."""
    clean = check_answers(answers)
    moment = now()
    with store.transaction() as connection:
        connection.execute(schema.scan_response.insert().values(
            respondent_email=email.lower(), submitted_at=moment, answers=json.dumps(clean)))  # fmt: skip
        record(connection, email, AUDIT_ACTION, "", client)
    return moment


def latest_answers(store: Store) -> dict[str, dict[str, int]]:
    """Each respondent's latest submission: ``{email: {statement: 1..5}}``."""
    table = schema.scan_response
    query = sa.select(table.c.respondent_email, table.c.answers).order_by(table.c.submitted_at, table.c.id)
    latest: dict[str, dict[str, int]] = {}
    with store.engine.connect() as connection:
        for email, answers in connection.execute(query):
            latest[str(email)] = {str(key): int(value) for key, value in json.loads(answers).items()}
    return latest


def answers_of(store: Store, email: str) -> dict[str, int]:
    """``email``'s latest answers (empty when they have not answered yet)."""
    return latest_answers(store).get(email.lower(), {})


# --- scoring -------------------------------------------------------------------------------------


def points(answer: float) -> float:
    """An answer 1..5 on the 0..100 scale: 1 -> 0, 3 -> 50, 5 -> 100."""
    return (answer - SCALE[0]) * 100.0 / (SCALE[1] - SCALE[0])


@dataclass(frozen=True)
class AreaScore:
    """One area's score over the respondents (0..100), weakest areas sort first."""

    area: Area
    n: int
    mean: float | None
    sd: float | None
    """Sample standard deviation between respondents (None below two)."""
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ScanResult:
    """The organisation's scan: areas weakest first, the overall score and the respondents."""

    areas: tuple[AreaScore, ...]
    overall: float | None
    respondents: int


def score(submissions: Mapping[str, Mapping[str, int]], scan: Questionnaire | None = None) -> ScanResult:
    """Score the latest submission per respondent (see the module's docstring for the formulas)."""
    scan = scan or questionnaire()
    scores = []
    for area in scan.areas:
        per_person = [
            statistics.fmean(points(answers[s.key]) for s in area.statements)
            for answers in submissions.values()
            if all(s.key in answers for s in area.statements)
        ]
        n = len(per_person)
        scores.append(AreaScore(
            area, n, statistics.fmean(per_person) if n else None,
            statistics.stdev(per_person) if n > 1 else None,
            min(per_person) if n else None, max(per_person) if n else None,
        ))  # fmt: skip
    order = {area.key: index for index, area in enumerate(scan.areas)}
    ranked = sorted(scores, key=lambda s: (s.mean is None, s.mean or 0.0, order[s.area.key]))
    means = [s.mean for s in scores if s.mean is not None]
    return ScanResult(tuple(ranked), statistics.fmean(means) if means else None, len(submissions))


def result(store: Store) -> ScanResult:
    """The organisation's scan from everyone's latest submission."""
    return score(latest_answers(store))


def home_of(role: str, unit_code: str | None) -> str:
    """The page ``{home}`` stands for: the overview, or a regional manager's region."""
    return f"/regions/{unit_code}" if role == "regional-manager" and unit_code else "/overview"


def result_json(found: ScanResult, language: str, role: str, unit_code: str | None) -> dict[str, Any]:
    """The result for the API and the CLI: texts in ``language``, links the role may open."""
    home = home_of(role, unit_code)
    return {
        "overall": _rounded(found.overall),
        "respondents": found.respondents,
        "scale": "0..100",
        "areas": [
            {
                "key": s.area.key,
                "name": s.area.name[language],
                "n": s.n,
                "mean": _rounded(s.mean),
                "sd": _rounded(s.sd),
                "low": _rounded(s.low),
                "high": _rounded(s.high),
                "offer": s.area.offer[language],
                "links": [{"href": link.href.replace("{home}", home), "label": link.label[language]}
                          for link in s.area.links if link.opens_for(role)],
            }
            for s in found.areas
        ],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
