"""CLI commands: ``runnersknee runs import`` and ``runnersknee runs report``.

Progress bars go to stderr; JSON goes to stdout (schema in docs/running.md).
``runs report patient:<id>`` reports a stored patient's runs and run pain logs from the
database of ``RUNNERSKNEE_DATABASE_URL`` (an argument that is an existing path is a path).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings
from runnersknee.store.json_document import json_list

__all__ = ["register"]


class OutputFormat(StrEnum):
    """Output of a runs command."""

    TEXT = "text"
    JSON = "json"


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task("", total=None)

        def update(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=name[-40:])

        yield update


def _runs_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("start", "km", "time", "pace /km", "cadence spm", "HR", "spike", "source"):
        table.add_column(column)
    for row in rows:
        pace = row.get("pace_s_per_km")
        table.add_row(
            row["start"][:16].replace("T", " "),
            f"{row['distance_m'] / 1000:.2f}",
            f"{row['duration_s'] / 60:.1f} min",
            "-" if pace is None else f"{int(pace // 60)}:{int(pace % 60):02d}",
            "-" if row["cadence_spm"] is None else f"{row['cadence_spm']:.1f}",
            "-" if row["heart_rate_avg_bpm"] is None else f"{row['heart_rate_avg_bpm']:.0f}",
            row.get("spike_category", "-"),
            row["source"],
        )
    return table


def _print_skips(console: Console, data: dict[str, Any]) -> None:
    for skip in data["skipped"]:
        console.print(f"skipped {skip['source']}: {skip['reason']}", highlight=False)
    for dup in data["duplicates"]:
        console.print(
            f"duplicate {dup['source']}: same run as {dup['kept_source']}", highlight=False
        )


def _print_report(console: Console, data: dict[str, Any]) -> None:
    console.print(_runs_table(data["runs"], "Runs"))
    weeks = Table(title="Weekly load (change is information only, Frandsen 2025)")
    for column in ("week", "km", "time", "runs", "longest km", "change"):
        weeks.add_column(column)
    for week in data["weeks"]:
        change = week["change_from_previous_pct"]
        weeks.add_row(
            week["week_start"],
            f"{week['distance_m'] / 1000:.1f}",
            f"{week['duration_s'] / 3600:.1f} h",
            str(week["runs"]),
            f"{week['longest_run_m'] / 1000:.1f}",
            "-" if change is None else f"{change:+.0f} %",
        )
    console.print(weeks)
    cadence = data["cadence"]
    console.print(f"Cadence: {'; '.join(cadence['reasons'])} (status: {cadence['status']})")
    nxt = data["next_run"]
    if nxt is None:
        gate = data.get("gate") or {}
        console.print(f"\nNo run prescribed: {gate.get('run_message', '')}", style="bold")
        console.print(f"  {gate.get('message', '')}", highlight=False)
        _print_skips(console, data)
        return
    console.print(f"\nNext run (from {nxt['earliest_day']}): {nxt['instruction']}", style="bold")
    for reason in nxt["reasons"]:
        console.print(f"  - {reason}", highlight=False)
    console.print(f"  sources: {', '.join(nxt['citation_ids'])}", highlight=False)
    for check in nxt["entry_checks"]:
        flag = "" if check["verified"] else " (unverified default)"
        console.print(f"  [ ] {check['text']}{flag}", highlight=False)
    _print_skips(console, data)


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            "--today must be YYYY-MM-DD", field="today", allowed="YYYY-MM-DD", got=text
        ) from exc


def _parse_moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            "--retraining-start must be an ISO date", field="retraining_start", got=text
        ) from exc
    return moment if moment.tzinfo else moment.astimezone()


_PATIENT = re.compile(r"patient:(\d{1,12})")


def _patient_ref(folders: list[Path], pain_log: Path | None) -> int | None:
    """The patient id of a single ``patient:<id>`` argument that is not an existing path."""
    refs = [
        _PATIENT.fullmatch(str(p))
        for p in folders
        if not p.exists() and str(p).startswith("patient:")
    ]
    if not refs:
        return None
    if len(folders) != 1 or refs[0] is None:
        raise InvalidInput(
            "give either one patient:<id> or folders/files, not both",
            field="folder",
            allowed=["patient:<id>", "PATH..."],
            got=[str(p) for p in folders],
        )
    if pain_log is not None:
        raise InvalidInput(
            "--pain-log is read from the database for patient:<id>", field="pain_log"
        )
    return int(refs[0].group(1))


def register(app: typer.Typer) -> None:
    """Add the ``runs`` command group to ``app``."""
    group = typer.Typer(help="Import watch files (FIT, TCX, GPX) and report running load.")
    group.command("import")(import_command)
    group.command("report")(report_command)
    app.add_typer(group, name="runs")


def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or zip exports.")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=8, help="Parser processes (default: 2 for large imports)."),
    ] = None,
) -> None:
    """Parse and de-duplicate activity files; show what was read and what was skipped."""
    from runnersknee.services.running import runs as runs_service

    settings = Settings()
    with _progress(output is OutputFormat.TEXT) as progress:
        result = runs_service.import_runs(
            paths, settings=settings, progress=progress, workers=workers
        )
    data = runs_service.import_json(result)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    console = Console()
    runs = json_list(data["runs"])
    console.print(_runs_table(runs, f"{len(runs)} runs imported"))
    _print_skips(console, data)


def report_command(  # noqa: PLR0917 - Typer maps parameters to options
    folder: Annotated[
        list[Path],
        typer.Argument(help="Folder(s), zip(s) or files; or patient:<id> (from the database)."),
    ],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
    pain_log: Annotated[
        Path | None, typer.Option(help="Pain log, CSV or JSON (docs/running.md).")
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Write a chart: OUT.svg or OUT.png.")] = None,
    today: Annotated[str | None, typer.Option(help="Report date YYYY-MM-DD.")] = None,
    retraining_start: Annotated[
        str | None, typer.Option(help="Cadence retraining start (baseline before it).")
    ] = None,
) -> None:
    """Weekly load, spikes, cadence and the next run (walk-run stage or distance cap).

    PATIENT_OR_FOLDER: files, folders, zips, or ``patient:<id>`` to read a stored patient's
    runs and run pain logs from RUNNERSKNEE_DATABASE_URL.
    """
    data = _report_data(folder, output, pain_log, chart, today, retraining_start)
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    _print_report(Console(), data)
    if chart is not None:
        Console(stderr=True).print(f"chart written to {chart}", highlight=False)


def _report_data(  # noqa: PLR0917 - the report command's options
    folder: list[Path],
    output: OutputFormat,
    pain_log: Path | None,
    chart: Path | None,
    today: str | None,
    retraining_start: str | None,
) -> dict[str, Any]:
    """The report JSON of a stored patient (``patient:<id>``) or of files and folders."""
    from runnersknee.bootstrap import load_content
    from runnersknee.services.running import run_records
    from runnersknee.services.running import runs as runs_service

    settings = Settings()
    content = load_content(settings)
    patient_id = _patient_ref(folder, pain_log)
    if patient_id is not None:
        return run_records.report_for_patient(
            settings,
            patient_id,
            content=content,
            today=_parse_day(today) or date.today(),
            retraining_start=_parse_moment(retraining_start),
            chart=chart,
        )
    with _progress(output is OutputFormat.TEXT) as progress:
        report = runs_service.build_report(
            folder,
            settings=settings,
            content=content,
            pain_log=pain_log,
            today=_parse_day(today),
            retraining_start=_parse_moment(retraining_start),
            chart=chart,
            progress=progress,
        )
    return report.to_json()
