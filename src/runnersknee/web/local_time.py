"""The clinic's local time for pages: "today" is the clinic's local date and datetimes are
shown in the clinic's zone (services/care/clinic_time.py). One helper for every page.

A clinic's zone is read once and kept for :data:`ZONE_KEPT_S` seconds by each app (pages ask
for it on every request); :func:`forget_zones` drops the app's kept zones after a change.
"""

from __future__ import annotations

import time
from datetime import date
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlalchemy.orm import Session

from runnersknee.services.access.authz import Actor
from runnersknee.services.care import clinic_time

__all__ = ["ZONE_KEPT_S", "forget_zones", "today_for", "zone_of"]

#: How long a clinic's zone is kept before it is read again (seconds).
ZONE_KEPT_S = 60.0


def _kept(request: Request) -> dict[int, tuple[ZoneInfo, float]]:
    state = request.app.state
    found: dict[int, tuple[ZoneInfo, float]] | None = getattr(state, "clinic_zones", None)
    if found is None:
        found = state.clinic_zones = {}
    return found


def forget_zones(request: Request) -> None:
    """Drop the app's kept zones (after a clinic's zone changed)."""
    _kept(request).clear()


def _default(request: Request) -> ZoneInfo:
    return clinic_time.zone_named(request.app.state.settings.clinic_time_zone)


def zone_of(request: Request, actor: Actor | None = None, tx: Session | None = None) -> ZoneInfo:
    """The zone of ``actor``'s clinic (default: the request's actor; the deployment's zone
    without one). ``tx`` is an open transaction to read it in (else one is opened)."""
    who = actor if actor is not None else getattr(request.state, "actor", None)
    if who is None:
        return _default(request)
    kept = _kept(request)
    found = kept.get(who.clinic_id)
    now = time.monotonic()
    if found is not None and found[1] > now:
        return found[0]
    default = request.app.state.settings.clinic_time_zone
    if tx is not None:
        zone = clinic_time.clinic_zone(tx, who.clinic_id, default)
    else:
        with request.app.state.database.transaction() as own:
            zone = clinic_time.clinic_zone(own, who.clinic_id, default)
    kept[who.clinic_id] = (zone, now + ZONE_KEPT_S)
    return zone


def today_for(request: Request, actor: Actor | None = None, tx: Session | None = None) -> date:
    """Today's date in the clinic's zone.

    Tests may fix the date (``app.state.clock``, a callable returning a date) or the moment
    (``app.state.now``, a callable returning an aware datetime, read in the clinic's zone).
    """
    state = request.app.state
    clock = getattr(state, "clock", None)
    if clock is not None:
        found: date = clock()
        return found
    now = getattr(state, "now", None)
    return clinic_time.local_date(zone_of(request, actor, tx), None if now is None else now())
