"""The review book written as a static site: jinja2 templates (book/templates), Markdown (the rules README's sections)
rendered by python-markdown, one stylesheet with its print rules and one small script for the search box."""
from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from netguide import review

from .model import BookData, scenario_anchor

PAGES = (
    # (file, template, title in the navigation)
    ("index.html", "index.html", "All rules"),
    ("combine.html", "combine.html", "How rules combine"),
    ("decisions.html", "decisions.html", "Decisions"),
    ("declined.html", "declined.html", "Declined statements"),
    ("implications.html", "implications.html", "Implications and invariants"),
    ("coverage.html", "coverage.html", "Coverage of the review"),
    ("scenarios.html", "scenarios.html", "Scenarios"),
)
DIFF_PAGE = ("diff.html", "diff.html", "Impact of the edit")


def _environment():
    try:
        import jinja2
        import markdown
    except ImportError as exc:  # pragma: no cover - both are dependencies of netguide
        from netguide.errors import UsageError

        raise UsageError(f"netguide book needs jinja2 and markdown ({exc.name} is missing): pip install jinja2 markdown") from None
    env = jinja2.Environment(loader=jinja2.PackageLoader("netguide", "book/templates"),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    md = markdown.Markdown(extensions=["tables", "fenced_code", "toc"], extension_configs={"toc": {"anchorlink": False}})

    def render_markdown(text: str | None):
        md.reset()
        return jinja2.utils.markupsafe.Markup(md.convert(text or ""))

    env.filters["markdown"] = render_markdown
    env.filters["scenario_anchor"] = scenario_anchor
    env.filters["facts"] = lambda d: ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in d.items())
    return env


def write_book(data: BookData, out: Path) -> list[Path]:
    """Write every page and the static files into `out`; return the pages written."""
    env = _environment()
    out.mkdir(parents=True, exist_ok=True)
    static = out / "static"
    static.mkdir(exist_ok=True)
    for name in ("book.css", "book.js"):
        with resources.as_file(resources.files("netguide").joinpath(f"book/static/{name}")) as src:
            shutil.copyfile(src, static / name)
    pages = list(PAGES) + ([DIFF_PAGE] if data.diff else [])
    nav = [{"file": f, "title": t} for f, _, t in pages]
    area_nav = [{"file": a["page"], "title": a["title"]} for a in data.areas]
    written = []

    def page(file: str, template: str, title: str, **extra: Any) -> None:
        html = env.get_template(template).render(book=data, nav=nav, area_nav=area_nav, current=file, title=title,
                                                 review=review, **extra)
        (out / file).write_text(html, encoding="utf-8")
        written.append(out / file)

    for file, template, title in pages:
        page(file, template, title)
    for area in data.areas:
        page(area["page"], "area.html", area["title"], area=area)
    return written
