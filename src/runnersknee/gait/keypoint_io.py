"""Read and write keypoint files (CSV and JSON) so every step after pose is testable.

CSV (one row per frame): ``frame, time_s`` then ``<landmark>_x_px, <landmark>_y_px,
<landmark>_vis`` for each of the 33 landmarks; further columns (angles) are ignored when
reading. Empty cells are missing values. The frame rate comes from the ``time_s`` column.

JSON: ``{"fps": 60, "width_px": 1080, "height_px": 1920, "landmarks": [...33 names...],
"frames": [{"xy_px": [[x, y], ...], "visibility": [...]}, ...]}`` (null = missing).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.keypoints import LANDMARKS, KeypointSeries

__all__ = ["KeypointFileSource", "read_keypoints", "write_keypoints_csv", "write_keypoints_json"]

_MAX_BYTES = 200 * 1024 * 1024


def _cell(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.3f}"


def write_keypoints_csv(
    kp: KeypointSeries, path: Path, series: Mapping[str, NDArray[np.float64]] | None = None
) -> None:
    """Per-frame landmarks (and optional angle series, degrees) as CSV."""
    extra = dict(series or {})
    header = ["frame", "time_s"]
    for name in LANDMARKS:
        header += [f"{name}_x_px", f"{name}_y_px", f"{name}_vis"]
    header += list(extra)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(kp.n_frames):
            row = [str(i), f"{i / kp.fps:.5f}"]
            for k in range(len(LANDMARKS)):
                x, y = kp.xy_px[i, k]
                row += [_cell(float(x)), _cell(float(y)), f"{kp.visibility[i, k]:.3f}"]
            row += [_cell(float(values[i])) for values in extra.values()]
            writer.writerow(row)


def write_keypoints_json(kp: KeypointSeries, path: Path) -> None:
    """Landmarks as the JSON format above."""
    frames = [
        {
            "xy_px": [
                [None if not np.isfinite(v) else round(float(v), 3) for v in kp.xy_px[i, k]]
                for k in range(len(LANDMARKS))
            ],
            "visibility": [round(float(v), 3) for v in kp.visibility[i]],
        }
        for i in range(kp.n_frames)
    ]
    doc = {
        "fps": kp.fps,
        "width_px": kp.width_px,
        "height_px": kp.height_px,
        "landmarks": list(LANDMARKS),
        "frames": frames,
    }
    path.write_text(json.dumps(doc), encoding="utf-8")


def _float(text: str, where: str) -> float:
    if text == "":
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{where}: not a number: {text!r}", field="keypoints") from None


def _read_csv(path: Path) -> KeypointSeries:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 3:
        raise InvalidInput(f"{path.name}: needs a header and at least 2 frames", field="keypoints")
    header = rows[0]
    needed = ["time_s"] + [f"{n}_{c}" for n in LANDMARKS for c in ("x_px", "y_px", "vis")]
    missing = [c for c in needed if c not in header]
    if missing:
        raise InvalidInput(
            f"{path.name}: missing column(s) {', '.join(missing[:4])}"
            + (" ..." if len(missing) > 4 else ""),
            field="keypoints",
            allowed=needed[:4],
        )
    col = {name: header.index(name) for name in needed}
    n = len(rows) - 1
    xy = np.full((n, len(LANDMARKS), 2), np.nan)
    vis = np.zeros((n, len(LANDMARKS)))
    times = np.zeros(n)
    for i, row in enumerate(rows[1:]):
        where = f"{path.name} row {i + 2}"
        times[i] = _float(row[col["time_s"]], where)
        for k, name in enumerate(LANDMARKS):
            xy[i, k, 0] = _float(row[col[f"{name}_x_px"]], where)
            xy[i, k, 1] = _float(row[col[f"{name}_y_px"]], where)
            vis[i, k] = np.nan_to_num(_float(row[col[f"{name}_vis"]], where))
    steps = np.diff(times)
    if not np.all(steps > 0):
        raise InvalidInput(f"{path.name}: time_s must increase", field="time_s")
    fps = 1.0 / float(np.median(steps))
    return KeypointSeries(xy_px=xy, visibility=vis, fps=fps, source=f"file:{path.name}")


def _read_json(path: Path) -> KeypointSeries:
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
        fps = float(doc["fps"])
        names = list(doc.get("landmarks", LANDMARKS))
        frames = doc["frames"]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{path.name}: not a keypoint JSON file ({exc})",
            field="keypoints",
            allowed="{fps, landmarks, frames: [{xy_px, visibility}]}",
        ) from exc
    if names != list(LANDMARKS):
        raise InvalidInput(
            f"{path.name}: landmarks must be the 33 BlazePose names", field="landmarks"
        )
    n = len(frames)
    xy = np.full((n, len(LANDMARKS), 2), np.nan)
    vis = np.zeros((n, len(LANDMARKS)))
    try:
        for i, frame in enumerate(frames):
            xy[i] = np.array(frame["xy_px"], dtype=np.float64)  # None → nan
            vis[i] = np.nan_to_num(np.array(frame["visibility"], dtype=np.float64))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{path.name}: frame {i}: {exc}", field="frames") from exc
    return KeypointSeries(
        xy_px=xy,
        visibility=vis,
        fps=fps,
        width_px=int(doc.get("width_px") or 0),
        height_px=int(doc.get("height_px") or 0),
        source=f"file:{path.name}",
    )


def read_keypoints(path: Path) -> KeypointSeries:
    """Load a keypoint CSV or JSON file; InvalidInput on anything malformed."""
    if not path.is_file():
        raise InvalidInput(f"keypoint file not found: {path}", field="keypoints", got=str(path))
    size = path.stat().st_size
    if size == 0 or size > _MAX_BYTES:
        raise InvalidInput(
            f"{path.name}: keypoint file is empty or larger than 200 MB", field="keypoints"
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".json":
        return _read_json(path)
    raise InvalidInput(
        f"{path.name}: keypoint files must be .csv or .json",
        field="keypoints",
        allowed=[".csv", ".json"],
        got=suffix,
    )


class KeypointFileSource:
    """Keypoints from a CSV or JSON file instead of a video (see keypoint_io).

    Parameters
    ----------
    path
        The keypoint file.

    Attributes
    ----------
    keypoints_
        The loaded :class:`KeypointSeries`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Self:
        """Read and validate the file; return self."""
        self.keypoints_ = read_keypoints(self.path)
        return self
