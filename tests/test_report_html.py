"""The self-contained HTML report: one file, plotly.js inlined, both languages, escaping, a browser."""

from __future__ import annotations

import copy
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from servicechain.report import render_html, write_html
from servicechain.report.html import fmt_number, fmt_pct, plotly_js

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
EVIL = "<script>alert('x')</script> & Co"

QUADRANTS = ("both_high", "employee_only", "customer_only", "both_low")
OUTCOMES = ("revenue_growth", "gross_margin", "customer_retention", "employee_turnover")


def _funnel(rng: np.random.Generator, units: list[tuple[str, str]], target: float) -> list[dict[str, Any]]:
    rows = []
    for code, name in units:
        n = int(rng.integers(15, 220))
        se = 0.9 / math.sqrt(n)
        mean = target + rng.normal(0, 0.12) + rng.normal(0, se)
        flag = "above" if mean > target + 1.96 * se else "below" if mean < target - 1.96 * se else "within"
        rows.append(
            {
                "unit_code": code,
                "unit_name": name,
                "n": n,
                "mean": round(mean, 3),
                "target": target,
                "alert_low": target - 1.96 * se,
                "alert_high": target + 1.96 * se,
                "alarm_low": target - 3.09 * se,
                "alarm_high": target + 3.09 * se,
                "flag": flag,
            }
        )
    return rows


def make_report(language: str = "nl", units: int = 24) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    names = [
        (f"L{i:03d}", f"Winkel {city}")
        for i, city in enumerate(
            [
                "Utrecht",
                "Zwolle",
                "Delft",
                "Leiden",
                "Breda",
                "Tilburg",
                "Assen",
                "Gouda",
                "Ede",
                "Venlo",
                "Almere",
                "Haarlem",
                "Arnhem",
                "Emmen",
                "Hoorn",
                "Sneek",
                "Weert",
                "Oss",
                "Goes",
                "Heerlen",
                "Kampen",
                "Meppel",
                "Uden",
                "Vught",
            ][:units],
            start=1,
        )
    ]
    names[0] = ("L001", EVIL)
    human_sigma = []
    for code, name in names:
        p_ee, p_ce = float(rng.uniform(0, 100)), float(rng.uniform(0, 100))
        hs = math.sqrt(p_ee * p_ce)
        quadrant = (
            ("both_high" if p_ce >= 50 else "employee_only")
            if p_ee >= 50
            else ("customer_only" if p_ce >= 50 else "both_low")
        )
        human_sigma.append(
            {
                "unit_code": code,
                "unit_name": name,
                "p_ee": p_ee,
                "p_ce": p_ce,
                "hs": hs,
                "hs_level": float(min(6, 1 + int(hs // 17))),
                "quadrant": quadrant,
                "revenue_growth": float(rng.normal(0.03, 0.02)),
                "gross_margin": float(rng.normal(0.31, 0.02)),
                "customer_retention": float(rng.normal(0.8, 0.05)),
                "employee_turnover": float(rng.normal(0.18, 0.04)),
            }
        )
    outcomes = [
        {
            "quadrant": q,
            "outcome": o,
            "n": 6,
            "mean": 0.02 + 0.01 * i + 0.1 * j,
            "ci_low": 0.01 + 0.01 * i + 0.1 * j,
            "ci_high": 0.035 + 0.01 * i + 0.1 * j,
        }
        for i, q in enumerate(reversed(QUADRANTS))
        for j, o in enumerate(OUTCOMES)
    ]
    levels = [
        {
            "hs_level": float(level),
            "outcome": o,
            "n": 4,
            "mean": 0.01 * level + 0.1 * j,
            "ci_low": 0.01 * level + 0.1 * j - 0.01,
            "ci_high": 0.01 * level + 0.1 * j + 0.01,
        }
        for level in range(1, 7)
        for j, o in enumerate(OUTCOMES)
    ]
    dutch = language == "nl"
    variability = {
        "engagement_index": {
            "label": "Medewerkersbetrokkenheid" if dutch else "Employee engagement",
            "units": "1-5",
            "mean": 3.81,
            "sd": 0.74,
            "between_variance": 0.0213,
            "within_variance": 0.52,
            "above": 3,
            "below": 2,
            "alarms": 1,
            "sentence": "3 locaties scoren boven en 2 onder het gemiddelde."
            if dutch
            else "3 locations score above and 2 below the company.",
            "funnel": _funnel(rng, names, 3.81),
            "changes": {"improved": 5, "declined": 3, "unchanged": 16},
        },
        "ce_index": {
            "label": "Klantbetrokkenheid" if dutch else "Customer engagement",
            "units": "1-5",
            "mean": 4.02,
            "sd": 0.81,
            "between_variance": 0.0301,
            "within_variance": 0.61,
            "above": 2,
            "below": 4,
            "alarms": 0,
            "sentence": "",
            "funnel": _funnel(rng, names, 4.02),
            "changes": {"improved": 2, "declined": 6, "unchanged": 16},
        },
    }
    linkage = {
        "correlations": [
            {
                "x": "engagement_index",
                "y": "ce_index",
                "lag": 0,
                "r": 0.41,
                "ci_low": 0.28,
                "ci_high": 0.52,
                "n": 96,
            },
            {
                "x": "ce_index",
                "y": "revenue_growth",
                "lag": 1,
                "r": 0.33,
                "ci_low": 0.19,
                "ci_high": 0.46,
                "n": 72,
            },
        ],
        "sentences": [
            "Waar medewerkers betrokken zijn, zijn klanten dat ook (r = 0,41)."
            if dutch
            else "Where employees are engaged, customers are too (r = 0.41)."
        ],
        "customer": {
            "premiums": [
                {
                    "segment": "ce_group",
                    "value": "fully engaged",
                    "n": 812,
                    "mean": 1234.5,
                    "ci_low": 1180.2,
                    "ci_high": 1290.8,
                    "premium": 0.21,
                    "published_premium": 0.23,
                },
                {
                    "segment": "ce_group",
                    "value": "actively disengaged",
                    "n": 301,
                    "mean": 890.1,
                    "ci_low": 840.0,
                    "ci_high": 941.3,
                    "premium": -0.12,
                    "published_premium": -0.13,
                },
            ],
            "satisfaction_ratio": {"ratio": 2.57, "published": 2.6},
        },
    }
    drivers_ce = [
        {"driver": d, "label": lab, "weight": w, "share": w / 0.5, "ci_low": w - 0.02, "ci_high": w + 0.025}
        for d, lab, w in [
            ("ce1", "Vertrouwen" if dutch else "Confidence", 0.14),
            ("ce2", "Integriteit" if dutch else "Integrity", 0.11),
            ("ce3", "Trots" if dutch else "Pride", 0.09),
            ("ce4", "Passie" if dutch else "Passion", 0.16),
        ]
    ]
    drivers_ee = [
        {"driver": d, "label": lab, "weight": w, "share": w / 0.4, "ci_low": w - 0.015, "ci_high": w + 0.02}
        for d, lab, w in [
            ("q01", "Weet wat er verwacht wordt" if dutch else "Knows what is expected", 0.12),
            ("q02", "Materiaal en middelen" if dutch else "Materials and equipment", 0.08),
            ("q03", "Erkenning" if dutch else "Recognition", 0.1),
            ("q12", "Kansen om te leren" if dutch else "Opportunities to learn", 0.1),
        ]
    ]
    focus = [
        {
            "unit_code": code,
            "unit_name": name,
            "driver": d["driver"],
            "label": d["label"],
            "priority": round(0.5 - 0.1 * rank, 2),
            "rank": rank,
            "gap": round(0.3 - 0.05 * rank, 2),
        }
        for code, name in names[:5]
        for rank, d in enumerate(drivers_ee[:3], start=1)
    ]
    return {
        "period": "2026-Q3",
        "level": "location",
        "language": language,
        "organisation": "Winkelketen Nederland",
        "summary": [
            "Locaties met beide hoog groeien 3,1 keer zo snel als locaties met beide laag."
            if dutch
            else "Locations with both high grow 3.1 times as fast as those with both low."
        ],
        "human_sigma": human_sigma,
        "quadrants": {
            "outcomes": outcomes,
            "levels": levels,
            "ratios": {"both_high_vs_both_low": 3.1, "one_high_vs_both_low": 2.0},
            "published": {"both_high_vs_both_low": 3.4, "one_high_vs_both_low": 1.7},
        },
        "variability": variability,
        "linkage": linkage,
        "drivers": {"ce_index": drivers_ce, "engagement_index": drivers_ee, "focus_areas": focus},
    }


def empty_report() -> dict[str, Any]:
    return {
        "period": "2026-Q3",
        "level": "region",
        "language": "en",
        "organisation": "Empty Co",
        "summary": [],
        "human_sigma": [],
        "quadrants": {"outcomes": [], "levels": [], "ratios": {}, "published": {}},
        "variability": {"engagement_index": {"label": "Employee engagement", "funnel": [], "changes": {}}},
        "linkage": {"correlations": [], "sentences": [], "customer": {}},
        "drivers": {"ce_index": [], "focus_areas": []},
    }


def chart_ids(page: str) -> list[str]:
    return re.findall(r'<div class="chart" id="([^"]+)" data-chart="[^"]+"', page)


# --------------------------------------------------------------------------- static checks


def test_one_file_with_plotly_inlined(tmp_path: Path) -> None:
    path = write_html(make_report("nl"), tmp_path / "out" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert path.parent.name == "out" and len(list(path.parent.iterdir())) == 1
    assert plotly_js()[:200] in page  # the library itself, not a link to it
    assert "plotly.js v" in page or "plotly.js" in page
    assert not re.search(r"<script[^>]+src=", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page, re.IGNORECASE)
    ids = chart_ids(page)
    # matrix, funnel + histogram per measure, drivers per target
    assert set(ids) == {
        "chart-human-sigma",
        "chart-funnel-engagement_index",
        "chart-distribution-engagement_index",
        "chart-funnel-ce_index",
        "chart-distribution-ce_index",
        "chart-drivers-ce_index",
        "chart-drivers-engagement_index",
    }
    assert len(ids) == len(set(ids))


def test_both_languages_render_their_headings() -> None:
    nl = render_html(make_report("nl"))
    en = render_html(make_report("en"))
    assert '<html lang="nl">' in nl and '<html lang="en">' in en
    for heading in (
        "Samenvatting",
        "Human Sigma-matrix",
        "Resultaten per kwadrant",
        "Variatie tussen eenheden",
        "Verbanden",
        "Drijfveren",
        "Aandachtspunten per eenheid",
    ):
        assert f">{heading}</h" in nl, heading
    for heading in (
        "Summary",
        "Human Sigma matrix",
        "Outcomes by quadrant",
        "Variability between units",
        "Linkage",
        "Key drivers",
        "Focus areas per unit",
    ):
        assert f">{heading}</h" in en, heading
    assert "Samenvatting" not in en and "Summary<" not in nl
    # the argument overrides the report's language
    assert '<html lang="en">' in render_html(make_report("nl"), language="en")
    with pytest.raises(ValueError, match="language"):
        render_html(make_report("nl"), language="de")


def test_dutch_numbers_use_a_decimal_comma() -> None:
    assert fmt_number(1234.5, "nl") == "1.234,5" and fmt_number(1234.5, "en") == "1,234.5"
    assert fmt_pct(0.234, "nl") == "23,4%" and fmt_pct(-0.13, "en", 0, signed=True) == "-13%"
    assert fmt_number(float("nan"), "nl") == "–" and fmt_number(None, "en") == "–"
    nl, en = render_html(make_report("nl")), render_html(make_report("en"))
    assert ">3,1×</td>" in nl and ">3,4×</td>" in nl and ">1,7×</td>" in nl and ">2,6×</td>" in nl
    assert ">3.1×</td>" in en and ">3.4×</td>" in en
    assert ">+23%</td>" in nl and ">-13%</td>" in nl  # published customer premiums
    assert ">0,41</td>" in nl and "[0,28; 0,52]" in nl and ">0.41</td>" in en
    assert ">1.234,50</td>" in nl and ">1,234.50</td>" in en
    assert '"separators":",."' in nl  # plotly's own axis and hover numbers too


def test_text_is_escaped() -> None:
    report = make_report("nl")
    report["organisation"] = "Keten <b>vet</b>"
    report["summary"].append("<img src=x onerror=alert(1)>")
    page = render_html(report)
    body = page.split('<script type="application/json"')[0]
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in body  # focus table, escaped
    assert "<b>vet</b>" not in body and "Keten &lt;b&gt;vet&lt;/b&gt;" in body
    assert "<img src=x" not in page
    # in the chart data the name is JSON with <, > and & as unicode escapes, and HTML-escaped for plotly
    specs = page.split('<script type="application/json" id="chart-specs">')[1].split("</script>")[0]
    assert "<" not in specs and ">" not in specs
    assert "\\u0026lt;script\\u0026gt;alert" in specs
    # exactly three script elements: the chart data, plotly.js and the start-up code
    assert len(re.findall(r"<script\b", page)) == 3


def test_empty_sections_say_no_data(tmp_path: Path) -> None:
    page = render_html(empty_report())
    assert page.count("No data available.") >= 6
    assert chart_ids(page) == []
    minimal = render_html({"language": "nl"})  # nothing at all but a language
    assert "Geen gegevens beschikbaar." in minimal and chart_ids(minimal) == []
    # NaN values (pandas leftovers) neither break the JSON nor show as "nan"
    report = make_report("en")
    report["human_sigma"][1]["p_ee"] = float("nan")
    report["quadrants"]["outcomes"][0]["mean"] = float("nan")
    page = render_html(report)
    assert "NaN" not in page.split('id="chart-specs">')[1].split("</script>")[0]
    assert ">nan<" not in page.lower()


# --------------------------------------------------------------------------- browser


def browser_available() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs the Debian package chromium")
        pytest.skip(f"{CHROMIUM} missing (apt-get install chromium); CI is not set")


def shrink_png(path: Path) -> None:
    """A 256-colour palette keeps the committed screenshot small (Pillow comes with the dev tools)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - the full-colour PNG is fine too
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_report_renders_in_a_browser(tmp_path: Path, language: str) -> None:
    browser_available()
    from playwright.sync_api import sync_playwright

    report = make_report(language)
    path = write_html(report, tmp_path / "report.html")
    expected = chart_ids(path.read_text(encoding="utf-8"))
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
            page.on(
                "request", lambda r: errors.append(f"request: {r.url}") if r.url.startswith("http") else None
            )
            page.goto(path.as_uri())
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-chart]')]"
                ".every(el => el.querySelector('.main-svg'))",
                timeout=30_000,
            )
            rendered = page.eval_on_selector_all(
                "[data-chart]", "els => els.filter(el => el.querySelector('.main-svg')).map(el => el.id)"
            )
            assert sorted(rendered) == sorted(expected) and len(expected) == 7
            # every unit of the matrix is drawn, and the escaped name shows literally
            assert page.locator("#chart-human-sigma .scatterlayer .point").count() == len(
                report["human_sigma"]
            )
            assert EVIL in page.inner_text("#drivers")
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    shrink_png(tmp_path / "report.png")
    assert 0 < (tmp_path / "report.png").stat().st_size < 600_000


def test_empty_report_renders_in_a_browser(tmp_path: Path) -> None:
    browser_available()
    from playwright.sync_api import sync_playwright

    path = write_html(copy.deepcopy(empty_report()), tmp_path / "empty.html")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert page.evaluate("typeof Plotly") == "object"
            assert page.locator("[data-chart]").count() == 0
        finally:
            browser.close()
    assert errors == []
