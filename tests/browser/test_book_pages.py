"""The built book in a real browser: headless Chromium (Debian's /usr/bin/chromium) via Playwright.

Every page of _toc.yml is served from the book that tests/test_book.py built (``book/_build/html``
of the tests' output folder, ``notebook_runner.output_of_tests()``) over http://127.0.0.1 and
opened with all other hosts blocked, as a reader without internet would see it. Each page must
load with no console error and no request leaving the local server; its images must be loaded
and not blank; its math must be typeset by the MathJax shipped with the site; its Japanese text
must be drawn with real glyphs, not missing-glyph boxes; a chapter page must carry a Colab
button that opens that very notebook on the main branch and a download button for it.

Run it after ``make test``: ``make browser-test``. Under ``make test`` it is skipped while the
book or Chromium is absent; ``make browser-test`` sets ``COURSE_BROWSER_TEST=require``, where
that is an error. A screenshot of the first screen of every page goes to ``browser/`` of the
tests' output folder (the tests write nothing into ``_build/``).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from notebook_runner import output_of_tests

ROOT = Path(__file__).resolve().parents[2]
HTML = output_of_tests() / "book" / "_build" / "html"
SCREENSHOTS = output_of_tests() / "browser"
CHROMIUM = os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
REQUIRED = os.environ.get("COURSE_BROWSER_TEST") == "require"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _unavailable() -> str | None:
    """Why the test cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (make env installs requirements.txt)"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM}: apt-get install chromium fonts-noto-cjk (see .ci/run)"
    if not (HTML / "index.html").is_file():
        return f"no built book in {HTML}: run 'make test' first"
    return None


_reason = _unavailable()
if _reason and REQUIRED:
    raise RuntimeError(f"COURSE_BROWSER_TEST=require, but {_reason}")
pytestmark = pytest.mark.skipif(_reason is not None, reason=_reason or "")


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _toc_pages() -> list[str]:
    """Every document of _toc.yml, root first (e.g. 'book/intro', 'notebooks/01_pytorch_basics')."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            if "glob" in entry:  # a pattern such as notebooks/*: the documents it matches, in order
                pages += sorted(str(path.relative_to(ROOT)) for path in ROOT.glob(entry["glob"])
                                if path.suffix in (".md", ".ipynb"))
            else:
                pages.append(entry["file"])
    return [re.sub(r"\.(md|ipynb)$", "", page) for page in pages]


PAGES = _toc_pages()
CHAPTERS = [page for page in PAGES if page.startswith("notebooks/")]
SITE_PAGES = [*PAGES, "search", "genindex"]  # the book's pages and Sphinx's own


@pytest.fixture(scope="module")
def site():
    """The built HTML served on 127.0.0.1; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageVisit:
    """One page opened in a fresh browser context, with what went wrong while loading it."""

    def __init__(self, browser, site: str, page_name: str):
        self.url = f"{site}/{page_name}.html"
        self.console_errors: list[str] = []
        self.external_requests: list[str] = []
        self.failed_requests: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        self.context.route("**/*", lambda route: self._route(route, site))
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        self.page.on(
            "requestfailed",
            lambda request: self.failed_requests.append(f"{request.url} ({request.failure})"),
        )
        self.response = self.page.goto(self.url, wait_until="load")
        # MathJax typesets after the load event; wait for it where the page has math.
        self.page.evaluate("() => window.MathJax?.startup?.promise ?? null")
        self.page.wait_for_load_state("networkidle")

    def _route(self, route, site: str) -> None:
        if route.request.url.startswith(site + "/"):
            route.continue_()
        else:
            self.external_requests.append(route.request.url)
            route.abort("internetdisconnected")

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def visits(browser, site):
    """Every page of the book, opened once; closed at the end of the module."""
    opened: dict[str, PageVisit] = {}

    def visit(page_name: str) -> PageVisit:
        if page_name not in opened:
            opened[page_name] = PageVisit(browser, site, page_name)
        return opened[page_name]

    yield visit
    for v in opened.values():
        v.close()


def test_every_page_of_the_toc_was_built():
    missing = [page for page in PAGES if not (HTML / f"{page}.html").is_file()]
    assert not missing, f"pages of _toc.yml missing from the build: {missing}"
    assert len(CHAPTERS) >= 1


@pytest.mark.parametrize("page_name", SITE_PAGES)
def test_page_loads_offline_without_console_errors(visits, page_name):
    v = visits(page_name)
    assert v.response is not None and v.response.ok, f"{v.url}: HTTP {v.response and v.response.status}"
    assert not v.external_requests, f"{page_name} fetches from outside the site: {v.external_requests}"
    assert not v.failed_requests, f"{page_name}: requests failed: {v.failed_requests}"
    assert not v.console_errors, f"{page_name}: console errors: {v.console_errors}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The first screen of the page, for a person to look at (a long chapter is too slow to shoot whole).
    v.page.screenshot(path=str(SCREENSHOTS / f"{page_name.replace('/', '__')}.png"), timeout=60_000)


def test_search_finds_a_chapter_by_its_title(browser, site, visits):
    """The site's search (Japanese word splitting, local index) works offline."""
    chapter = CHAPTERS[0]
    title = visits(chapter).page.inner_text("article.bd-article h1").rstrip("#").strip()
    v = PageVisit(browser, site, "search")
    try:
        v.page.goto(f"{v.url}?q={urllib.parse.quote(title)}")
        link = v.page.wait_for_selector(f"#search-results li a[href*='{chapter}.html']", timeout=30_000)
        assert link is not None
        assert not v.console_errors and not v.external_requests, (v.console_errors, v.external_requests)
    finally:
        v.close()


# In the page: is each image loaded, how large, and does it show more than one colour?
IMAGES_JS = """() => [...document.querySelectorAll('main img, article img')].map(img => {
  const info = {src: img.currentSrc || img.src, complete: img.complete, width: img.naturalWidth,
                height: img.naturalHeight, colours: 0, output: !!img.closest('.cell_output')};
  if (img.complete && img.naturalWidth > 0) {
    const canvas = document.createElement('canvas');
    canvas.width = Math.min(img.naturalWidth, 400);
    canvas.height = Math.min(img.naturalHeight, 400);
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i < data.length && seen.size < 16; i += 4) seen.add(data.slice(i, i + 4).join(','));
    info.colours = seen.size;
  }
  return info;
})"""


@pytest.mark.parametrize("page_name", SITE_PAGES)
def test_images_are_loaded_and_not_blank(visits, page_name):
    images = visits(page_name).page.evaluate(IMAGES_JS)
    for image in images:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, f"not loaded: {image}"
        assert image["colours"] > 1, f"blank image (one colour): {image}"


@pytest.mark.parametrize("page_name", CHAPTERS)
def test_chapter_page_shows_its_figures(visits, page_name):
    """Every chapter draws plots; its page must show them, with no missing Japanese glyph warnings."""
    v = visits(page_name)
    figures = [image for image in v.page.evaluate(IMAGES_JS) if image["output"]]
    assert figures, f"{page_name}: no figure in the cell outputs"
    text = v.page.inner_text("main")
    assert "missing from font" not in text, f"{page_name}: matplotlib could not draw some glyphs of a figure"


# The figures that explain each chapter's idea (issue 17): the cell that draws one carries a tag
# figure-..., which myst-nb turns into the class tag_<name> of the cell in the page.
EXPLAINING_FIGURES = [
    (page, tag)
    for page in CHAPTERS
    for cell in json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]
    for tag in cell.get("metadata", {}).get("tags", []) if tag.startswith("figure-")
]


@pytest.mark.parametrize("page_name, tag", EXPLAINING_FIGURES)
def test_chapter_page_shows_its_explaining_figure(visits, page_name, tag):
    images = visits(page_name).page.evaluate(
        f"() => [...document.querySelectorAll('.tag_{tag} .cell_output img')].map(img => [img.complete, img.naturalWidth])")
    assert images, f"{page_name}: the figure of the cell tagged {tag} is not in the page"
    assert all(complete and width > 0 for complete, width in images), f"{page_name}: {tag} did not load: {images}"


@pytest.mark.parametrize("page_name", CHAPTERS)
def test_chapter_page_opens_with_what_it_teaches(visits, page_name):
    """The "このチャプターで学ぶこと" box is rendered as an admonition, above the first section."""
    page = visits(page_name).page
    titles = [title.strip() for title in page.eval_on_selector_all(
        "article .admonition .admonition-title", "nodes => nodes.map(n => n.textContent)")]
    assert "このチャプターで学ぶこと" in titles, f"{page_name}: admonitions {titles}"
    box = page.query_selector("article .admonition:has(.admonition-title:text-is('このチャプターで学ぶこと'))")
    assert box is not None and len(box.inner_text()) > 40 and box.query_selector("li") is not None


def test_search_box_speaks_japanese(visits):
    page = visits(PAGES[0]).page
    placeholders = page.eval_on_selector_all("input[name='q']", "nodes => nodes.map(n => n.placeholder)")
    assert placeholders and all(text == "この本を検索…" for text in placeholders), placeholders


@pytest.mark.parametrize("page_name", CHAPTERS)
def test_chapter_page_has_colab_and_download_buttons(visits, page_name, site):
    config = _config()
    repository = config["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = config["repository"]["branch"]
    expected = f"https://colab.research.google.com/github/{repository}/blob/{branch}/{page_name}.ipynb"
    assert branch == "main", "the Colab button must open the notebook on the main branch"
    page = visits(page_name).page
    colab = [a.get_attribute("href") for a in page.query_selector_all("a[href*='colab.research.google.com']")]
    assert colab == [expected], f"{page_name}: Colab links {colab}, expected [{expected}]"

    downloads = [
        a.get_attribute("href")
        for a in page.query_selector_all(".dropdown-download-buttons a")
        if (a.get_attribute("href") or "").endswith(".ipynb")
    ]
    assert len(downloads) == 1, f"{page_name}: download links to the notebook: {downloads}"
    url = page.evaluate("href => new URL(href, document.baseURI).href", downloads[0])
    assert url == f"{site}/_sources/{page_name}.ipynb"
    with urllib.request.urlopen(url) as response:  # the local server
        notebook = json.loads(response.read().decode("utf-8"))
    assert notebook["nbformat"] == 4 and any(
        cell.get("outputs") for cell in notebook["cells"] if cell["cell_type"] == "code"
    ), "the downloadable notebook should be the executed one, with outputs"


MATH_JS = """() => ({
  source: document.querySelectorAll('main .math').length,
  typeset: document.querySelectorAll('main mjx-container').length,
  errors: [...document.querySelectorAll('main mjx-merror')].map(e => e.getAttribute('data-mjx-error') || e.textContent),
  unprocessed: [...document.querySelectorAll('main .math')].filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60)),
})"""


@pytest.mark.parametrize("page_name", SITE_PAGES)
def test_math_is_typeset(visits, page_name):
    math = visits(page_name).page.evaluate(MATH_JS)
    assert not math["unprocessed"], f"{page_name}: math left as TeX source: {math['unprocessed']}"
    assert not math["errors"], f"{page_name}: MathJax errors: {math['errors']}"
    assert math["typeset"] >= math["source"]


def test_the_book_has_math_and_mathjax_is_served_locally(visits):
    """The math check above must not be vacuous: the chapters have formulas, drawn by local MathJax."""
    counted = {page: visits(page).page.evaluate(MATH_JS)["typeset"] for page in CHAPTERS}
    assert sum(counted.values()) > 0, f"no typeset math on any chapter page: {counted}"
    page = visits(next(page for page, n in counted.items() if n)).page
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s))")
    assert scripts and all(s.startswith(page.url.split("/notebooks/")[0]) for s in scripts), scripts


# In the page: draw single characters of an element's text with the element's own font and compare
# them with the missing-glyph box (drawn for U+0378, an unassigned code point). Real glyphs differ
# from it and from each other; missing-glyph boxes all look the same.
GLYPHS_JS = """(el) => {
  const style = getComputedStyle(el);
  const font = `${style.fontStyle} ${style.fontWeight} 40px ${style.fontFamily}`;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 56;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 56, 56);
    ctx.font = font;
    ctx.textBaseline = 'top';
    ctx.fillText(ch, 8, 8);
    const alpha = ctx.getImageData(0, 0, 56, 56).data.filter((_, i) => i % 4 === 3);
    return {bits: alpha.map(a => a > 127 ? 1 : 0).join(''), ink: alpha.filter(a => a > 127).length};
  };
  const missing = draw('\\u0378');
  const chars = [...new Set([...el.textContent].filter(c => /[\\u3040-\\u30ff\\u4e00-\\u9fff]/.test(c)))].slice(0, 16);
  const drawn = chars.map(c => ({char: c, ...draw(c)}));
  return {
    fontFamily: style.fontFamily,
    chars: drawn.map(d => ({char: d.char, ink: d.ink, missingGlyph: d.bits === missing.bits})),
    distinct: new Set(drawn.map(d => d.bits)).size,
  };
}"""


def _platform_fonts(page, selector: str) -> list[dict]:
    """The fonts Chromium actually used for the text of ``selector`` (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


@pytest.mark.parametrize("page_name", SITE_PAGES)
def test_japanese_text_is_drawn_with_real_glyphs(visits, page_name):
    page = visits(page_name).page
    # The page title: the first visible <h1> (a print-only copy of it comes first in the HTML).
    found = page.evaluate("""() => {
      const h1 = [...document.querySelectorAll('main h1')].find(e => e.checkVisibility());
      if (h1) h1.setAttribute('data-glyph-check', '');
      return !!h1;
    }""")
    assert found, f"{page_name}: no visible <h1>"
    selector = "[data-glyph-check]"
    heading = page.query_selector(selector)
    assert page.evaluate("() => document.documentElement.lang") == "ja"
    text = heading.inner_text()
    assert len(set(JAPANESE.findall(text))) >= 2, f"{page_name}: the title {text!r} has no Japanese text"
    glyphs = heading.evaluate(GLYPHS_JS)
    fonts = _platform_fonts(page, selector)
    where = f"{page_name}: title {text!r} in {glyphs['fontFamily']} drawn with {fonts}"
    boxes = [g["char"] for g in glyphs["chars"] if g["missingGlyph"] or g["ink"] == 0]
    assert not boxes, f"{where}: missing-glyph boxes for {boxes}"
    assert glyphs["distinct"] == len(glyphs["chars"]), f"{where}: different characters drawn alike"
    assert fonts and all(font["glyphCount"] > 0 for font in fonts), where
