"""The breached-password list is the project's own data file, built from a registry source."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from runnersknee.services.access.credentials import common_passwords

_FOLDER = resources.files("runnersknee.content") / "data" / "security"
_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_common_passwords.py"


def test_the_shipped_list_is_loaded_from_the_package_data() -> None:
    words = common_passwords()
    assert len(words) == 30_000
    assert {"1qaz2wsx3edc", "password"} <= words


def test_the_data_file_names_its_source_checksum_and_licence() -> None:
    header = (_FOLDER / "common-passwords.txt").read_text("utf-8").splitlines()[:4]
    pinned = re.search(r'SHA256 = "([0-9a-f]{64})"', _SCRIPT.read_text("utf-8"))
    assert pinned is not None
    assert any(pinned.group(1) in line for line in header)
    assert any("zxcvbn-4.5.0.tar.gz (PyPI)" in line for line in header)
    licence = (_FOLDER / "common-passwords-LICENSE.txt").read_text("utf-8")
    assert "MIT License" in licence


def test_the_data_file_equals_the_registry_package_list() -> None:
    """Reproducible: the same words, in the same order, as the pinned zxcvbn release."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    lines = (_FOLDER / "common-passwords.txt").read_text("utf-8").splitlines()
    assert [w for w in lines if not w.startswith("#")] == list(FREQUENCY_LISTS["passwords"])
