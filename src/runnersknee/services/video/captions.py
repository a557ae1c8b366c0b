"""WebVTT captions of the (silent) annotated video of an analysis."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["captions_vtt"]


def _stamp(seconds: float) -> str:
    ms = max(0, round(float(seconds) * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def captions_vtt(document: Mapping[str, Any]) -> str:
    """WebVTT captions of the (silent) annotated video: what is drawn, then each detected
    stance phase or repetition as a cue, so the events are readable without seeing them."""
    duration = float(document.get("duration_s") or 0.0) or 1.0
    cues = [
        (
            0.0,
            duration,
            "Annotated video without sound: detected body landmarks and joint angles.",
        )
    ]
    rejected = {
        round(float(step["ic_s"]), 3): str(step.get("reason"))
        for step in (document.get("steps") or {}).get("detail") or []
        if not step.get("kept")
    }
    for event in document.get("events") or []:
        side = str(event.get("side") or "").capitalize()
        if event.get("kind") == "stance" and event.get("ic_s") is not None:
            end = event.get("to_s") or event["ic_s"] + 0.2
            why = rejected.get(round(float(event["ic_s"]), 3))
            text = f"{side} foot on the ground (stance)"
            cues.append((event["ic_s"], end, text + (f" — step not used: {why}" if why else "")))
        elif event.get("kind") == "repetition" and event.get("start_s") is not None:
            end = event.get("end_s") or event["start_s"] + 1.0
            cues.append((event["start_s"], end, f"{side} leg repetition"))
    if len(cues) == 1:
        cues.append((0.0, duration, "No steps or repetitions were detected."))
    lines = ["WEBVTT", ""]
    for start, end, text in cues:
        lines += [f"{_stamp(start)} --> {_stamp(max(end, start + 0.1))}", text, ""]
    return "\n".join(lines)
