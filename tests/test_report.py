"""The executive report on the demo chain: it recovers what the generator planted.

Planted (docs/demo-ground-truth.md): EE -> customer attachment, needs (autonomy, competence,
relatedness) drive engagement and hygiene does not, both-high stores grow fastest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import statsmodels.api as sm
from typer.testing import CliRunner

from servicechain.analysis.report import build_report
from servicechain.cli import app
from servicechain.demo.load import load_demo, read_truth
from servicechain.report.html import write_html
from servicechain.store import Store
from tests.conftest import fresh_store
from tests.test_report_html import CHROMIUM, browser_available, shrink_png


@pytest.fixture(scope="module")
def chain(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    store: Store
    with fresh_store(request, "duckdb", tmp_path_factory.mktemp("report")) as store:
        load_demo(store, units=60, periods=6, customers_per_unit=60, seed=7)
        yield store, build_report(store, language="en")


def test_the_report_has_its_stable_fields_and_is_json(chain: tuple[Store, dict[str, Any]]) -> None:
    _, report = chain
    for field in ("human_sigma", "quadrants", "variability", "linkage", "drivers", "period", "summary"):
        assert field in report
    text = json.dumps(report, allow_nan=False)  # NaN would be invalid JSON
    assert json.loads(text)["period"] == "2026-Q3"
    quadrants = {"both_high", "employee_only", "customer_only", "both_low", None}
    assert {row["quadrant"] for row in report["human_sigma"]} <= quadrants
    assert report["quadrants"]["published"] == {"both_high_vs_both_low": 3.4, "one_high_vs_both_low": 1.7}


def test_the_ee_to_attachment_slope_covers_the_planted_slope(chain: tuple[Store, dict[str, Any]]) -> None:
    store, report = chain
    truth = pd.DataFrame(read_truth(store)["truth_units"])
    planted = sm.OLS(truth["true_attachment"], sm.add_constant(truth["true_ee"])).fit().params["true_ee"]
    fitted = report["linkage"]["models"]["attachment_on_ee"]
    # measured: planted 0.449; fitted 0.443 [0.251, 0.626] on shrunk EE (raw EE would give an
    # attenuated 0.337: shrinkage works as regression calibration)
    assert fitted["ci_low"] < planted < fitted["ci_high"]
    assert abs(fitted["slope"] - planted) < 0.1


def test_needs_drive_engagement_and_hygiene_does_not(chain: tuple[Store, dict[str, Any]]) -> None:
    _, report = chain
    weights = {row["driver"]: row["weight"] for row in report["drivers"]["engagement_index"]}
    for need in ("autonomy", "competence", "relatedness"):
        assert weights[need] > weights["hygiene"]
    assert min(weights, key=weights.__getitem__) == "hygiene"
    areas = pd.DataFrame(report["drivers"]["focus_areas"])
    assert areas.groupby("unit_code")["rank"].max().le(3).all() and (areas["priority"] > 0).all()


def test_the_chain_links_in_the_planted_direction(chain: tuple[Store, dict[str, Any]]) -> None:
    _, report = chain
    rows = {(c["x"], c["y"], c["lag"]): c for c in report["linkage"]["correlations"]}
    assert rows[("engagement_index", "ce_index", 0)]["ci_low"] > 0
    assert rows[("ce_index", "revenue_growth", 0)]["ci_low"] > 0
    assert rows[("engagement_index", "employee_turnover", 0)]["ci_high"] < 0
    mediation = report["linkage"]["models"]["mediation"]
    assert mediation["ci_low"] > 0 and 0 < mediation["proportion_mediated"] < 1
    ratios = report["quadrants"]["ratios"]
    assert ratios["both_high_vs_both_low"] > ratios["one_high_vs_both_low"] > 1


def test_report_command_prints_json_and_refuses_an_unknown_period(chain: tuple, tmp_path: Path) -> None:
    store, _ = chain
    runner = CliRunner()
    result = runner.invoke(app, ["--db", store.url, "report", "--json", "--lang", "nl"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["language"] == "nl"
    result = runner.invoke(app, ["--db", store.url, "report", "--period", "1999-Q1"])
    assert result.exit_code == 2 and "1999-Q1" in result.stderr


def test_the_demo_report_renders_in_chromium(chain: tuple[Store, dict[str, Any]], tmp_path: Path) -> None:
    """The real demo report in Debian's chromium: every chart draws; the screenshot goes to docs/."""
    browser_available()
    from playwright.sync_api import sync_playwright

    _, report = chain
    path = write_html(report, tmp_path / "report.html", language="nl")
    screenshot = Path(__file__).resolve().parents[1] / "docs" / "report-screenshot.png"
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(path.as_uri())
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-chart]')]"
                ".every(el => el.querySelector('.main-svg'))",
                timeout=30_000,
            )
            assert page.locator("[data-chart]").count() >= 7
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    shrink_png(screenshot)
