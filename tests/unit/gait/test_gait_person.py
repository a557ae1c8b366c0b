"""Person selection: link people seen on sampled frames into tracks, follow the one who
crosses the frame, never jump to someone in the background."""

from __future__ import annotations

from runnersknee.gait.person import PersonTrack, choose_person, link_tracks


def _samples() -> list[tuple[int, list[tuple[int, int, int, int]]]]:
    """A walker crossing right to left; a person jumping in place in the background; the
    detector sometimes sees only one of them (as BlazePose does)."""
    background = (600, 100, 150, 500)
    out = []
    for k in range(10):
        frame = 15 * k
        walker = (1500 - 150 * k, 500, 200, 450)
        seen = [background, walker] if k % 3 else [walker]
        out.append((frame, seen))
    out.append((150, [(610, 90, 150, 510)]))  # only the background person at the end
    return out


def test_the_person_who_crosses_the_frame_is_chosen() -> None:
    tracks = link_tracks(_samples(), max_jump=1.5)
    chosen = choose_person(tracks)
    assert chosen is not None
    assert chosen.frames[0] == 0
    assert chosen.frames[-1] == 135  # the walker's last sample, not the background person's
    assert chosen.travel_px == 1350.0
    background = [t for t in tracks if t is not chosen and len(t.frames) > 1]
    assert background
    assert all(t.travel_px < 50 for t in background)


def test_box_is_interpolated_between_samples_and_absent_outside_the_track() -> None:
    track = PersonTrack([30, 45], [(1000, 500, 200, 400), (850, 500, 200, 400)])
    assert track.box_at(40, pad_frames=5) == (900, 500, 200, 400)
    assert track.box_at(27, pad_frames=5) == (1000, 500, 200, 400)  # held before the first
    assert track.box_at(20, pad_frames=5) is None
    assert track.box_at(60, pad_frames=5) is None


def test_a_far_box_starts_a_new_track_instead_of_a_jump() -> None:
    tracks = link_tracks([(0, [(100, 100, 100, 300)]), (15, [(1400, 100, 100, 300)])], 1.5)
    assert len(tracks) == 2


def test_on_a_treadmill_the_longest_seen_larger_person_wins() -> None:
    samples = [
        (k * 15, [(800, 200, 300, 700)] + ([(100, 400, 120, 300)] if k in (1, 2) else []))
        for k in range(6)
    ]
    chosen = choose_person(link_tracks(samples, 1.5))
    assert chosen is not None
    assert chosen.mean_height_px == 700
