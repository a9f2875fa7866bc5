"""The incentives page, the HR export and ``/api/v1/incentives``: rules on customer scores per period.

Executives and analysts see every unit's outcome, regional and unit managers those of their
subtree (so a store manager reads why their own rule came out as it did), employees nothing
(403). The CSV export for HR (``/incentives/export.csv``, ``/api/v1/incentives/export``) is for
executives and analysts and goes into the audit log. The rules come from the ``incentive_rules``
setting (default: ``act/incentive_rules.yaml``), read when the application starts.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from servicechain.accounts.audit import log_event
from servicechain.accounts.roles import sees_everything
from servicechain.act import incentive_texts as texts
from servicechain.act import incentives
from servicechain.act.incentive_rules import IncentiveRule, load_rules, rule_of
from servicechain.store import schema
from servicechain.web.access import NotFound, require_whole_organisation
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.scoped import scores_caller
from servicechain.web.session import client_of, language_of, signed_in, store_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["incentives"])

MESSAGES = {
    incentives.NO_COMPANY: N_(
        "The rule {rule} compares with the company's value of {measure}, and there is none for {period} "
        "(it needs one top unit with results): give the rule a fixed threshold instead."
    ),
    incentives.NO_RESULTS: N_("There are no results yet: import data and refresh first."),
    incentives.UNKNOWN_RULE: N_("There is no incentive rule {rule}: choose one of {known}."),
    incentives.UNKNOWN_PERIOD: N_(
        "There are no results of {measure} for period {period}; periods with results: {known}."
    ),
    incentives.UNKNOWN_MEASURE: N_(
        "The rule {rule} names {measure}, which is not a measure of the scorecard."
    ),
    incentives.NOT_A_SCORE: N_(
        "The rule {rule} names {measure}, which has no shrunk value (a count or a ratio)."
    ),
    incentives.LOWER_BETTER: N_(
        "The rule {rule} names {measure}, where lower is better: rules take measures where higher is better."
    ),
    incentives.UNKNOWN_LEVEL: N_(
        "The rule {rule} judges units of level {level}, and the organisation has none."
    ),
}
SENTENCES = (  # the explanation's parts (act/incentive_texts.py), for the Dutch catalogue
    N_("manager {name}"),
    N_("manager {name}, left on {date}"),
    N_("{sentence} In {period} it was: {decision}."),
    N_("{sentence} Provisional: {period} has not ended yet."),
    N_("no manager on record"),
    N_("{unit} ({who}): {measure}, shrunk {value} ({level}% interval {low}–{high}, n = {n})"),
    N_("{unit} ({who}): {measure}, only {n} answers in {period}, fewer than the rule's minimum of {min_n}"),
    N_("{unit} ({who}): {measure}, no value that may be shown in {period}"),
    N_("{unit} ({who}): {measure}, the company has no value in {period} to compare with"),
    N_("the company mean {value}"),
    N_("the threshold {value}"),
    N_("the target {value} (floor {floor})"),
    N_("{head} against {reference}: the whole interval lies at or above it: {decision}."),
    N_(
        "{head} against {reference}: the interval contains it, so the difference may be chance: {decision} "
        "(benefit of the doubt)."
    ),
    N_(
        "{head} against {reference}: the whole interval lies below it, so the shortfall is not chance: "
        "{decision}."
    ),
    N_(
        "{head} against {reference}: the whole interval lies below the target; read at the top of the "
        "interval ({top}), attainment is {attainment}: {decision}."
    ),
    N_(
        "{head} against {reference}: even the top of the interval ({top}) is at or below the floor: "
        "{decision}."
    ),
    N_("{head}: not assessed; {decision}."),
    N_("eligible"),
    N_("not eligible"),
    N_("{payout} of the bonus potential"),
    N_("full attainment, {payout} of the bonus potential"),
    N_("counts as eligible (benefit of the doubt)"),
    N_("counts as full attainment (benefit of the doubt), {payout} of the bonus potential"),
    N_("held: HR decides"),
)
OUTCOME_NAMES = {
    "met": N_("Met"),
    "met_within_noise": N_("Met within noise"),
    "partly_met": N_("Partly met"),
    "not_met": N_("Not met"),
    "not_assessed": N_("Not assessed"),
}
KIND_NAMES = {"threshold": N_("Eligibility"), "bonus_share": N_("Bonus share")}
PeriodQuery = Annotated[
    str | None, Query(max_length=16, description="e.g. 2026-Q3 (default: the newest period that has ended)")
]
RuleQuery = Annotated[str | None, Query(max_length=64, description="A rule's key (default: every rule)")]
UnitQuery = Annotated[
    str | None,
    Query(max_length=64, description="One unit's code: its manager's outcome (default: every unit)"),
]
LangQuery = Annotated[str | None, Query(pattern="^(nl|en)$", description="Language of the explanations")]


class Refused(Exception):
    """An evaluation that cannot be made, in the caller's language (400 on pages, 422 in the API)."""


def install(app: FastAPI) -> None:
    """Read the rules now, so a broken rules file stops the server at the start."""
    app.state.incentive_rules = load_rules(app.state.settings.incentive_rules)


def _rules(request: Request) -> list[IncentiveRule]:
    return request.app.state.incentive_rules  # type: ignore[no-any-return]


def unit_path(request: Request, path: str | None, code: str | None) -> str | None:
    """The path to evaluate: the caller's subtree ``path``, or the unit ``code`` within it (one
    person's outcome); NotFound (404) for a unit that is unknown or outside the subtree."""
    if code is None or code == "":
        return path
    unit = schema.org_unit
    with store_of(request).engine.connect() as connection:
        found = connection.execute(sa.select(unit.c.path).where(unit.c.code == code)).scalar()
    if found is None or (path is not None and not str(found).startswith(path)):
        raise NotFound(N_("There is no unit {code} among your units."), code=code)
    return str(found)


def _message(request: Request, error: incentives.IncentiveRefused) -> str:
    return translator(language_of(request))(MESSAGES.get(error.message, error.message), **error.values)


def _chosen(request: Request, rule: str | None) -> list[IncentiveRule]:
    """The rule named ``rule`` (None: every rule); Refused for an unknown key."""
    rules = _rules(request)
    if rule is None or rule == "":
        return rules
    found = rule_of(rules, rule)
    if found is None:
        known = ", ".join(r.key for r in rules)
        raise Refused(
            translator(language_of(request))(MESSAGES[incentives.UNKNOWN_RULE], rule=rule, known=known)
        )
    return [found]


def evaluations(
    request: Request, rule: str | None, period: str | None, path: str | None
) -> list[incentives.Evaluation]:
    """Each chosen rule evaluated for ``period`` below ``path``; Refused with a translated message."""
    chosen = _chosen(request, rule)
    try:
        return [incentives.evaluate(store_of(request), one, period or None, path=path) for one in chosen]
    except incentives.IncentiveRefused as error:
        raise Refused(_message(request, error)) from None


def verdict_json(
    verdict: incentives.UnitVerdict, evaluation: incentives.Evaluation, language: str
) -> dict[str, Any]:
    """One unit's verdict as JSON: the numbers, the outcome in words and the explanation."""
    _ = translator(language)
    return {
        "unit_code": verdict.unit_code,
        "unit_name": verdict.unit_name,
        "manager_code": verdict.manager_code,
        "manager_first_name": verdict.manager_first_name,
        "manager_last_name": verdict.manager_last_name,
        "manager": verdict.manager,
        "period": verdict.period,
        "n": verdict.n,
        "mean": verdict.mean,
        "shrunk": verdict.shrunk,
        "interval_low": verdict.low,
        "interval_high": verdict.high,
        "outcome": verdict.outcome,
        "manager_left_on": None if verdict.manager_left_on is None else verdict.manager_left_on.isoformat(),
        "outcome_text": _(OUTCOME_NAMES[verdict.outcome]),
        "reason": verdict.reason,
        "eligible": verdict.eligible,
        "attainment": verdict.attainment,
        "payout_share": verdict.payout,
        "previous": None
        if verdict.previous is None
        else {
            "period": verdict.previous.period,
            "outcome": verdict.previous.outcome,
            "outcome_text": _(OUTCOME_NAMES[verdict.previous.outcome]),
            "eligible": verdict.previous.eligible,
            "payout_share": verdict.previous.payout,
        },
        "changed": verdict.changed,
        "explanation": texts.explain(verdict, evaluation, language, _),
    }


def rule_json(rule: IncentiveRule, language: str) -> dict[str, Any]:
    """A rule as JSON, its name and description in ``language``."""
    return {
        "key": rule.key,
        "kind": rule.kind,
        "name": rule.name(language),
        "description": rule.description(language),
        "measure": rule.measure,
        "level": rule.level,
        "threshold": "company" if rule.kind == "threshold" and rule.threshold is None else rule.threshold,
        "weight": rule.weight,
        "target": rule.target,
        "floor": rule.floor,
        "min_n": rule.min_n,
        "below_min_n": rule.below_min_n,
        "confidence": rule.confidence,
    }


def evaluation_json(evaluation: incentives.Evaluation, language: str) -> dict[str, Any]:
    """A rule's evaluation as JSON."""
    return {
        "rule": rule_json(evaluation.rule, language),
        "period": evaluation.period,
        "period_ended": evaluation.ended,
        "previous_period": evaluation.previous_period,
        "periods": evaluation.periods,
        "snapshot_id": evaluation.snapshot_id,
        "results_built_at": None if evaluation.built_at is None else evaluation.built_at.isoformat(),
        "measure_name": evaluation.measure.get(language),
        "reference": evaluation.reference,
        "reference_n": evaluation.reference_n,
        "counts": evaluation.counts(),
        "units": [verdict_json(v, evaluation, language) for v in evaluation.verdicts],
    }


@router.get("/incentives")
def incentives_page(
    request: Request, rule: RuleQuery = None, period: PeriodQuery = None, unit: UnitQuery = None
) -> Response:
    user, path = scores_caller(request)
    path = unit_path(request, path, unit)
    language = language_of(request)
    rules = _rules(request)
    key = rule or rules[0].key
    context: dict[str, Any] = {
        "rules": [rule_json(one, language) for one in rules],
        "chosen": key,
        "period": period or "",
        "unit": unit or "",
        "evaluation": None,
        "error": None,
        "outcome_names": OUTCOME_NAMES,
        "kind_names": KIND_NAMES,
        "can_export": sees_everything(user.role),
    }
    try:
        context["evaluation"] = evaluation_json(evaluations(request, key, period, path)[0], language)
    except Refused as error:
        context["error"] = str(error)
        return render(request, "incentives.html", context, status_code=400)
    return render(request, "incentives.html", context)


def _export(request: Request, rule: str | None, period: str | None) -> Response:
    user = signed_in(request)
    require_whole_organisation(user)
    language = language_of(request)
    try:
        found = evaluations(request, rule, period, None)
    except Refused as error:
        return _refused(request, str(error))
    rows = texts.export_rows(found, language, translator(language))
    periods = sorted({evaluation.period for evaluation in found})
    log_event(
        store_of(request),
        user.email,
        "incentives_exported",
        f"rules {','.join(e.rule.key for e in found)} period {','.join(periods)} rows {len(rows)}",
        client_of(request),
    )
    name = f"incentives-{'-'.join(periods)}{'-' + rule if rule else ''}.csv".replace('"', "")
    return Response(
        texts.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _refused(request: Request, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"status": 422, "message": message}}, status_code=422)
    return render(request, "error.html", {"status": 400, "message": message}, status_code=400)


@router.get("/incentives/export.csv")
def export_page(request: Request, rule: RuleQuery = None, period: PeriodQuery = None) -> Response:
    return _export(request, rule, period)


@api_router.get("/incentives", summary="Incentive rules evaluated for a period: every unit's outcome and why")
def incentives_api(
    request: Request,
    rule: RuleQuery = None,
    period: PeriodQuery = None,
    unit: UnitQuery = None,
    lang: LangQuery = None,
) -> Any:
    _user, path = scores_caller(request)
    path = unit_path(request, path, unit)
    language = language_of(request)
    try:
        found = evaluations(request, rule, period, path)
    except Refused as error:
        return _refused(request, str(error))
    return {"rules": [evaluation_json(evaluation, language) for evaluation in found]}


@api_router.get(
    "/incentives/export",
    summary="The HR export (CSV): one row per unit and rule (executives and analysts; audited)",
    response_class=Response,
)
def export_api(
    request: Request, rule: RuleQuery = None, period: PeriodQuery = None, lang: LangQuery = None
) -> Response:
    return _export(request, rule, period)
