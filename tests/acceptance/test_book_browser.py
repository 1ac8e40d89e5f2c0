"""The review book in a real browser: Debian's chromium, headless, driven by playwright (never `playwright install`,
which downloads a browser). Every page loads with no console error; every rule id and every quote is on its page;
the search box filters to the right rules; a rule whose meaning changed since sign-off shows as changed; anchors
link; axe-core finds no accessibility violation; a screenshot is written to test-artifacts/ for a person to look at.

.ci/run installs chromium and sets NETGUIDE_REQUIRE_BROWSER; elsewhere these tests skip, saying what to install,
unless that or CI is set."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from needs import ROOT
from netguide.rulebook.loader import load_rulebook

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("NETGUIDE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's own probe starts it: no sandbox as root, and no background connections the closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no chromium at {CHROMIUM} (apt-get install chromium, or set NETGUIDE_CHROMIUM)"
    return None


MISSING = _missing()
if MISSING and (os.environ.get("CI") or os.environ.get("NETGUIDE_REQUIRE_BROWSER")):
    raise RuntimeError(f"CI must run the browser tests: {MISSING}")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


def _build(out: Path, rules: Path = ROOT / "rules") -> None:
    r = subprocess.run([sys.executable, "-m", "netguide", "book", "--out", str(out), "--rules", str(rules),
                        "--scenarios", str(ROOT / "scenarios")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def shipped_book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    _build(out)
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    pg.on("requestfailed", lambda r: pg.errors.append(f"request failed: {r.url}"))  # type: ignore[attr-defined]
    yield pg
    context.close()


def _url(book: Path, name: str) -> str:
    return (book / name).as_uri()


def test_every_page_loads_with_no_console_error(shipped_book: Path, page):
    names = sorted(p.name for p in shipped_book.glob("*.html"))
    assert len(names) == 16
    for name in names:
        page.goto(_url(shipped_book, name))
        assert page.locator("[data-version]").first.inner_text().endswith(load_rulebook().version_string)
    assert page.errors == []


def test_every_rule_id_and_every_quote_is_on_its_page(shipped_book: Path, page):
    book = load_rulebook()
    by_page: dict[str, list] = {}
    for r in book.rules:
        by_page.setdefault(f"area-{Path(r.path).stem}.html", []).append(r)
    for name, rules in by_page.items():
        page.goto(_url(shipped_book, name))
        text = " ".join(page.locator("main").inner_text().split())
        for r in rules:
            assert page.locator(f'tr[id="{r.id}"]').count() == 1, r.id
            for c in r.rule.evidence:
                assert " ".join(c.quote.split()) in text, (r.id, c.quote[:60])
    assert page.errors == []


def _visible_rules(page) -> set[str]:
    return set(page.eval_on_selector_all("tbody tr[data-rule]:not([hidden])", "rows => rows.map(r => r.dataset.rule)"))


def test_the_search_box_filters_to_the_right_rules(shipped_book: Path, page):
    page.goto(_url(shipped_book, "index.html"))
    assert len(_visible_rules(page)) == 97
    page.fill("#filter", "platinum_etoposide")  # with the underscore only rule ids hold it
    expected = {r.id for r in load_rulebook().rules if "platinum_etoposide" in r.id}
    assert len(expected) == 5 and _visible_rules(page) == expected
    assert page.inner_text("#filter-count") == "5 of 97 shown"
    page.fill("#filter", "Kras_  pannet_")  # every word must appear, in any case and order
    expected = {r.id for r in load_rulebook().rules if "pannet_" in r.id and "kras_" in r.id}
    assert len(expected) >= 1 and _visible_rules(page) == expected
    page.fill("#filter", "no rule mentions this")
    assert _visible_rules(page) == set() and page.inner_text("#filter-count") == "0 of 97 shown"
    page.fill("#filter", "")
    assert len(_visible_rules(page)) == 97
    assert page.errors == []


def test_anchors_link_from_the_index_to_the_rule_row(shipped_book: Path, page):
    page.goto(_url(shipped_book, "index.html"))
    page.click('a[href="area-g3.html#g3.platinum_etoposide"]')
    page.wait_for_load_state()
    assert page.url.endswith("area-g3.html#g3.platinum_etoposide")
    row = page.locator('tr[id="g3.platinum_etoposide"]')
    assert row.evaluate("r => r.matches(':target')") and row.is_visible()
    # and from the rule to a scenario that proves it
    link = row.locator("ul.scenarios a").first
    target = link.get_attribute("href")
    link.click()
    page.wait_for_load_state()
    anchor = target.split("#", 1)[1]
    assert page.locator(f'tr[id="{anchor}"]').evaluate("r => r.matches(':target')")
    assert page.errors == []


def test_a_rule_whose_meaning_changed_since_sign_off_shows_as_changed(tmp_path: Path, page):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    r = subprocess.run([sys.executable, "-m", "netguide", "signoff", "g3.platinum_etoposide", "--by", "Dr A",
                        "--rules", str(rules)], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    g3 = rules / "g3.yaml"
    text = g3.read_text()
    start = text.index("id: g3.platinum_etoposide\n")
    g3.write_text(text[:start] + text[start:].replace("grade: G3", "grade: [G2, G3]", 1))
    _build(tmp_path / "book", rules)
    page.goto(_url(tmp_path / "book", "area-g3.html") + "#g3.platinum_etoposide")
    row = page.locator('tr[id="g3.platinum_etoposide"]')
    assert "changed" in row.get_attribute("class").split()
    assert row.locator('[data-signoff="changed"]').inner_text().startswith(
        "Changed since sign-off (condition): signed by Dr A on ")
    others = page.locator('tr.changed').count()
    assert others == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "book-changed-since-signoff.png"))
    page.goto(_url(tmp_path / "book", "index.html"))
    assert page.inner_text("[data-changed-count]") == "1"
    assert page.locator(".alert a", has_text="g3.platinum_etoposide").count() == 1
    assert page.errors == []


def test_a_screenshot_of_the_book_is_written(shipped_book: Path, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(_url(shipped_book, "area-g12_pancreatic.html"))
    shot = ARTIFACTS / "book-area-g12_pancreatic.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000
    page.goto(_url(shipped_book, "index.html"))
    page.screenshot(path=str(ARTIFACTS / "book-index.png"))


@pytest.mark.parametrize("name", ["index.html", "area-g3.html", "combine.html", "decisions.html", "declined.html",
                                  "implications.html", "coverage.html", "scenarios.html"])
def test_no_accessibility_violation(shipped_book: Path, page, name: str):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(_url(shipped_book, name))
    results = Axe().run(page)
    violations = [(v["id"], v["impact"], len(v["nodes"]), v["help"]) for v in results.response["violations"]]
    assert violations == [], violations


def test_no_accessibility_violation_without_the_review_text(tmp_path: Path, page):
    """The book built without the review's text carries a note on every page: it too must pass axe."""
    from axe_playwright_python.sync_playwright import Axe

    out = tmp_path / "book"
    r = subprocess.run([sys.executable, "-m", "netguide", "book", "--out", str(out), "--source", "/nonexistent"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    if r.returncode == 2:  # --source must exist: build with the variable pointing nowhere instead
        env = {**os.environ, "NETGUIDE_SOURCE": str(tmp_path / "absent.txt")}
        r = subprocess.run([sys.executable, "-m", "netguide", "book", "--out", str(out)], capture_output=True,
                           text=True, cwd=ROOT, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    page.goto(_url(out, "index.html"))
    assert "review's text was not found" in page.inner_text("main")
    violations = [(v["id"], v["impact"]) for v in Axe().run(page).response["violations"]]
    assert violations == [], violations
