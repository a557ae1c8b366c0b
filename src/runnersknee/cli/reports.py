"""``runnersknee report``, ``runnersknee export`` and ``runnersknee retention``.

``report KIND TARGET... --out FILE.pdf`` writes the evaluation, progress or handout PDF of a
stored patient (``patient:<id>``, read from RUNNERSKNEE_DATABASE_URL and audited as the
operator) or of a case file. With several targets ``--out`` is a folder and a progress bar
runs on stderr. ``export fhir patient:<id>`` prints the FHIR R4B bundle (or writes ``--out``);
``export zip`` writes the right-of-access zip. ``retention apply`` deletes raw videos older
than RUNNERSKNEE_RAW_VIDEO_RETENTION_DAYS and keeps their metrics.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings

if TYPE_CHECKING:
    from runnersknee.reports.pdf import Rendered

__all__ = ["ReportKind", "register"]

_PATIENT = re.compile(r"patient:(\d{1,12})")


class ReportKind(StrEnum):
    """The printable documents."""

    EVALUATION = "evaluation"
    PROGRESS = "progress"
    HANDOUT = "handout"


def _patient_id(target: str) -> int:
    found = _PATIENT.fullmatch(target)
    if found is None:
        raise InvalidInput(
            "give a stored patient as patient:<id>",
            field="PATIENT",
            allowed=["patient:<id>"],
            got=target,
        )
    return int(found.group(1))


def _render(target: str, kind: str, settings: Settings, today: date) -> Rendered:
    from runnersknee.bootstrap import load_content
    from runnersknee.services.documents import (
        operator,  # heavy: loaded only when used
        report_data,
    )

    content = load_content(settings)
    if target.startswith("patient:") and not Path(target).exists():
        return operator.report_pdf(settings, content, _patient_id(target), kind, today)
    return report_data.pdf_for_case(Path(target), kind, today, content)


def _outputs(targets: list[str], out: Path, kind: str) -> list[Path]:
    if len(targets) == 1:
        if out.suffix.lower() != ".pdf":
            raise InvalidInput("--out must name a .pdf file", field="out", got=out.name)
        return [out]
    if out.suffix:
        raise InvalidInput(
            "with several targets, --out must be a folder", field="out", got=str(out)
        )
    names = [t.replace(":", "-") if t.startswith("patient:") else Path(t).stem for t in targets]
    return [out / f"{name}-{kind}.pdf" for name in names]


def report(
    kind: Annotated[ReportKind, typer.Argument(help="evaluation, progress or handout.")],
    targets: Annotated[
        list[str], typer.Argument(help="patient:<id> (from the database) or case files.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="FILE.pdf, or a folder for several.")],
    today: Annotated[str | None, typer.Option(help="Report date YYYY-MM-DD.")] = None,
) -> None:
    """Write a PDF: evaluation report, progress report or home-exercise handout."""
    settings = Settings()
    day = date.fromisoformat(today) if today else date.today()
    paths = _outputs(targets, out, kind.value)
    if len(targets) == 1:
        _write(paths[0], _render(targets[0], kind.value, settings, day))
        return
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    columns = (TextColumn(kind.value), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=len(targets))
        for target, path in zip(targets, paths, strict=True):
            _write(path, _render(target, kind.value, settings, day))
            bar.advance(task)
    Console(stderr=True).print(f"{len(paths)} PDFs written to {out}", highlight=False)


def _write(path: Path, rendered: Rendered) -> None:
    path.write_bytes(rendered.pdf)
    Console(stderr=True).print(f"wrote {path} ({rendered.pages} pages)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``report``, ``export`` and ``retention`` to ``app``."""
    app.command("report")(report)
    group = typer.Typer(help="A stored patient's data: FHIR R4B bundle or the export zip.")

    @group.command("fhir")
    def fhir_command(
        patient: Annotated[str, typer.Argument(help="patient:<id>")],
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to FILE.json.")] = None,
    ) -> None:
        """Print (or write) the patient's FHIR R4B Bundle."""
        from runnersknee.bootstrap import load_content
        from runnersknee.services.documents import operator

        settings = Settings()
        text = operator.fhir_json(settings, load_content(settings), _patient_id(patient))
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text, encoding="utf-8")

    @group.command("zip")
    def zip_command(
        patient: Annotated[str, typer.Argument(help="patient:<id>")],
        out: Annotated[Path, typer.Option("--out", "-o", help="FILE.zip")],
    ) -> None:
        """Write the right-of-access zip (bundle, CSVs, PDFs, uploaded files)."""
        from runnersknee.bootstrap import load_content
        from runnersknee.services.documents import operator

        settings = Settings()
        content = load_content(settings)
        made = operator.export_zip(settings, content, _patient_id(patient), date.today())
        out.write_bytes(made.data)

    app.add_typer(group, name="export")
    retention = typer.Typer(help="Retention of uploaded videos.")

    @retention.command("apply")
    def apply_command() -> None:
        """Delete raw videos older than RUNNERSKNEE_RAW_VIDEO_RETENTION_DAYS (metrics stay)."""
        from runnersknee.services.documents import operator

        deleted = operator.purge_videos(Settings(), datetime.now(UTC))
        typer.echo(f"{deleted} video files deleted")

    app.add_typer(retention, name="retention")
