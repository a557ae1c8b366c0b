"""Every page template documents the context it needs in its first line, and the comment
matches what Jinja finds the template reading (scripts/template-contexts.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "template-contexts.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("template_contexts", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_template_lists_the_names_it_reads() -> None:
    script = _script()
    assert len(script.templates()) > 50
    assert script.problems() == []


def test_a_name_missing_from_the_comment_is_found(tmp_path: Path) -> None:
    script = _script()
    (tmp_path / "page.html").write_text(
        "{# Context: view. Rendered by web/pages/x.py. #}\n{{ view }} {{ plan.title }}\n",
        encoding="utf-8",
    )
    script.TEMPLATES = tmp_path
    assert script.problems() == ["page.html: lists ['view'], uses ['plan', 'view']"]
    (tmp_path / "page.html").write_text("{{ view }}\n", encoding="utf-8")
    assert script.problems() == ["page.html: no context comment on its first line"]
