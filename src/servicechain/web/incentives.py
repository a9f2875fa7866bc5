"""The incentives page, the HR export and ``/api/v1/incentives``: rules on customer scores per period.

Executives and analysts see every unit's outcome, regional and unit managers those of their
subtree (so a store manager reads why their own rule came out as it did), employees nothing
(403). The CSV export for HR (``/incentives/export.csv``, ``/api/v1/incentives/export``) is for
executives and analysts and goes into the audit log. The rules come from the ``incentive_rules``
setting (default: ``act/incentive_rules.yaml``), read when the application starts.

Analysts finalise a period that has ended (``POST /incentives/finalise``, ``POST
/api/v1/incentives/finalise``; :mod:`servicechain.act.incentive_decisions`): from then on the page,
the API and the export show the frozen outcome, and the live one beside it only where a later
import changed it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from servicechain.accounts.audit import log_event
from servicechain.accounts.roles import sees_everything
from servicechain.accounts.users import User
from servicechain.act import incentive_decisions as decisions
from servicechain.act import incentive_texts as texts
from servicechain.act import incentives
from servicechain.act.incentive_rules import IncentiveRule, load_rules, rule_of
from servicechain.web.access import Forbidden, require_whole_organisation
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.scoped import check_api_write, scores_caller, unit_within
from servicechain.web.session import check_csrf, client_of, language_of, signed_in, store_of

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
    decisions.NO_PERIOD: N_("Name the period to finalise, e.g. 2026-Q3."),
    decisions.NOT_ENDED: N_("{period} has not ended yet: a period is finalised for HR once it is over."),
    decisions.ALREADY: N_(
        "{rule} for {period} was finalised on {date} by {by}: to finalise it again, replace it explicitly."
    ),
    decisions.FOR_ANALYSTS: N_("Finalising a period for HR is for analysts."),
}
CONFIRM_FIRST = N_("Tick the box to confirm that these outcomes are final for HR.")
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
LEVEL_NAMES = {"location": N_("per location"), "region": N_("per region"), "team": N_("per team")}
"""How a rule card names the level it judges (other levels: their own name)."""
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


def frozen_of(
    request: Request, evaluation: incentives.Evaluation, path: str | None
) -> decisions.Finalised | None:
    """The frozen record of the evaluation's rule and period (its units below ``path``), if any."""
    return decisions.finalised(store_of(request), evaluation.rule.key, evaluation.period, path=path)


def _stamp(frozen: decisions.Finalised) -> dict[str, Any]:
    return {
        "finalised_at": frozen.finalised_at.isoformat(),
        "finalised_on": frozen.finalised_at.date().isoformat(),
        "finalised_by": frozen.finalised_by,
        "snapshot_id": frozen.snapshot_id,
        "rules_sha256": frozen.rules_sha256,
    }


def line_json(line: decisions.Line, evaluation: incentives.Evaluation, language: str) -> dict[str, Any]:
    """One unit as shown: the frozen verdict when the period is finalised (``finalised: true``), with
    the live outcome under ``live`` only where it differs (``changed_since_finalised``)."""
    _ = translator(language)
    out = verdict_json(line.verdict, evaluation, language)
    out["in_record"] = line.frozen is not None
    out["changed_since_finalised"] = line.changed_since
    out["live"] = None
    if line.frozen is not None:
        out["explanation"] = line.frozen.explanation(language)
    if line.changed_since and line.live is not None:
        live = line.live
        out["live"] = {
            "outcome": live.outcome,
            "outcome_text": _(OUTCOME_NAMES[live.outcome]),
            "reason": live.reason,
            "eligible": live.eligible,
            "attainment": live.attainment,
            "payout_share": live.payout,
            "n": live.n,
            "shrunk": live.shrunk,
            "interval_low": live.low,
            "interval_high": live.high,
            "explanation": texts.explain(live, evaluation, language, _),
        }
    return out


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


def measure_name(store: Any, rule: IncentiveRule, language: str) -> str | None:
    """The name of the rule's measure in ``language`` (None when the results have no such measure)."""
    try:
        _snapshot, entry = incentives.measure_entry(store, rule)
    except incentives.IncentiveRefused:
        return None
    return str(entry.get(language) or entry.get("en") or rule.measure)


def rule_json(rule: IncentiveRule, language: str, measure: str | None = None) -> dict[str, Any]:
    """A rule as JSON, its name and description in ``language``; ``measure_name`` the measure's
    name when given (the page's rule cards)."""
    return {
        "key": rule.key,
        "kind": rule.kind,
        "name": rule.name(language),
        "description": rule.description(language),
        "measure": rule.measure,
        "measure_name": measure,
        "level": rule.level,
        "threshold": "company" if rule.kind == "threshold" and rule.threshold is None else rule.threshold,
        "weight": rule.weight,
        "target": rule.target,
        "floor": rule.floor,
        "min_n": rule.min_n,
        "below_min_n": rule.below_min_n,
        "confidence": rule.confidence,
    }


def evaluation_json(
    evaluation: incentives.Evaluation, language: str, frozen: decisions.Finalised | None = None
) -> dict[str, Any]:
    """A rule's evaluation as JSON; for a finalised period (``finalised``: when, by whom, on which
    snapshot) the units' frozen outcomes, with the live one where it differs."""
    shown = decisions.lines(evaluation, frozen)
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
        "counts": decisions.counts(shown),
        "finalised": None
        if frozen is None
        else _stamp(frozen) | {"changed_since": sum(line.changed_since for line in shown)},
        "units": [line_json(line, evaluation, language) for line in shown],
    }


@router.get("/incentives")
def incentives_page(
    request: Request, rule: RuleQuery = None, period: PeriodQuery = None, unit: UnitQuery = None
) -> Response:
    user, path = scores_caller(request)
    return _page(request, user, path, rule, period, unit)


def _page(
    request: Request,
    user: User,
    path: str | None,
    rule: str | None,
    period: str | None,
    unit: str | None,
    error: str | None = None,
) -> Response:
    path = unit_within(request, path, unit)
    language = language_of(request)
    rules = _rules(request)
    key = rule or rules[0].key
    context: dict[str, Any] = {
        "rules": [rule_json(one, language, measure_name(store_of(request), one, language)) for one in rules],
        "chosen": key,
        "level_names": LEVEL_NAMES,
        "period": period or "",
        "unit": unit or "",
        "evaluation": None,
        "error": error,
        "outcome_names": OUTCOME_NAMES,
        "kind_names": KIND_NAMES,
        "can_export": sees_everything(user.role),
        "can_finalise": user.role in decisions.FINALISERS,
    }
    try:
        found = evaluations(request, key, period, path)[0]
    except Refused as refused:
        context["error"] = str(refused)
        return render(request, "incentives.html", context, status_code=400)
    context["evaluation"] = evaluation_json(found, language, frozen_of(request, found, path))
    return render(request, "incentives.html", context, status_code=400 if error else 200)


@router.post("/incentives/finalise")
def finalise_form(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    rule: Annotated[str, Form(max_length=64)] = "",
    period: Annotated[str, Form(max_length=16)] = "",
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Finalise the shown rule for the shown period (analysts; the box ticked), then show it."""
    user, path = scores_caller(request)
    check_csrf(request, csrf_token)
    _may_finalise(user)
    message = None
    if confirm != "yes":
        message = translator(language_of(request))(CONFIRM_FIRST)
    else:
        try:
            _finalise(request, user, _chosen(request, rule or None), period, replace=False)
        except Refused as refused:
            message = str(refused)
    if message is not None:
        return _page(request, user, path, rule or None, period or None, None, error=message)
    query = urlencode({"rule": rule, "period": period} if rule else {"period": period})
    return RedirectResponse(f"/incentives?{query}#evaluation", status_code=303)


def _may_finalise(user: User) -> None:
    if user.role not in decisions.FINALISERS:
        raise Forbidden(MESSAGES[decisions.FOR_ANALYSTS])


def _finalise(
    request: Request, user: User, rules: list[IncentiveRule], period: str, *, replace: bool
) -> list[decisions.Finalised]:
    try:
        return decisions.finalise(
            store_of(request), period, user.email, rules, replace=replace, client=client_of(request)
        )
    except incentives.IncentiveRefused as error:
        raise Refused(_message(request, error)) from None


def _export(request: Request, rule: str | None, period: str | None) -> Response:
    user = signed_in(request)
    require_whole_organisation(user)
    language = language_of(request)
    try:
        found = evaluations(request, rule, period, None)
    except Refused as error:
        return _refused(request, str(error))
    translate = translator(language)
    rows = [
        row
        for evaluation in found
        for row in decisions.export_rows(
            evaluation, frozen_of(request, evaluation, None), language, translate
        )
    ]
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
    path = unit_within(request, path, unit)
    language = language_of(request)
    try:
        found = evaluations(request, rule, period, path)
    except Refused as error:
        return _refused(request, str(error))
    return {
        "rules": [
            evaluation_json(evaluation, language, frozen_of(request, evaluation, path))
            for evaluation in found
        ]
    }


@api_router.get(
    "/incentives/export",
    summary="The HR export (CSV): one row per unit and rule (executives and analysts; audited)",
    response_class=Response,
)
def export_api(
    request: Request, rule: RuleQuery = None, period: PeriodQuery = None, lang: LangQuery = None
) -> Response:
    return _export(request, rule, period)


class Finalise(BaseModel):
    """What to finalise."""

    period: str = Field(max_length=16, description="The period, e.g. 2026-Q3; it must have ended")
    rule: str | None = Field(default=None, max_length=64, description="One rule's key (default: every rule)")
    replace: bool = Field(
        default=False, description="Replace a record finalised before (the audit log says what changed)"
    )


@api_router.post(
    "/incentives/finalise",
    summary="Freeze every unit's outcome of the rules for an ended period as HR's record (analysts)",
)
def finalise_api(request: Request, body: Finalise | None = None) -> Any:
    user, _path = scores_caller(request)
    check_api_write(request)
    _may_finalise(user)  # who may, before what: a caller who may not learns nothing from the body
    body = body or Finalise(period="")
    try:
        done = _finalise(request, user, _chosen(request, body.rule), body.period, replace=body.replace)
    except Refused as error:
        return _refused(request, str(error))
    return {
        "finalised": [
            {"rule": record.rule, "period": record.period}
            | _stamp(record)
            | {
                "units": len(record.decisions),
                "counts": decisions.counts([decisions.Line(d.verdict, d.verdict) for d in record.decisions]),
            }
            for record in done
        ]
    }
