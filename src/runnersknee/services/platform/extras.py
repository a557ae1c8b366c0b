"""Optional parts of an installation: video analysis is the ``video`` extra.

A clinic without video installs the app without OpenCV, MediaPipe and scipy; every way into
video analysis (upload form, API, job, CLI) first calls :func:`require_video` and gets one
clear sentence instead of an ImportError.
"""

from __future__ import annotations

from importlib.util import find_spec

from runnersknee.clinical.errors import Refused

__all__ = ["VIDEO_INSTALL", "VideoNotInstalled", "missing_video_modules", "require_video"]

VIDEO_INSTALL = "pip install 'runnersknee[video]' && python -m runnersknee.gait.pose_bundle"
#: Import names each kind of analysis needs: a video needs the pose model; keypoints do not.
_NEEDS = {
    "video": ("scipy", "cv2", "imageio_ffmpeg", "mediapipe"),
    "keypoints": ("scipy",),
}


class VideoNotInstalled(Refused):
    """Video analysis is not installed on this server."""

    code = "video_not_installed"


def missing_video_modules(source: str = "video") -> list[str]:
    """The modules of ``source`` analysis that are not installed."""
    return [name for name in _NEEDS.get(source, _NEEDS["video"]) if find_spec(name) is None]


def require_video(source: str = "video") -> None:
    """Raise :class:`VideoNotInstalled` (one sentence with the install command) when the
    analysis of ``source`` ("video" or "keypoints") cannot run here."""
    missing = missing_video_modules(source)
    if missing:
        raise VideoNotInstalled(
            "video analysis is not installed on this server; the administrator can add it "
            f"with: {VIDEO_INSTALL} (missing: {', '.join(missing)})",
            missing=missing,
        )
