"""The student's seat: JupyterLab started as `make lab` starts it, from .venv without activating
it, on a copy of the repository's layout; headless Chromium opens an exercise, writes one
function right and one wrong, runs the notebook, validates it with nbgrader's button and follows
the link to its chapter. Nothing on the page shows a hidden test or a solution."""

import shlex
import shutil
import subprocess

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lab import Steps, chromium, serve
from notebooks import ROOT, mutate, solutions

pytestmark = pytest.mark.browser
A = "01_rnn"
SECRETS = ("BEGIN SOLUTION", "HIDDEN TESTS", "hidden_check")
FORGOT_TANH = [('da = dh_next * (1 - cache["h_next"] ** 2)', "da = dh_next")]


def make_lab_arguments():
    """The arguments `make lab` gives `jupyter lab` (its recipe, as `make -n` prints it)."""
    recipe = subprocess.run(["make", "-n", "-s", "lab"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(line for line in recipe.splitlines() if ".venv/bin/jupyter lab" in line)
    return shlex.split(line.split(".venv/bin/jupyter lab", 1)[1])


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """A copy of the repository's layout (the exercise, the book's chapters, the course's
    nbgrader configuration) served as `make lab` serves the repository; Chromium."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(ROOT / "exercises" / A, root / "exercises" / A)
    shutil.copytree(ROOT / "book", root / "book", ignore=shutil.ignore_patterns("_*", ".*"))
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with serve(root, tmp_path_factory.mktemp("lab"), *make_lab_arguments()) as lab, chromium() as browser:
        yield lab, browser


def open_exercise(lab, browser, steps=None):
    """JupyterLab as `make lab` opens it, in exercises/; the student opens the exercise's folder
    and its notebook, and waits for the kernel."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(lab.link("/lab?reset"))  # a fresh workspace, as at the first start
    listing = page.locator(".jp-DirListing-content")
    listing.get_by_text(A, exact=True).wait_for(timeout=60_000)
    assert "".join(page.locator(".jp-FileBrowser .jp-BreadCrumbs").inner_text().split()) == "/exercises/"
    if steps:
        steps.shot(page, "make-lab-opens-on-exercises")
    listing.get_by_text(A, exact=True).dblclick()
    listing.get_by_text(f"{A}.ipynb", exact=True).dblclick()
    page.locator(".jp-Notebook .jp-CodeCell .cm-content").first.wait_for(timeout=60_000)
    # the status bar's "Python 3 (ipykernel) | Idle" once the kernel has started ("No Kernel" before)
    page.locator(".jp-StatusBar-Item", has_text="Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
    return page


def write(page, function, code):
    """Replace the code of the solution cell that defines `function`, as pasting would."""
    cell = page.locator(".jp-CodeCell", has=page.locator(".cm-content", has_text=f"def {function}(")).first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)


def test_a_student_sees_a_pass_a_diagnosis_and_nbgraders_validation(student, request):
    lab, browser = student
    steps = Steps(request.node.name)
    page = open_exercise(lab, browser, steps)
    try:
        steps.shot(page, "exercise-opened")
        write(page, "rnn_step_forward", solutions(A)["rnn_step_forward"])
        write(page, "rnn_step_backward", mutate(solutions(A)["rnn_step_backward"], FORGOT_TANH))
        steps.shot(page, "two-functions-written")
        page.keyboard.press("Control+s")
        page.get_by_title("Restart the kernel and run all cells").click()
        page.locator(".jp-Dialog").get_by_role("button", name="Confirm Kernel Restart").click()
        diagnosis = page.locator(".jp-OutputArea-output", has_text="rnn_step_backward is wrong")
        diagnosis.wait_for(timeout=120_000)
        passed = "rnn_step_forward: correct on 1 input size (visible test)"
        assert page.locator(".jp-OutputArea-output", has_text=passed).count() == 1
        assert "Most likely mistake: tanh' is missing" in diagnosis.inner_text()
        diagnosis.scroll_into_view_if_needed()
        steps.shot(page, "visible-test-passes-and-diagnosis")
        assert not [s for s in SECRETS if s in page.evaluate("() => document.body.textContent")]

        page.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_text("Validation Results").wait_for(timeout=180_000)
        result = dialog.inner_text()
        assert "The following cell failed" in result and "tanh' is missing" in result, result
        assert "Success" not in result
        steps.shot(page, "validated")
        assert not [s for s in SECRETS if s in page.evaluate("() => document.body.textContent")]
    finally:
        page.close()


class ChapterNotOpened(AssertionError):
    """Following the exercise's link to its chapter opened nothing in JupyterLab."""


def test_the_exercise_opens_its_chapter(student, request):
    lab, browser = student
    steps = Steps(request.node.name)
    page = open_exercise(lab, browser)
    try:
        source = ROOT / "book" / f"{A}.md"  # the chapter of an exercise has its id
        title = next(line[2:] for line in source.read_text().splitlines() if line.startswith("# "))
        page.locator(f".jp-RenderedHTMLCommon a[href*='book/{A}.']").first.click()
        tab = page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel", has_text=source.name)
        steps.shot(page, "chapter-link-followed")
        try:
            tab.wait_for(timeout=10_000)
        except PlaywrightTimeout:
            raise ChapterNotOpened(f"no tab {source.name} after following the link to {title!r}") from None
        assert page.locator(".jp-MainAreaWidget:visible h1", has_text=title).count() >= 1
        steps.shot(page, "chapter-opened")
    finally:
        page.close()
