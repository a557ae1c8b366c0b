"""Each package's curated public face: ``__all__`` names resolve to the objects of their home
modules, ``dir()`` lists exactly them, and importing a package loads none of the heavy
libraries its submodules use (names are imported on first use)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

PACKAGES = ("activity", "clinical", "content", "fhir", "gait", "reports", "store")

#: Libraries a bare ``import runnersknee.<package>`` must not load.
HEAVY = ("cv2", "fhir", "fitdecode", "fitparse", "matplotlib", "mediapipe", "scipy", "weasyprint")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves_to_its_home(name: str) -> None:
    package = importlib.import_module(f"runnersknee.{name}")
    public = package.__all__
    assert public == sorted(public)
    assert len(public) == len(set(public))
    for attribute in public:
        value = getattr(package, attribute)
        home = getattr(value, "__module__", "")
        assert home.startswith(f"runnersknee.{name}"), (attribute, home)
    assert sorted(dir(package)) == sorted(public)
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    assert not submodules & set(public), "a public name would be replaced by its submodule"
    with pytest.raises(AttributeError, match="no attribute"):
        _ = package.no_such_name


def test_importing_the_packages_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        + "".join(f"import runnersknee.{name}\n" for name in PACKAGES)
        + f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
