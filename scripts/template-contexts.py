"""Write or check the context comment at the top of every page template.

Each template starts with ``{# Context: a, b, c. Rendered by web/pages/x.py. #}``: the names a
route must pass (beyond the basics every page gets from ``web.render.render``). The names are
found by Jinja itself (``jinja2.meta``), so ``--check`` (run by the test suite) fails when a
template starts using a name its comment does not list, or lists one it no longer uses.

usage: python scripts/template-contexts.py [--write | --check]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from jinja2 import meta

from runnersknee.web.render import environment

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src/runnersknee/web"
TEMPLATES = WEB / "templates"
#: What ``render()`` puts in every page's context, and Jinja's own loop names.
BASICS = frozenset(
    {
        "request",
        "actor",
        "zone",
        "csrf_token",
        "path",
        "errors",
        "values",
        "message",
        "loop",
        "self",
        "caller",
        "varargs",
        "kwargs",
    }
)
HEADER = re.compile(r"\{#\s*Context:\s*(?P<names>[^.]*?)\.\s*(?P<where>.*?)\s*#\}\n?", re.S)


def used_names(name: str) -> list[str]:
    """Names ``name`` reads from its context (not globals, not the basics)."""
    env = environment()
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    found = meta.find_undeclared_variables(env.parse(source))
    return sorted(found - set(env.globals) - BASICS)


def renderers(name: str) -> list[str]:
    """The modules (or templates) that render or include ``name``."""
    quoted = f'"{name}"'
    where = sorted(
        str(path.relative_to(WEB.parent.parent).as_posix()).removeprefix("runnersknee/")
        for path in WEB.parent.rglob("*.py")
        if quoted in path.read_text(encoding="utf-8")
    )
    where += sorted(
        str(path.relative_to(TEMPLATES).as_posix())
        for path in TEMPLATES.rglob("*.html")
        if quoted in path.read_text(encoding="utf-8")
    )
    return where


def header(name: str) -> str:
    names = ", ".join(used_names(name)) or "none beyond the page basics"
    by = renderers(name)
    where = f"Rendered by {', '.join(by)}." if by else "Not rendered directly."
    return f"{{# Context: {names}. {where} #}}\n"


def templates() -> list[str]:
    return sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))


def problems() -> list[str]:
    """Templates whose context comment is missing or out of date."""
    out = []
    for name in templates():
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        match = HEADER.match(text)
        if match is None:
            out.append(f"{name}: no context comment on its first line")
            continue
        listed = sorted(n.strip() for n in match["names"].split(",") if n.strip())
        if listed == ["none beyond the page basics"]:
            listed = []
        if listed != used_names(name):
            out.append(f"{name}: lists {listed}, uses {used_names(name)}")
    return out


def write() -> None:
    for name in templates():
        path = TEMPLATES / name
        text = path.read_text(encoding="utf-8")
        text = HEADER.sub("", text, count=1) if HEADER.match(text) else text
        path.write_text(header(name) + text, encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    found = problems()
    print("\n".join(found) or f"{len(templates())} templates: context comments up to date")
    sys.exit(1 if found else 0)
