"""The ``servicechain`` command: thin commands over the library.

User mistakes end in one clear line (exit status 2), never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from servicechain import (
    cli_alerts,
    cli_ideas,
    cli_incentives,
    cli_intake,
    cli_links,
    cli_plans,
    cli_recognition,
    cli_scan,
    cli_waves,
)
from servicechain.cli_common import ProgressBars as _ProgressBars
from servicechain.cli_common import console, errors, progress_display, state
from servicechain.cli_common import open_store_of_command as _open
from servicechain.cli_common import steps as _steps
from servicechain.cli_common import user_errors as _user_errors
from servicechain.cli_web import refresh_results, register
from servicechain.errors import ServicechainError
from servicechain.ingest.kinds import KINDS
from servicechain.settings import Settings

app = typer.Typer(
    help="servicechain: measure and manage the encounter between employees and customers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# piped output (CI logs, `make demo`) gets room for the tables instead of 80 columns
@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="URL",
                     help="Database URL (default: SERVICECHAIN_DATABASE_URL or ./servicechain.duckdb)."),
    ] = None,
) -> None:  # fmt: skip
    """Global options."""
    state["db"] = db


@app.command("import")
def import_command(
    kind: Annotated[str, typer.Argument(help=f"What the file holds: {', '.join(KINDS)}.", metavar="KIND")],
    file: Annotated[Path, typer.Argument(help="CSV (, ; or tab), XLSX or Parquet file.")],
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="YAML file renaming the source's columns to ours."),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Excel: the worksheet to read (default: the first).")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="KPIs: replace the stored values of the periods this file covers."),
    ] = False,
    no_refresh: Annotated[
        bool,
        typer.Option(
            "--no-refresh",
            help="Do not recompute the dashboards' results now (several "
            "imports in a row: run `servicechain refresh` after the last).",
        ),
    ] = False,
) -> None:
    """Import one file; on any problem nothing is written and each problem is listed as FILE:ROW:COLUMN."""
    from servicechain.ingest.pipeline import import_file

    with _user_errors():
        if kind not in KINDS:
            raise ServicechainError(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")
        for given in (file, mapping):
            if given is not None and not given.exists():
                raise ServicechainError(f"file not found: {given}")
            if given is not None and given.is_dir():
                raise ServicechainError(f"{given} is a folder, not a file")
        store = _open()
        with progress_display() as progress:
            result = import_file(store, kind, file, mapping=mapping, sheet=sheet, replace=replace,
                                 progress=_ProgressBars(progress, file.name))  # fmt: skip
        console.print(result.summary(), highlight=False)
        for note in result.notes:
            console.print(f"  {note}", style="dim", highlight=False)
        if not result.already_imported and not no_refresh:
            refresh_results(store)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show how many rows each table holds and the latest imports."""
    from servicechain.status import store_status

    with _user_errors():
        state = store_status(_open())
    if as_json:
        sys.stdout.write(json.dumps(state.as_dict(), indent=2) + "\n")
        return
    console.print(f"store: {state.database} (schema {state.revision})", highlight=False)
    counts = Table("table", "rows", title="Contents")
    for name, count in state.counts.items():
        counts.add_row(name, f"{count:,}")
    console.print(counts)
    if state.imports:
        latest = Table(
            "when", "kind", "file", "rows", "added", "updated", "unchanged", title="Latest imports"
        )
        for row in state.imports:
            latest.add_row(row["imported_at"], row["kind"], row["file_name"], f"{row['rows']:,}",
                           f"{row['inserted']:,}", f"{row['updated']:,}", f"{row['skipped']:,}")  # fmt: skip
        console.print(latest)
    else:
        console.print("no imports yet: try `servicechain demo` or `servicechain import units FILE`")


@app.command()
def demo(
    units: Annotated[int, typer.Option(help="Number of locations.", min=2)] = 24,
    periods: Annotated[int, typer.Option(help="Number of quarters.", min=1, max=40)] = 8,
    customers_per_unit: Annotated[int, typer.Option(help="Customers per location.", min=5)] = 60,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same organisation).")] = 7,
    export_dir: Annotated[
        Path | None,
        typer.Option(help="Also write the sources as CSV/XLSX files and load the store through them."),
    ] = None,
) -> None:
    """Build a believable Dutch service chain with a planted service-profit chain and load it."""
    from servicechain.demo.load import load_demo

    with _user_errors():
        store = _open()
        with progress_display() as progress:
            results = load_demo(store, units=units, periods=periods, customers_per_unit=customers_per_unit,
                                seed=seed, export_dir=export_dir,
                                progress=lambda label: _ProgressBars(progress, label))  # fmt: skip
    summary = Table("file", "kind", "rows", "added", "updated", "unchanged", title="Demo loaded")
    for result in results:
        if result.already_imported:
            summary.add_row(result.file, result.kind, f"{result.rows:,}", "already imported", "", "")
            continue
        summary.add_row(result.file, result.kind, f"{result.rows:,}", f"{result.inserted:,}",
                        f"{result.updated:,}", f"{result.skipped:,}")  # fmt: skip
    console.print(summary)
    if export_dir:
        console.print(f"source files written to {export_dir}", highlight=False)
    with _user_errors():
        refresh_results(store)
        _print_logins(store, export_dir)
        _print_collection(store, export_dir)
        _seed_ideas(store)
        _seed_plans(store)
    console.print("next: `servicechain serve --dev`, `servicechain scorecard`, `servicechain report --html "
                  "report.html`", style="dim")  # fmt: skip


def _print_logins(store, export_dir: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Create one demo login per role; print them (and write them beside the demo files)."""
    from servicechain.demo.accounts import demo_logins

    logins = demo_logins(store)
    table = Table("role", "e-mail", "password", "unit", title="Demo logins (http://127.0.0.1:8000)")
    for login in logins:
        table.add_row(login.role, login.email, login.password, login.unit)
    console.print(table)
    if export_dir:
        with (export_dir / "demo-logins.txt").open("w", encoding="utf-8") as handle:
            Console(file=handle, width=100).print(table)


def _seed_ideas(store) -> None:  # type: ignore[no-untyped-def]
    """Friction points and rules at the demo location, voted and decided (once); earlier quarters'
    praise confirmed."""
    from servicechain.demo.acting import demo_ideas, demo_recognition

    raised = demo_ideas(store, Settings(database_url=store.url))
    if raised:
        console.print(f"{raised} ideas voted and decided at the demo location: /ideas", highlight=False)
    confirmed = demo_recognition(store)
    console.print(f"{confirmed} suggestions of praise from earlier quarters confirmed", highlight=False)


def _seed_plans(store) -> None:  # type: ignore[no-untyped-def]
    """The demo managers' action plans with a verdict each and one overdue (once)."""
    from servicechain.demo.plans import demo_plans

    made = demo_plans(store)
    if made:
        console.print(f"{made} action plans of the demo managers, judged by the newest period: /plans",
                      highlight=False)  # fmt: skip


def _print_collection(store, export_dir: Path | None) -> None:  # type: ignore[no-untyped-def]
    """Open the demo's employee wave, make survey links and an intake key; print where they are."""
    from servicechain.demo.collection import demo_collection, describe

    settings = Settings(database_url=store.url)
    lines = describe(demo_collection(store, settings, export_dir), settings.site_url)
    table = Table("try", "where", title="Collection (with `servicechain serve`)")
    for what, where in lines[:-1]:
        table.add_row(what, where)
    what, curl = lines[-1]
    console.print(table)
    console.print(f"{what}:\n{curl}", soft_wrap=True, highlight=False)  # one line: copy and paste
    if export_dir:
        with (export_dir / "demo-logins.txt").open("a", encoding="utf-8") as handle:
            Console(file=handle, width=160).print(table)
            handle.write(f"{what}:\n{curl}\n")


HEADLINE = ["engagement_index", "ce_index", "nps", "touchpoint_satisfaction"]


def _records(frame: pd.DataFrame) -> str:
    return frame.to_json(orient="records", indent=2, force_ascii=False, double_precision=15) + "\n"


@app.command()
def scorecard(
    unit: Annotated[str | None, typer.Option(help="A unit code: that unit and everything below it.")] = None,
    period: Annotated[
        str | None, typer.Option(help="A period such as 2026-Q3, or 'all' (default: the latest period).")
    ] = None,
    level: Annotated[
        str | None, typer.Option(help="Only units of this level (kind): location, region, team, ...")
    ] = None,
    measure: Annotated[
        list[str] | None,
        typer.Option(help="Measure key, repeatable (default: headline measures on screen, all in files)."),
    ] = None,
    top: Annotated[
        int | None, typer.Option(help="Show the N strongest and N weakest units on the first measure.", min=1)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON records instead of a table.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="nl or en (default: the setting).")] = None,
) -> None:
    """Per unit and measure: n, mean with 95% interval, shrunk value, percentile, funnel flag.

    Employee results of groups below the anonymity threshold are shown as suppressed, never as numbers.
    """
    from servicechain.analysis.scorecard import FIELDS, SOURCES, build_scorecard, step_count
    from servicechain.terminal import ranking_table, scorecard_table, word

    with _user_errors():
        if as_json and as_csv:
            raise ServicechainError("choose one of --json and --csv")
        language = _language(lang)
        store = _open()
        with _steps(step_count(SOURCES)) as step:
            card = build_scorecard(store, unit=unit, level=level, on_step=step,
                                   period=None if period in (None, "all") else period)  # fmt: skip
        if period is None and len(card):
            card = card[card["period"] == max(set(card["period"]))]
        known = set(card["measure"])
        for key in measure or []:
            if key not in known:
                raise ServicechainError(f"unknown measure {key!r}; choose from {', '.join(sorted(known))}")
        chosen = list(
            measure or ([] if (as_json or as_csv) and top is None else [m for m in HEADLINE if m in known])
        )
        if chosen:
            card = card[card["measure"].isin(chosen)]
    columns = [*FIELDS, "unit_name", "level", "source", "sd", "se", "alarm", "suppressed_reason"]
    if top is not None:
        ranked = card[(card["measure"] == chosen[0]) & card["shrunk"].notna()].sort_values("shrunk")
        if level is None:
            ranked = ranked[ranked["depth"] == ranked["depth"].max()] if len(ranked) else ranked
        strongest, weakest = ranked.iloc[::-1].head(top), ranked.head(top)
        if as_json:
            both = {"strongest": strongest[columns], "weakest": weakest[columns]}
            sys.stdout.write(
                json.dumps({k: json.loads(_records(v)) for k, v in both.items()}, indent=2) + "\n"
            )
            return
        label = (
            str(ranked["label_nl" if language == "nl" else "label_en"].iloc[0]) if len(ranked) else chosen[0]
        )
        about = f"{top}: {label}, {', '.join(sorted(set(ranked['period'])))}"
        console.print(ranking_table(strongest, f"{word('strongest', language)} {about}", language))
        console.print(ranking_table(weakest, f"{word('weakest', language)} {about}", language))
        return
    if as_json:
        sys.stdout.write(_records(card[columns]))
    elif as_csv:
        card[columns].to_csv(sys.stdout, index=False)
    elif card.empty:
        console.print("no results yet: import survey responses first (`servicechain import ...`)")
    else:
        console.print(scorecard_table(card, chosen, language))


@app.command()
def analyze(
    out: Annotated[Path, typer.Option("--out", help="Folder for the tables (created when missing).")],
) -> None:
    """Write every unit-level table as Parquet and CSV (scorecard, funnel, peers, reliability, agreement)."""
    from servicechain.analysis.scorecard import SOURCES, step_count
    from servicechain.analysis.tables import analysis_tables, write_tables

    with _user_errors():
        if out.exists() and not out.is_dir():
            raise ServicechainError(f"--out {out} is a file, not a folder")
        store = _open()
        with _steps(step_count(SOURCES) + 2) as step:
            tables = analysis_tables(store, on_step=step)
            written = write_tables(tables, out)
    summary = Table("table", "rows", "files", title=f"Analysis written to {out}")
    for name, table in tables.items():
        summary.add_row(name, f"{len(table):,}", f"{name}.parquet, {name}.csv")
    console.print(summary)
    console.print(f"{len(written)} files", style="dim")


@app.command()
def report(
    period: Annotated[
        str | None, typer.Option(help="A period such as 2026-Q3 (default: the latest).")
    ] = None,
    level: Annotated[str, typer.Option(help="The units compared: location, region, team, ...")] = "location",
    html: Annotated[Path | None, typer.Option("--html", help="Write the report as one HTML file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report's numbers as JSON.")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="nl or en (default: the setting).")] = None,
) -> None:
    """Human Sigma, quadrants, variability, linkage and key drivers for the executive."""
    from servicechain.analysis.report import REPORT_STEPS, build_report

    with _user_errors():
        language = _language(lang)
        store = _open()
        with _steps(REPORT_STEPS) as step:
            built = build_report(store, period=period, level=level, language=language, on_step=step)
        if html is not None:
            from servicechain.report.html import write_html

            written = write_html(built, html)
    if as_json:
        sys.stdout.write(json.dumps(built, indent=2, ensure_ascii=False) + "\n")
    else:
        for sentence in built["summary"]:
            console.print(sentence, highlight=False)
        console.print(_quadrant_line(built["quadrants"], language), highlight=False)
    if html is not None:
        errors.print(f"report written to {written}", highlight=False)


def _quadrant_line(quadrants: dict, language: str) -> str:  # type: ignore[type-arg]
    """Revenue growth of both-high and one-high units against both-low, beside the published figures."""
    dutch = language == "nl"
    names = {"both_high_vs_both_low": "beide hoog / beide laag" if dutch else "both high / both low",
             "one_high_vs_both_low": "één hoog / beide laag" if dutch else "one high / both low"}  # fmt: skip
    parts = []
    for key, name in names.items():
        mine = quadrants["ratios"].get(key)
        text = f"{mine:.1f}x" if mine is not None else "—"
        said = f"{quadrants['published'][key]}x"
        part = f"{name}: {text} ({'gepubliceerd' if dutch else 'published'} {said})"
        parts.append(part.replace(".", ",") if dutch else part)
    return ("Omzetgroei " if dutch else "Revenue growth ") + "; ".join(parts)


def _language(given: str | None) -> str:
    if given is None:
        return Settings().language
    if given not in ("nl", "en"):
        raise ServicechainError(f"--lang: choose nl or en, not {given!r}")
    return given


register(app)
cli_waves.register(app)
cli_intake.register(app)
cli_alerts.register(app)
cli_links.register(app)
cli_plans.register(app)
cli_scan.register(app)
cli_ideas.register(app)
cli_incentives.register(app)
cli_recognition.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
