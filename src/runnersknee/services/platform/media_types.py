"""What kind of file an upload is, read from its first bytes (never from its name or the
browser's declared type): the photos and videos a phone or a camera makes.

Used to refuse a file that is not a video before a patient's upload is stored (the analysis
job then decodes it for real) and to check a clinic's exercise photo or video.
"""

from __future__ import annotations

from typing import BinaryIO

__all__ = ["HEAD_BYTES", "IMAGE_TYPES", "VIDEO_TYPES", "read_head", "sniff"]

#: How many leading bytes :func:`sniff` needs.
HEAD_BYTES = 16
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/x-msvideo"})
#: QuickTime files without an ``ftyp`` box start with one of these atoms.
_QUICKTIME_ATOMS = (b"moov", b"mdat", b"wide", b"free", b"skip")


def sniff(head: bytes) -> str | None:
    """The content type of a file that starts with ``head`` (None: not a known photo or
    video format)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"  # Matroska/WebM (EBML header)
    box = head[4:8]
    if box == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if box in _QUICKTIME_ATOMS:
        return "video/quicktime"
    return None


def read_head(source: BinaryIO) -> bytes:
    """The first :data:`HEAD_BYTES` bytes of an open upload, which is rewound to the start."""
    head = source.read(HEAD_BYTES)
    source.seek(0)
    return head
