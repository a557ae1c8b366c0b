"""Build ``content/data/security/common-passwords.txt`` from the zxcvbn 4.5.0 source archive.

Reproducible: the archive comes from PyPI with pip, is checked against a pinned SHA-256, and
its password list is read with ``ast`` (nothing from the archive is imported or run):

    python -m pip download zxcvbn==4.5.0 --no-deps --no-binary :all: -d /tmp/zx
    python scripts/build_common_passwords.py /tmp/zx/zxcvbn-4.5.0.tar.gz

The list: the 30,000 most frequent passwords of public breaches, by frequency (zxcvbn's
``passwords`` list, itself from the Xato corpus), MIT licence, Copyright (c) 2016 Daniel Wolf
(Python port) and (c) 2012-2016 Dan Wheeler and Dropbox, Inc.
"""

from __future__ import annotations

import ast
import hashlib
import sys
import tarfile
from pathlib import Path

SOURCE = "zxcvbn-4.5.0.tar.gz"
SHA256 = "70392c0fff39459d7f55d0211151401e79e76fcc6e2c22b61add62900359c7c1"
MEMBER = "zxcvbn-4.5.0/zxcvbn/frequency_lists.py"
OUT = (
    Path(__file__).resolve().parents[1]
    / "src/runnersknee/content/data/security/common-passwords.txt"
)
HEADER = f"""\
# The 30,000 most common passwords of public breaches, most frequent first, one a line.
# Built by scripts/build_common_passwords.py from {SOURCE} (PyPI),
# sha256 {SHA256}, the "passwords" list of zxcvbn/frequency_lists.py.
# Licence: MIT (see common-passwords-LICENSE.txt beside this file).
"""


def read_list(archive: Path) -> list[str]:
    """The password list of the archive, after checking the archive's SHA-256."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        sys.exit(f"{archive} has sha256 {digest}, expected {SHA256}")
    with tarfile.open(archive) as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            sys.exit(f"{MEMBER} is missing from {archive}")
        tree = ast.parse(member.read().decode("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    return _split_call(value)
    sys.exit("no 'passwords' list found")


def _split_call(node: ast.expr) -> list[str]:
    """The words of ``"a,b,c".split(",")`` (the form the list has in the archive)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        text = ast.literal_eval(node.func.value)
        return [word for word in str(text).split(",") if word]
    sys.exit("the 'passwords' entry is not a split string")


def main() -> None:
    """Write the data file from the archive named on the command line."""
    words = read_list(Path(sys.argv[1]))
    OUT.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords -> {OUT}")


if __name__ == "__main__":
    main()
