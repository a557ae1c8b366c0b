"""The clinic's local time: a patient's "today" is the clinic's local date, and the portal
shows times in the clinic's time zone (``clinic.time_zone``, else the deployment default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.config import zone_named
from runnersknee.services.access.authz import Actor, authorize_clinic
from runnersknee.store.tables import ClinicRow

__all__ = [
    "ZoneSetting",
    "change_clinic_zone",
    "clinic_zone",
    "clinic_zone_setting",
    "local_date",
    "local_text",
    "set_clinic_zone",
    "zone_named",
    "zone_names",
]


def clinic_zone(tx: Session, clinic_id: int, default: str) -> ZoneInfo:
    """The clinic's zone; ``default`` (the deployment's) when the clinic has none."""
    name = (
        tx.connection()
        .execute(select(ClinicRow.time_zone).where(ClinicRow.id == clinic_id))
        .scalar()
    )
    return zone_named(name or default)


def set_clinic_zone(tx: Session, clinic_id: int, name: str | None) -> None:
    """Set (or with None clear) a clinic's time zone; an unknown name changes nothing."""
    if name is not None:
        zone_named(name)
    clinic = tx.get(ClinicRow, clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {clinic_id} does not exist")
    clinic.time_zone = name


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (what an admin chooses from)."""
    return tuple(sorted(available_timezones()))


@dataclass(frozen=True, slots=True)
class ZoneSetting:
    """A clinic's zone as its admin sees it: the chosen name (None: the deployment's)."""

    chosen: str | None
    default: str

    @property
    def in_force(self) -> str:
        """The zone the portal uses."""
        return self.chosen or self.default


def clinic_zone_setting(tx: Session, actor: Actor, default: str) -> ZoneSetting:
    """The actor's clinic's zone setting (admins; audited as ``clinic.settings``)."""
    authorize_clinic(tx, actor, "clinic.settings")
    clinic = tx.get(ClinicRow, actor.clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {actor.clinic_id} does not exist")
    return ZoneSetting(clinic.time_zone, default)


def change_clinic_zone(tx: Session, actor: Actor, name: str) -> None:
    """Set the actor's clinic's zone to ``name`` from :func:`zone_names` (empty: back to the
    deployment's default). Admins only, audited; any other name changes nothing."""
    authorize_clinic(tx, actor, "clinic.settings")
    chosen = name.strip()
    if chosen and chosen not in zone_names():
        raise InvalidInput("choose a time zone from the list", field="time_zone", got=chosen[:64])
    set_clinic_zone(tx, actor.clinic_id, chosen or None)


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
