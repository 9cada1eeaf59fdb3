"""The instructor's seat: nbgrader's exchange on one machine, configured by the files in
jupyterhub/ (paths excepted), with two student accounts; `rnnkit grade` on what was collected;
feedback back to each student; and formgrader in headless Chromium, where the instructor reads
the autograded scores, grades the written answer by hand and sees what `rnnkit grade` flagged."""

import csv
import html
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from accounts import account, as_user, environment, owned_by
from lab import Steps, chromium, serve
from notebooks import BIN, ENV, ROOT, solutions, with_solution_code

pytestmark = pytest.mark.nbgrader
A = "01_rnn"
HUB = ROOT / "jupyterhub"
STUDENTS = {"rnnkit-student-a": "honest", "rnnkit-student-b": "patcher"}
WRITTEN = "The same W_hh acts at every step, so its gradient adds the contribution of each step."
FUNCTIONS = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward"]


def config(path):
    """What a configuration file sets, as nbgrader or JupyterHub reads it."""
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


COURSE_ID = config(ROOT / "nbgrader_config.py").CourseDirectory.course_id
GRADER = f"grader-{COURSE_ID}"


class Hub:
    """JupyterHub's REST API as far as nbgrader's JupyterHubAuthPlugin uses it: a user's groups,
    the groups, adding users to a group. It starts with jupyterhub_config.py's groups; a user's
    token reads only that user, the course service's token anything."""

    def __init__(self, hub_config):
        self.groups = {name: set(group["users"]) for name, group in hub_config.JupyterHub.load_groups.items()}
        self.tokens = {}  # token -> user name, or None for the course service
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self._answer()

            def do_POST(self):
                self._answer()

            def log_message(self, *args):
                pass

            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = hub.answer(self.command, self.path, self.headers.get("Authorization", ""), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub/api"

    def env(self, user, service=False):
        """The variables JupyterHub gives a user's server, or the course's service."""
        token = secrets.token_hex(16)
        self.tokens[token] = None if service else user
        return {"JUPYTERHUB_API_URL": self.url, "JUPYTERHUB_API_TOKEN": token, "JUPYTERHUB_USER": user}

    def answer(self, method, path, authorization, body):
        token = authorization.removeprefix("token ")
        if token not in self.tokens:
            return 403, {"message": "unknown token"}
        caller = self.tokens[token]
        parts = path.split("?")[0].removeprefix("/hub/api/").split("/")
        if method == "GET" and parts[0] == "users" and len(parts) == 2:
            if caller is not None and caller != parts[1]:
                return 403, {"message": "a user's server reads only its user"}
            return 200, {"name": parts[1], "groups": sorted(g for g, users in self.groups.items() if parts[1] in users)}
        if caller is not None:
            return 403, {"message": "only the course service manages groups"}
        if method == "GET" and parts == ["groups"]:
            return 200, [{"name": g, "users": sorted(users)} for g, users in self.groups.items()]
        if method == "POST" and parts[0] == "groups" and len(parts) == 2:
            self.groups.setdefault(parts[1], set())
            return 201, {"name": parts[1]}
        if method == "POST" and parts[0] == "groups" and parts[2:] == ["users"]:
            self.groups[parts[1]].update(json.loads(body)["users"])
            return 200, {"name": parts[1], "users": sorted(self.groups[parts[1]])}
        return 404, {"message": f"not part of this hub: {method} {path}"}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def generated_config(directory, source, overrides):
    """A copy of the repository's configuration file `source` in `directory`, with only paths
    overridden: what the test changes, and nothing else."""
    directory.mkdir(parents=True, exist_ok=True)
    text = source.read_text() + "\n# the test's paths\n" + "".join(f"c.{k} = {v!r}\n" for k, v in overrides.items())
    (directory / "nbgrader_config.py").write_text(text)
    return directory


def run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


def handed_in(released, how):
    """A student's notebook, from the one they fetched: every function solved and the written
    question answered, or the stubs with tests/attacks/patcher.py, which fakes every pass."""
    if how == "patcher":
        return with_solution_code(released, extra={"setup": (ROOT / "tests" / "attacks" / "patcher.py").read_text()})
    solved = solutions(A) | {"written_answer": WRITTEN}
    nb = json.loads(json.dumps(released))
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if gid in solved:
            cell["source"] = solved[gid]
    return nb


@pytest.fixture(scope="module")
def term():
    """A term on one machine: the instructor (root, as the grader account would) generates and
    releases 01_rnn into a local exchange and adds two students to the course; each student, an
    account of its own, fetches and submits it; the instructor collects and runs `rnnkit grade`."""
    hub = Hub(config(HUB / "jupyterhub_config.py"))
    top = Path(tempfile.mkdtemp(prefix="rnnkit-term-", dir="/var/tmp"))
    try:
        os.chmod(top, 0o755)
        exchange = top / "exchange"
        exchange.mkdir()
        os.chmod(exchange, 0o1777)  # as jupyterhub/nbgrader_config.py tells the administrator
        course = top / "course"
        course.mkdir(mode=0o700)  # the students' accounts see the exchange, not the course
        shutil.copytree(ROOT / "solutions" / A, course / "solutions" / A)
        generated_config(course, ROOT / "nbgrader_config.py", {"Exchange.root": str(exchange)})
        system = generated_config(top / "etc-jupyter", HUB / "nbgrader_config.py", {"Exchange.root": str(exchange)})
        grader = generated_config(top / "grader-jupyter", HUB / "grader_nbgrader_config.py",
                                  {"CourseDirectory.root": str(course)})
        instructor = {**ENV, "JUPYTER_CONFIG_PATH": str(system), "JUPYTER_CONFIG_DIR": str(grader),
                      **hub.env(GRADER, service=True)}

        def nbgrader(*args):
            return run([os.path.join(BIN, "nbgrader"), *args], cwd=course, env=instructor)

        nbgrader("generate_assignment", A)
        nbgrader("release_assignment", A)
        env = environment()
        students = {}
        for name, how in STUDENTS.items():
            nbgrader("db", "student", "add", name, "--first-name", name[-1].upper(), "--last-name", "Student")
            entry = account(name)
            home = Path(entry.pw_dir)
            for old in (home / COURSE_ID, home / ".local" / "share" / "jupyter" / "nbgrader_cache"):
                shutil.rmtree(old, ignore_errors=True)  # an earlier run's work and submissions
            seat = as_user(entry, env, {"JUPYTER_CONFIG_PATH": str(system), **hub.env(name)})
            nbgrader_as_student = [str(env / "bin" / "nbgrader")]
            run([*nbgrader_as_student, "fetch_assignment", A, "--course", COURSE_ID], **seat)
            path = home / COURSE_ID / A / f"{A}.ipynb"
            released = json.loads(path.read_text())
            path.write_text(json.dumps(handed_in(released, how)))
            owned_by(entry, path)
            run([*nbgrader_as_student, "submit", A, "--course", COURSE_ID], **seat)
            students[name] = dict(entry=entry, home=home, seat=seat, released=released)
        inbound = sorted(p.name for p in (exchange / COURSE_ID / "inbound").iterdir())
        nbgrader("collect", A)
        graded = run([os.path.join(BIN, "rnnkit"), "--course", str(course), "grade", A, "--workers", "2",
                      "--timeout", "300"], env=ENV)
        yield dict(hub=hub, course=course, exchange=exchange, nbgrader=nbgrader,
                   instructor=instructor, students=students, env=env, inbound=inbound, graded=graded.stdout,
                   system=system, grader=grader)
    finally:
        hub.close()
        shutil.rmtree(top, ignore_errors=True)


def test_the_hub_and_the_course_name_the_same_course_and_exchange(tmp_path):
    hub, system = config(HUB / "jupyterhub_config.py"), config(HUB / "nbgrader_config.py")
    assert [(s["name"], s["user"]) for s in hub.JupyterHub.services] == [(COURSE_ID, GRADER)]
    assert {f"formgrade-{COURSE_ID}", f"nbgrader-{COURSE_ID}"} <= set(hub.JupyterHub.load_groups)
    assert Path(config(HUB / "grader_nbgrader_config.py").CourseDirectory.root).parent == Path(f"/home/{GRADER}")
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    course = config(tmp_path / "nbgrader_config.py")
    if Path(system.Exchange.root).is_dir():  # this machine has the hub's exchange: the course uses it
        assert course.Exchange.root == system.Exchange.root
    else:  # a machine of one's own: an exchange in the course directory, as nbgrader needs it
        assert course.Exchange.root == str(tmp_path / "exchange")
        assert (tmp_path / "exchange").stat().st_mode & 0o7777 == 0o1777


def test_students_fetch_the_release_and_hand_in_through_the_exchange(term):
    released = json.loads((ROOT / "exercises" / A / f"{A}.ipynb").read_text())
    for name, student in term["students"].items():
        assert student["released"] == released, f"{name} fetched something else than exercises/{A}"
    assert [n.split("+")[0] for n in term["inbound"]] == sorted(STUDENTS)
    for name in STUDENTS:
        inbound = next((term["exchange"] / COURSE_ID / "inbound").glob(f"{name}+{A}+*"))
        assert inbound.stat().st_uid == term["students"][name]["entry"].pw_uid
        assert (term["course"] / "submitted" / name / A / f"{A}.ipynb").exists()
    assert set(STUDENTS) <= term["hub"].groups[f"nbgrader-{COURSE_ID}"], "`nbgrader db student add` enrols on the hub"


def test_a_student_outside_the_course_cannot_fetch_it(term):
    entry = account("rnnkit-outsider")
    seat = as_user(entry, term["env"], {"JUPYTER_CONFIG_PATH": str(term["system"]), **term["hub"].env(entry.pw_name)})
    shutil.rmtree(Path(entry.pw_dir) / COURSE_ID, ignore_errors=True)
    done = subprocess.run([str(term["env"] / "bin" / "nbgrader"), "fetch_assignment", A, "--course", COURSE_ID],
                          capture_output=True, text=True, timeout=300, **seat)
    assert done.returncode != 0 and not (Path(entry.pw_dir) / COURSE_ID / A).exists(), done.stdout + done.stderr
    assert "You do not have access to this course." in done.stdout + done.stderr


def test_rnnkit_grade_scores_the_collected_class_and_flags_the_patcher(term):
    lines = {line.split()[0]: line for line in term["graded"].splitlines() if line.startswith("rnnkit-student")}
    assert "10 / 10" in lines["rnnkit-student-a"] and "FLAGGED" not in lines["rnnkit-student-a"]
    assert "0 / 10" in lines["rnnkit-student-b"] and "FLAGGED" in lines["rnnkit-student-b"]
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{term['course'] / 'gradebook.db'}") as gb:
        assert gb.find_submission_notebook(A, A, "rnnkit-student-b").flagged
        assert not gb.find_submission_notebook(A, A, "rnnkit-student-a").flagged


def test_each_student_fetches_only_their_own_feedback_without_hidden_tests(term):
    term["nbgrader"]("generate_feedback", A, "--force")
    term["nbgrader"]("release_feedback", A)
    pages = {}
    for name, student in term["students"].items():
        run([str(term["env"] / "bin" / "nbgrader"), "fetch_feedback", A, "--course", COURSE_ID],
            **student["seat"])
        found = list((student["home"] / COURSE_ID / A / "feedback").glob(f"*/{A}.html"))
        assert len(found) == 1, found
        assert found[0].stat().st_uid == student["entry"].pw_uid
        pages[name] = html.unescape(re.sub(r"<[^>]+>", "", found[0].read_text()))  # the text a student reads
    honest, patcher = pages["rnnkit-student-a"], pages["rnnkit-student-b"]
    assert WRITTEN in honest and WRITTEN not in patcher
    assert "correct on 3 input sizes (hidden test)" in honest and "FailedCleanRecheck" not in honest
    assert "failed when re-run in a clean process" in patcher
    for page in pages.values():
        assert not [secret for secret in ("BEGIN HIDDEN TESTS", "hidden_check", "BEGIN SOLUTION") if secret in page]
    stubs = "\n".join("".join(c["source"]) for c in term["students"]["rnnkit-student-b"]["released"]["cells"])
    solved = solutions(A)  # what the honest student wrote, but for the written answer
    written = [line.strip() for code in solved.values() for line in code.split("\n")
               if len(line.strip()) > 12 and line.strip() not in stubs]
    assert written and not [line for line in written if line not in honest and line not in solved["written_answer"]]
    assert not [line for line in written if line in patcher], "feedback shows solution code"


@pytest.fixture(scope="module")
def formgrader(term, tmp_path_factory):
    """The grader account's JupyterLab on the course directory, as the hub's course service runs
    it (its configuration and the hub's variables), unactivated; Chromium on it."""
    state = tmp_path_factory.mktemp("formgrader-lab")
    (state / "config").mkdir()
    shutil.copy(term["grader"] / "nbgrader_config.py", state / "config")
    env = {k: v for k, v in term["instructor"].items() if k.startswith("JUPYTER") and k != "JUPYTER_CONFIG_DIR"}
    with serve(term["course"], state, env=env) as lab, chromium() as browser:
        yield lab, browser


def notebook_submissions(frame):
    """Formgrader's Manual Grading, the assignment, its notebook: the list of its submissions,
    with the students' names shown."""
    frame.get_by_role("link", name="Manual Grading").click()
    frame.locator("table").get_by_role("link", name=A, exact=True).click()  # the assignment
    frame.get_by_role("columnheader", name="Notebook ID").wait_for()
    frame.locator("table").get_by_role("link", name=A, exact=True).click()  # its notebook
    frame.get_by_role("link", name=f"Submission #{len(STUDENTS)}").wait_for()
    frame.get_by_role("button", name="Show All Names").click()


def rows(frame):
    """{student id or name: the row's text} of formgrader's table in `frame`."""
    return {tr.locator("td").nth(1).inner_text().strip(): tr for tr in frame.locator("table tbody tr").all()}


@pytest.mark.browser
def test_formgrader_shows_the_scores_takes_a_manual_grade_and_marks_the_flagged_submission(term, formgrader, request):
    lab, browser = formgrader
    steps = Steps(request.node.name)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(lab.link("/lab"))
        page.locator(".jp-DirListing-item").first.wait_for(timeout=60_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        page.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()
        frame = page.frame_locator("iframe")
        frame.get_by_role("link", name=A, exact=True).wait_for(timeout=60_000)
        assert frame.locator("#warning-exchange, #warning-course-id").count() == 0, "formgrader: exchange unavailable"
        steps.shot(page, "formgrader-manage-assignments")

        frame.get_by_role("link", name=str(len(STUDENTS)), exact=True).click()  # the number of submissions
        frame.get_by_text("rnnkit-student-b").wait_for()
        table = {name: row.inner_text() for name, row in rows(frame).items()}
        assert "10 / 11" in table["rnnkit-student-a"] and "0 / 11" in table["rnnkit-student-b"], table
        steps.shot(page, "autograded-scores")

        notebook_submissions(frame)
        frame.get_by_role("link", name="Student, B").wait_for()
        listed = rows(frame)
        assert listed["Student, B"].locator(".flagged .glyphicon-flag").count() == 1
        assert listed["Student, A"].locator(".flagged .glyphicon-flag").count() == 0
        steps.shot(page, "flagged-in-the-list")

        frame.get_by_role("link", name="Student, B").click()
        highlighted = frame.locator("input.score.needs_manual_grade")
        highlighted.first.wait_for()
        assert sorted(highlighted.evaluate_all("els => els.map(e => e.id)")) == sorted(f"test_{f}" for f in FUNCTIONS)
        first = frame.locator(".nbgrader_cell", has=frame.locator("input#test_rnn_step_forward"))
        first.scroll_into_view_if_needed()
        assert "FailedCleanRecheck" in frame.locator("body").inner_text()
        steps.shot(page, "flagged-where-the-instructor-grades")

        notebook_submissions(frame)
        frame.get_by_role("link", name="Student, A").click()
        written = frame.locator("input#written_answer")
        written.scroll_into_view_if_needed()
        assert WRITTEN in frame.locator(".nbgrader_cell", has=written).inner_text()
        written.fill("1")
        written.press("Tab")  # formgrader saves a score when it changes
        steps.shot(page, "written-answer-graded-by-hand")

        notebook_submissions(frame)
        page.wait_for_function("""() => {
            const frame = document.querySelector("iframe").contentDocument;
            return Array.from(frame.querySelectorAll("table tbody tr")).some(
                tr => tr.innerText.includes("Student, A") && tr.innerText.includes("11 / 11"));
        }""", timeout=30_000)
        steps.shot(page, "total-includes-the-manual-grade")
    finally:
        page.close()
    export = term["course"] / "grades.csv"
    term["nbgrader"]("export", "--to", str(export))
    raw = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(open(export)) if r["assignment"] == A}
    assert raw == {"rnnkit-student-a": 11.0, "rnnkit-student-b": 0.0}
