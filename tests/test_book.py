"""End to end: the book builds with warnings as errors, renders in a real browser, and publishes
no solution of a graded function and no hidden test."""

import functools
import html
import http.server
import importlib
import inspect
import io
import json
import posixpath
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from lab import CHROMIUM, CHROMIUM_ARGS
from rnnkit.grading.assignments import ASSIGNMENTS, FUNCTIONS

pytestmark = pytest.mark.book
ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
GRADED = tuple(FUNCTIONS)
NBGRADER_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
API_MODULES = ("params", "reference", "gradcheck", "data", "models", "train", "decode", "plots")  # appendix_api


def toc_pages():
    """Every page of _toc.yml, as a path relative to the site without suffix: book/01_rnn, ..."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


CHAPTERS = [page for page in toc_pages() if re.fullmatch(r"book/\d\d_\w+", page)]


@pytest.fixture(scope="module")
def site():
    """Build the book as `make book` does (reusing the execution cache in _build); the HTML root."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jupyter_book), "build", "--warningiserror", "--nitpick", "--keep-going", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"jupyter-book build failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return SITE


def documented_objects(module):
    """What `.. automodule:: :members:` documents: the module, its public functions and classes,
    and their public methods and properties."""
    yield module.__name__, module
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        yield f"{module.__name__}.{name}", obj
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if not member.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    yield f"{module.__name__}.{name}.{member}", value


def test_api_docstrings_are_valid_restructuredtext():
    """appendix_api renders rnnkit's docstrings with autodoc, and the build treats every docutils
    complaint as an error: this finds them in a second, with the object they belong to."""
    import docutils.core

    problems = []
    for name in API_MODULES:
        for qualname, obj in documented_objects(importlib.import_module(f"rnnkit.{name}")):
            doc = inspect.getdoc(obj)
            if not doc:
                continue
            stream = io.StringIO()
            docutils.core.publish_doctree(doc, settings_overrides={
                "report_level": 2, "halt_level": 5, "warning_stream": stream, "input_encoding": "unicode"})
            if stream.getvalue():
                problems.append(f"{qualname}: {stream.getvalue().strip()}")
    assert not problems, ("docstrings that are not valid reStructuredText (indent continuation lines as "
                          "their first line, put blank lines around indented blocks, quote `name_` and "
                          "|x| in ``double backticks``):\n" + "\n".join(problems))


def test_hidden_directories_are_not_pages():
    """`make book` after `make test` failed once: .pytest_cache/README.md became a page outside the
    toc, and --warningiserror made the warning fatal. Sphinx prunes a directory its patterns match."""
    from sphinx.util.matching import Matcher

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    excluded = Matcher(config["sphinx"]["config"]["exclude_patterns"])
    hidden = [".pytest_cache", ".venv", ".git", "book/.ipynb_checkpoints", "exercises/01_rnn/.ipynb_checkpoints"]
    assert all(excluded(path) for path in hidden), [path for path in hidden if not excluded(path)]
    pages = [part for page in toc_pages() for part in ("/".join(page.split("/")[:i + 1]) for i in range(page.count("/") + 1))]
    assert not any(excluded(path) or excluded(path + ".md") for path in pages)


def test_every_page_of_the_toc_is_built(site):
    missing = [page for page in toc_pages() if not (site / f"{page}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML: {missing}"
    assert (site / "index.html").is_file()


def test_every_section_the_grader_cites_is_an_anchor_of_the_built_book(site):
    """The feedback page links the sections a message cites (rnnkit.grading.book): each link's
    page is built and has a section with that id."""
    from rnnkit.grading import book, forms
    from rnnkit.grading.specs import SPECS

    lines = [book.see_the_book(spec) for spec in SPECS.values()] + [f.section for f in forms.FORMS]
    broken = []
    for page, heading in {c for line in lines for c in book.citations(line)}:
        target = site / f"{page}.html"
        if not target.is_file() or f'id="{book.anchor(heading)}"' not in target.read_text():
            broken.append(f"{page}.html#{book.anchor(heading)} ({heading!r})")
    assert not broken, f"cited sections without an anchor in the built book: {broken}"


# ---- nothing a student should not see -------------------------------------------------------

def published_files(site):
    """(path, text) of every text file of the site: HTML as its text (tags removed, code blocks keep
    their lines and indentation), a notebook as the source of its code cells."""
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix in (".png", ".jpg", ".svg", ".woff", ".woff2", ".ttf", ".ico", ".gif"):
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            text = "\n\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code")
        elif path.suffix == ".html":
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        yield path, text


def graded_definitions(text):
    """(name, body) of every `def <graded function>(...)` in `text`; the body without its docstring
    and comments, as a single string."""
    for match in re.finditer(rf"^([ \t]*)def[ \t]+({'|'.join(GRADED)})[ \t]*\(", text, flags=re.M):
        indent, name = match.group(1), match.group(2)
        depth, i = 1, match.end()
        while i < len(text) and depth:  # the end of the signature: the matching parenthesis
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        lines = text[i:].split("\n")[1:]  # the rest of the `):` line is the signature's end
        body = []
        for line in lines:
            if line.strip() and not (line.startswith(indent) and len(line) - len(line.lstrip()) > len(indent)):
                break
            body.append(line)
        if not any(line.strip() for line in body):
            continue  # a signature quoted in prose, not a definition
        code = re.sub(r'("""|\'\'\')[\s\S]*?\1', "", "\n".join(body), count=1)  # the docstring
        code = "\n".join(line.split("#")[0].strip() for line in code.split("\n"))
        yield name, " ".join(code.split())


def test_graded_functions_are_published_only_as_stubs(site):
    """A graded function may appear only as the exercise's stub: its body raises NotImplementedError."""
    solutions = []
    for path, text in published_files(site):
        for name, body in graded_definitions(text):
            if body not in ("raise NotImplementedError()", "raise NotImplementedError"):
                solutions.append(f"{path.relative_to(site)}: def {name}(...): {body[:80]}")
    assert not solutions, "the site publishes an implementation of a graded function:\n" + "\n".join(solutions)


def nbgrader_regions(text):
    """(kind, body) of every nbgrader solution or hidden-test region whose body is more than a
    placeholder ("...", "pass" or comments), as an explanation of the markers might show."""
    for match in re.finditer(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1", text, flags=re.S):
        body = " ".join(line.split("#")[0].strip() for line in match.group(2).split("\n")).split()
        if body and body not in (["..."], ["pass"]):
            yield match.group(1), " ".join(body)


def test_no_solution_or_hidden_test_regions(site):
    """No region of solution code or hidden tests; a released notebook has no markers at all."""
    found = []
    for path, text in published_files(site):
        found += [f"{path.relative_to(site)}: {kind}: {body[:80]}" for kind, body in nbgrader_regions(text)]
        if path.suffix == ".ipynb":
            found += [f"{path.relative_to(site)}: {marker}" for marker in NBGRADER_MARKERS if marker in text]
    assert not found, "the site publishes solution or hidden-test regions:\n" + "\n".join(found)


def test_the_checks_recognise_solutions():
    """The checks above are meaningful: they flag real code and accept stubs and explanations."""
    stub = 'def rnn_step_forward(x, h_prev,\n                     p):\n    """Doc."""\n    # YOUR CODE HERE\n    raise NotImplementedError()\n'
    solution = 'def sigmoid(x):\n    """σ."""\n    return 1 / (1 + np.exp(-x))\n\nprint(1)\n'
    assert list(graded_definitions(stub)) == [("rnn_step_forward", "raise NotImplementedError()")]
    assert list(graded_definitions(solution)) == [("sigmoid", "return 1 / (1 + np.exp(-x))")]
    assert not list(graded_definitions("def naive_sigmoid(x):\n    return x\n"))
    assert not list(graded_definitions("Write def rnn_forward(xs, h0, p) in the cell below.\nThen run it."))
    example = "### BEGIN SOLUTION\n...\n### END SOLUTION\n### BEGIN HIDDEN TESTS\ncheck(f)\n### END HIDDEN TESTS"
    assert list(nbgrader_regions(example)) == [("HIDDEN TESTS", "check(f)")]


# ---- a real browser ---------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(site):
    """The built site on a free port of 127.0.0.1, served from a thread; its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by playwright (which gives it a fresh profile); None if missing."""
    if not CHROMIUM.exists():
        yield None
        return
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# The visible text outside code and outputs: where raw TeX or an unparsed MyST role would show.
_PROSE_TEXT = """() => {
    const main = document.querySelector("main") || document.body;
    const copy = main.cloneNode(true);
    copy.querySelectorAll("pre, code, .cell_output, .output, mjx-container, script, style").forEach(e => e.remove());
    return copy.innerText;
}"""
_BROKEN_IMAGES = """async () => {
    const images = Array.from(document.images);
    images.forEach(i => { i.loading = "eager"; });
    await Promise.all(images.map(i => i.decode().catch(() => null)));
    return images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src"));
}"""


def open_page(browser, url):
    """Load `url` and wait for MathJax, if the page loads it, to finish; return (page, errors so far)."""
    if browser is None:
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium, which .ci/run installs "
                    "(apt-get install chromium)", pytrace=False)
    page = browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url} ({req.failure})"))
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    scripts = page.locator("script[src*='mathjax']")
    if scripts.count():
        try:
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=20_000)
        except PlaywrightTimeout:
            src = scripts.first.get_attribute("src")
            page.close()
            pytest.fail(f"MathJax did not load from {src} (it must be served with the site, not from "
                        f"a CDN): {errors}", pytrace=False)
        page.evaluate("() => MathJax.startup.promise")
    return page, errors


@pytest.mark.browser
@pytest.mark.parametrize("page_path", toc_pages())
def test_page_renders_in_chromium(browser, server, page_path):
    page, errors = open_page(browser, f"{server}/{page_path}.html")
    try:
        untypeset = page.evaluate("""() => Array.from(document.querySelectorAll(".math"))
            .filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.slice(0, 80))""")
        assert not untypeset, f"math that MathJax did not typeset: {untypeset}"
        errors += [f"TeX error: {e}" for e in page.locator("mjx-merror").all_text_contents()]
        text = page.evaluate(_PROSE_TEXT)
        for raw in ("$$", "\\begin", "\\frac", "{eq}`", "{cite}`", "{cite:t}`", "{ref}`", "{doc}`"):
            assert raw not in text, f"raw {raw!r} is visible in the text: {text[max(0, text.find(raw) - 80):][:200]!r}"
        broken = page.evaluate(_BROKEN_IMAGES)
        assert not broken, f"images that did not load: {broken}"
        assert not errors, "\n".join(errors)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("page_path", CHAPTERS)
def test_chapter_links_to_its_exercise(browser, server, page_path):
    """The Exercise section links to the notebook, and every link there answers 200."""
    source = (ROOT / f"{page_path}.md").read_text()
    assert "% EXERCISE-LINKS" not in source, f"{page_path}.md still has the EXERCISE-LINKS placeholder"
    page, errors = open_page(browser, f"{server}/{page_path}.html")
    try:
        links = page.evaluate("""() => Array.from(document.querySelectorAll("section#exercise a[href]"))
            .filter(a => !a.getAttribute("href").startsWith("#"))
            .map(a => ({href: a.href, download: a.classList.contains("download") || a.href.endsWith(".ipynb")}))""")
        assert any(link["download"] for link in links), f"no download link to the notebook in the Exercise section: {links}"
        for link in links:
            if link["href"].startswith(server):
                response = page.request.get(link["href"])
                assert response.status == 200, f"{link['href']} answered {response.status}"
        assert not errors, "\n".join(errors)
    finally:
        page.close()


@pytest.mark.parametrize("a", ASSIGNMENTS, ids=[a.id for a in ASSIGNMENTS])
def test_exercise_links_to_its_chapter(site, a):
    """A notebook links its chapter's source, book/<chapter>.md, which JupyterLab opens; the book
    renders it as a link to the chapter's page (a link written as raw HTML would escape Sphinx's
    checks), and every link of the exercise's text names a page that was built."""
    page = site / f"{a.release.removesuffix('.ipynb')}.html"
    article = page.read_text().split("<article", 1)[1].split("</article>", 1)[0]
    links = [href for href in re.findall(r'<a class="reference [^"]*" href="([^"]*)"', article)
             if not re.match(r"[a-z]+:|#", href)]
    assert posixpath.relpath(f"{a.chapter}.html", posixpath.dirname(a.release)) in links, links
    dead = [href for href in links if not (page.parent / href.split("#")[0]).is_file()]
    assert not dead, f"{page.relative_to(site)} links to pages that were not built: {dead}"
