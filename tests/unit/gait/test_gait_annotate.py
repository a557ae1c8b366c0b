"""Overlay text of the annotated video: measured panels that stay inside the frame."""

from __future__ import annotations

import numpy as np

from runnersknee.gait.events import Stance
from runnersknee.gait.steps import EDGE, StepCheck, StepValue
from runnersknee.gait.video_annotate import _event_labels, _strip, _text_block


def _white_rows(img: np.ndarray) -> np.ndarray:
    return np.flatnonzero((img == 255).all(axis=2).any(axis=1))


def test_text_panel_starts_below_the_top_edge_and_fits() -> None:
    img = np.full((120, 400, 3), 200, dtype=np.uint8)
    _text_block(img, ["direction: right_to_left", "knee flexion left: 12.0 deg"], 8, 0, 0.8)
    rows = _white_rows(img)
    assert rows.size
    assert rows.min() >= 2  # the first line is not cut off at the top
    assert rows.max() < 120


def test_text_panel_near_the_bottom_is_moved_up_into_the_frame() -> None:
    img = np.full((100, 400, 3), 200, dtype=np.uint8)
    _text_block(img, ["contact left", "per step"], 8, 95, 0.6)
    rows = _white_rows(img)
    assert rows.size
    assert rows.max() <= 99


def test_rejected_contacts_are_labelled_with_their_reason_and_charted_red() -> None:
    steps = [
        StepCheck(Stance("left", 0.5, 0.8), None, 0),
        StepCheck(Stance("right", 1.0, 1.3), EDGE, 0),
    ]
    labels = _event_labels(60, 30.0, steps, ())
    assert labels[15] == "contact left"
    assert labels[30] == f"contact right REJECTED: {EDGE}"
    values = [StepValue(0.5, "left", 100.0), StepValue(1.0, "right", 140.0, EDGE)]
    strip = _strip(steps, values, 2.0, 200, 40)
    red = (strip == (60, 60, 230)).all(axis=2)
    green = (strip == (80, 200, 80)).all(axis=2)
    assert red[:, 95:105].any()  # the rejected contact at 1.0 s of 2.0 s
    assert green[:, 45:55].any()


def test_captions_say_which_steps_were_not_used_and_why() -> None:
    from runnersknee.services.video.captions import captions_vtt

    document = {
        "duration_s": 3.0,
        "events": [
            {"kind": "stance", "side": "left", "ic_s": 0.5, "to_s": 0.8},
            {"kind": "stance", "side": "right", "ic_s": 1.0, "to_s": 1.3},
        ],
        "steps": {
            "detail": [
                {"side": "left", "ic_s": 0.5, "kept": True, "reason": None},
                {"side": "right", "ic_s": 1.0, "kept": False, "reason": EDGE},
            ]
        },
    }
    vtt = captions_vtt(document)
    assert "Left foot on the ground (stance)\n" in vtt
    assert f"Right foot on the ground (stance) — step not used: {EDGE}" in vtt
