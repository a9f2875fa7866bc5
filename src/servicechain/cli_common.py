"""What every ``servicechain`` command shares: consoles, the store, errors, progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from servicechain.errors import ImportRejected, ServicechainError
from servicechain.settings import Settings

console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
errors = Console(stderr=True, soft_wrap=True)
state: dict[str, str | None] = {"db": None}


def database_url() -> str:
    if state["db"]:
        try:
            return Settings(database_url=state["db"]).database_url
        except ValidationError as error:
            problem = next((e for e in error.errors() if e["loc"] == ("database_url",)), None)
            if problem is None:
                raise
            raise ServicechainError(f"--db: {problem['msg'].removeprefix('Value error, ')}") from None
    return Settings().database_url


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a ServicechainError as one line (or the import's problem list) and exit 2."""
    try:
        yield
    except ImportRejected as error:
        from servicechain.ingest.pipeline import problem_lines

        for line in problem_lines(error):
            errors.print(line, markup=False, highlight=False)
        errors.print(f"[red]import refused[/red]: {error.total} problem(s); nothing was written")
        raise typer.Exit(2) from None
    except ServicechainError as error:
        errors.print(f"[red]error[/red]: {error}", highlight=False)
        raise typer.Exit(2) from None
    except ValidationError as error:  # settings: bad --db, bad environment or servicechain.toml
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "settings"
        where = f"setting {name} (SERVICECHAIN_{name.upper()} or servicechain.toml)"
        errors.print(f"[red]error[/red]: {where}: {first['msg']}", highlight=False)
        raise typer.Exit(2) from None


def open_store_of_command():  # type: ignore[no-untyped-def]
    from servicechain.store import open_store

    return open_store(database_url())


class ProgressBars:
    """One progress line per import: its stage (reading, checking, writing), rows written."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress, self.label = progress, label
        self.task: TaskID = progress.add_task(f"{label}: starting", total=None)
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:  # a new stage: rows are counted only while writing
            self.stage = stage
            counted = stage == "writing" and total > 0
            self.progress.reset(self.task, total=total if counted else None,
                                description=f"{self.label}: {stage}")  # fmt: skip
        if self.stage == "writing":
            self.progress.update(self.task, advance=done, total=max(total, 1))


def progress_display() -> Progress:
    """The progress bar layout used by long commands (hidden when output is not a terminal)."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, transient=True, disable=not errors.is_terminal,
    )  # fmt: skip


@contextmanager
def steps(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar advanced once per named step of a long analysis."""
    with progress_display() as progress:
        task = progress.add_task("starting", total=total)
        first = [True]

        def advance(description: str) -> None:
            progress.update(task, advance=0 if first[0] else 1, description=description)
            first[0] = False

        yield advance
        progress.update(task, completed=total)
