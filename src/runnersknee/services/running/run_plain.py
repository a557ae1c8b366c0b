"""Watch-file problems in plain words: why a file was not imported, without the byte-level
detail of the reader; the detail goes to the clinician as an alert (``run_file``).

Used by the import job (its result on the job row holds these plain reasons only) and by the
portal's runs page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from runnersknee.activity.model import SkippedFile
from runnersknee.services.care.alerts import raise_alert

__all__ = ["CANNOT_READ", "nothing_imported", "plain_reason", "tell_clinician"]

#: What a patient reads for a file the reader could not read.
CANNOT_READ = (
    "this file could not be read. It may be damaged or not an activity from a watch: try "
    "exporting it again as a FIT, TCX or GPX file. Your physiotherapist can see the details."
)
#: Reasons written for patients already (the upload's own checks; a walk or ride).
_PLAIN_CODES = frozenset({"not_a_run"})
_PLAIN_STARTS = ("file is above the limit", "file is empty", "the zip has", "the zip unpacks")


def plain_reason(skipped: SkippedFile) -> str:
    """Why ``skipped`` was not imported, in words a patient can act on."""
    if skipped.code in _PLAIN_CODES:
        sport = skipped.reason.rsplit("activity is ", 1)[-1].removesuffix(", not running")
        return f"this is a {sport} activity, not running, so it is not counted as a run"
    if skipped.reason.startswith(_PLAIN_STARTS):
        return skipped.reason
    return CANNOT_READ


def _technical(skipped: SkippedFile) -> bool:
    return plain_reason(skipped) == CANNOT_READ


def nothing_imported(skipped: Sequence[SkippedFile]) -> str:
    """The message when no file of an upload could be imported."""
    if not skipped:
        return "choose at least one FIT, TCX or GPX file (or a zip export)"
    names = "; ".join(f"{s.source}: {plain_reason(s)}" for s in skipped[:5])
    return f"no run could be imported ({names})"


def tell_clinician(
    tx: Session, patient_id: int, skipped: Sequence[SkippedFile], today: date
) -> int:
    """Raise one ``run_file`` alert per unreadable file with the reader's technical detail
    (the patient sees only :data:`CANNOT_READ`); returns how many were raised."""
    raised = 0
    for item in skipped:
        if _technical(item):
            key = f"run_file:{today.isoformat()}:{item.source[:120]}"
            message = f"A watch file could not be read: {item.source}: {item.reason}"
            raised += raise_alert(tx, patient_id, "run_file", key, message)
    return raised
