"""The clinic's local time: a patient's "today" is the clinic's local date, and the portal
shows times in the clinic's time zone (``clinic.time_zone``, else the deployment default).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runnersknee.clinical.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# SQLAlchemy and the tables are imported inside the functions that query: Settings() checks
# the time-zone name with zone_named at start-up, and every command (the video CLI too)
# would otherwise load the whole ORM first.

__all__ = [
    "clinic_zone",
    "local_date",
    "local_text",
    "set_clinic_zone",
    "zone_named",
]


@lru_cache(maxsize=64)
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/London``); a clear error for an unknown name."""
    try:
        if not name or name != name.strip() or ".." in name:
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        msg = f"unknown time zone {name!r}: use an IANA name such as Europe/London or UTC"
        raise InvalidInput(msg, field="time_zone", got=name[:64]) from error


def clinic_zone(tx: Session, clinic_id: int, default: str) -> ZoneInfo:
    """The clinic's zone; ``default`` (the deployment's) when the clinic has none."""
    from sqlalchemy import select

    from runnersknee.store.tables import ClinicRow

    name = (
        tx.connection()
        .execute(select(ClinicRow.time_zone).where(ClinicRow.id == clinic_id))
        .scalar()
    )
    return zone_named(name or default)


def set_clinic_zone(tx: Session, clinic_id: int, name: str | None) -> None:
    """Set (or with None clear) a clinic's time zone; an unknown name changes nothing."""
    from runnersknee.store.tables import ClinicRow

    if name is not None:
        zone_named(name)
    clinic = tx.get(ClinicRow, clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {clinic_id} does not exist")
    clinic.time_zone = name


def local_date(zone: tzinfo, now: datetime | None = None) -> date:
    """Today's date in ``zone`` (``now`` defaults to the current time)."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(zone).date()


def local_text(moment: datetime | None, zone: tzinfo, *, with_zone: bool = False) -> str:
    """``moment`` as local date and time (``2026-12-07 09:30``); naive values are UTC.

    ``with_zone`` adds the zone's abbreviation (``GMT``, ``BST``).
    """
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M")
    return f"{text} {local.tzname()}" if with_zone else text
