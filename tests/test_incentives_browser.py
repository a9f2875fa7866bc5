"""The incentives workflows in chromium, each as the role that does it: the analyst picks a rule and a
period, reads why a unit came out as it did and downloads the HR export; a store manager sees only
their own store's outcome."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from test_web_browser import VIEWPORT, Tab
from web_support import LiveWeb

from servicechain.act.incentive_rules import load_rules
from servicechain.act.incentives import evaluate


def test_the_analyst_reads_a_rule_and_downloads_the_hr_export(
    live_web: LiveWeb, browser: Any, tmp_path: Path
) -> None:
    bonus = next(rule for rule in load_rules() if rule.key == "bonus_service")
    period = evaluate(live_web.store, bonus).periods[-2]
    expected = evaluate(live_web.store, bonus, period)
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", accept_downloads=True)
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["analyst"].email)
        tab.goto("/overview?lang=en")
        with tab.page.expect_navigation():
            tab.page.click("header nav a[href='/incentives']")
        tab.clean("incentives")
        tab.fits("incentives")
        assert tab.page.get_attribute("#evaluation", "data-rule") == "promotion_ce", (
            "the first rule by default"
        )
        tab.page.select_option("#rule-choice", "bonus_service")
        tab.page.select_option("#period-choice", period)
        tab.submit("#show")
        assert tab.page.get_attribute("#evaluation", "data-rule") == "bonus_service"
        assert tab.page.get_attribute("#evaluation", "data-period") == period
        assert tab.page.get_attribute("#rule-bonus_service", "aria-current") == "true"
        rows = tab.page.locator("#verdicts tbody tr")
        assert rows.count() == len(expected.verdicts)
        first = expected.verdicts[0]
        assert first.outcome != "not_assessed", "units not assessed come last"
        row = tab.page.locator(f"#verdict-{first.unit_code}")
        assert row.get_attribute("data-outcome") == first.outcome
        why = row.locator("td.why").inner_text()
        assert why.startswith(first.unit_name) and f"n = {first.n}" in why and "bonus potential" in why
        shown = [
            tab.page.locator("#verdicts tbody tr").nth(i).get_attribute("id") for i in range(rows.count())
        ]
        assert shown == [f"verdict-{v.unit_code}" for v in expected.verdicts], "best value first"
        tab.screenshot("incentives.png")
        with tab.page.expect_download() as download:
            tab.page.click("#export")
        saved = tmp_path / "hr.csv"
        download.value.save_as(saved)
        exported = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
        assert [r["unit_code"] for r in exported] == [v.unit_code for v in expected.verdicts]
        assert {(r["rule"], r["period"]) for r in exported} == {("bonus_service", period)}
        assert [r["outcome"] for r in exported] == [v.outcome for v in expected.verdicts]
        assert exported[0]["explanation"] == why.strip()
        tab.clean("export")
    finally:
        context.close()


def test_a_store_manager_sees_only_their_own_store(live_web: LiveWeb, browser: Any) -> None:
    promotion = load_rules()[0]
    mine = next(v for v in evaluate(live_web.store, promotion).verdicts if v.unit_code == live_web.location)
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto(f"/units/{live_web.location}?lang=nl")
        with tab.page.expect_navigation():
            tab.page.click("header nav a[href='/incentives']")
        tab.clean("incentives")
        tab.fits("incentives")
        assert tab.lang() == "nl"
        ids = tab.page.eval_on_selector_all("#verdicts tbody tr", "rows => rows.map(r => r.id)")
        assert ids == [f"verdict-{live_web.location}"]
        assert tab.page.locator("#export").count() == 0, "the HR export is for executives and analysts"
        why = tab.page.locator(f"#verdict-{live_web.location} td.why").inner_text()
        assert why.startswith(mine.unit_name)
        if mine.outcome != "not_assessed":
            assert re.search(r"\d,\d\d–\d,\d\d", why), "Dutch numbers"
        assert live_web.other_location not in tab.page.content()
        tab.screenshot("incentives-unit-manager.png")
    finally:
        context.close()


def test_a_regional_manager_reads_one_managers_outcome(live_web: LiveWeb, browser: Any) -> None:
    """The regional manager's workflow: their region's stores only, one store manager's outcome on its
    own (with the period before), back to every store; a store in another region is not there (404)."""
    promotion = load_rules()[0]
    newest = evaluate(live_web.store, promotion)
    mine = next(v for v in newest.verdicts if v.unit_code == live_web.location)
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["regional-manager"].email)
        tab.goto("/incentives?lang=en")
        ids = tab.page.eval_on_selector_all("#verdicts tbody tr", "rows => rows.map(r => r.id)")
        assert f"verdict-{live_web.location}" in ids and f"verdict-{live_web.other_location}" not in ids
        assert tab.page.locator("#export").count() == 0
        tab.submit(f"#verdict-{live_web.location} a.person")
        assert tab.page.eval_on_selector_all("#verdicts tbody tr", "rows => rows.map(r => r.id)") == [
            f"verdict-{live_web.location}"
        ]
        row = tab.page.locator(f"#verdict-{live_web.location}")
        assert row.get_attribute("data-outcome") == mine.outcome
        assert row.get_attribute("data-changed") == ("true" if mine.changed else "false")
        if mine.previous is not None:
            before = row.locator("small.before .badge").get_attribute("class")
            assert before == f"badge {mine.previous.outcome}"
        assert row.locator("td.why").inner_text().startswith(mine.unit_name)
        tab.screenshot("incentives-one-manager.png")
        tab.submit("#all-units")
        assert tab.page.locator("#verdicts tbody tr").count() == len(ids)
        tab.goto(f"/incentives?unit={live_web.other_location}&lang=en", status=404)
        assert "There is no unit" in tab.page.content()
    finally:
        context.close()


def test_the_analyst_finalises_a_quarter_and_a_store_manager_sees_the_frozen_outcome(
    live_web: LiveWeb, browser: Any
) -> None:
    """The analyst opens the newest ended quarter, ticks the confirmation and finalises it for HR; the
    page then says when and by whom, and the store manager sees their store's frozen outcome."""
    promotion = load_rules()[0]
    newest = evaluate(live_web.store, promotion)
    period = newest.period
    mine = next(v for v in newest.verdicts if v.unit_code == live_web.location)
    analyst = live_web.accounts["analyst"].email
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(analyst)
        tab.goto(f"/incentives?rule={promotion.key}&period={period}&lang=en")
        assert tab.page.locator("#finalised").count() == 0
        assert tab.page.locator("#finalise-button").is_visible()
        tab.page.check("#confirm-finalise")
        tab.submit("#finalise-button")
        tab.clean("finalised")
        tab.fits("finalised")
        assert tab.page.get_attribute("#evaluation", "data-period") == period
        status = tab.page.locator("#finalised")
        assert status.get_attribute("data-by") == analyst
        assert "Finalised for HR on" in status.inner_text() and analyst in status.inner_text()
        assert tab.page.locator("#finalise").count() == 0, "finalised once"
        rows = tab.page.locator("#verdicts tbody tr[data-finalised='true']")
        assert rows.count() == len(newest.verdicts)
    finally:
        context.close()
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto(f"/incentives?rule={promotion.key}&period={period}&lang=en")
        tab.clean("manager")
        assert tab.page.locator("#finalised").get_attribute("data-by") == analyst
        assert tab.page.locator("#finalise").count() == 0, "managers do not finalise"
        row = tab.page.locator(f"#verdict-{live_web.location}")
        assert row.get_attribute("data-finalised") == "true"
        assert row.get_attribute("data-outcome") == mine.outcome
        assert row.get_attribute("data-changed-since") == "false"
        assert row.locator("td.why").inner_text().startswith(mine.unit_name)
        ids = tab.page.eval_on_selector_all("#verdicts tbody tr", "rows => rows.map(r => r.id)")
        assert ids == [f"verdict-{live_web.location}"]
    finally:
        context.close()
