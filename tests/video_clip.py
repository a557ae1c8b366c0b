"""Test helper: a short real video file (OpenCV, MJPG in AVI) with a moving box and no person."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_clip(path: Path, seed: int = 3, frames: int = 40) -> bytes:
    """Write a 320 x 240, 30 fps clip of ``frames`` frames to ``path``; return its bytes."""
    import cv2

    fourcc = cv2.VideoWriter_fourcc(*"MJPG")  # type: ignore[attr-defined]
    writer = cv2.VideoWriter(str(path), fourcc, 30.0, (320, 240))
    rng = np.random.default_rng(seed)
    for i in range(frames):
        frame = np.full((240, 320, 3), 100, np.uint8)
        cv2.rectangle(frame, (40 + i, 70), (130 + i, 180), (60, 150, 90), -1)
        writer.write(cv2.add(frame, rng.integers(0, 10, frame.shape, dtype=np.uint8)))
    writer.release()
    return path.read_bytes()
