"""`rnnkit grade`, `rnnkit feedback` and `rnnkit report` on a temporary course with honest,
buggy and hostile submissions: scores equal nbgrader's, the batch survives every attack, a
killed run resumes, and the same work runs on a Dask cluster."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from notebooks import BIN, ENV, ROOT, nbgrader, notebook, with_solution_code
from rnnkit.autograde import course as nbg
from rnnkit.autograde import sandbox

pytestmark = pytest.mark.nbgrader
A = "01_rnn"

BOMB = "blocks = []\nwhile True:\n    blocks.append(bytearray(50_000_000))\n"
VANDAL = """import glob, os, shutil
for path in glob.glob('../**', recursive=True) + glob.glob('/tmp/**', recursive=True):
    try:
        os.remove(path) if os.path.isfile(path) else None
    except OSError:
        pass
for target in ['../../gradebook.db', '../gradebook.db', 'gradebook.db']:
    try:
        open(target, 'w').write('gone')
    except OSError:
        pass
shutil.rmtree('..', ignore_errors=True)
"""
PEEK = """import glob
found = []
for pattern in ['../../solutions/**/*.ipynb', '../solutions/**/*.ipynb', '/tmp/**/solutions/**/*.ipynb',
                '/tmp/**/submitted/**/*.ipynb', '{course}/solutions/**/*.ipynb']:
    for path in glob.glob(pattern, recursive=True):
        try:
            found.append(open(path).read())
        except OSError:
            pass
print(len(found), 'files read')
print('\\n'.join(found)[:2000])
"""
TRANSFORMER = """def _empty(lines):
    return ['pass\\n'] if any('check(' in line for line in lines) else lines
get_ipython().input_transformers_post.append(_empty)
"""

MONKEY = """import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
get_ipython().showtraceback = lambda *a, **k: None
"""

SUBMISSIONS = {  # student: (submission as with_solution_code's arguments, or raw bytes)
    "ada": {},
    "cy": dict(replacements=[("grads[k] += g[k]", "grads[k] = g[k]")]),
    "mem": dict(extra={"test_rnn_step_forward": BOMB}),
    "loop": dict(extra={"test_rnn_step_backward": "while True:\n    pass\n"}),
    "exit": dict(extra={"test_rnn_forward": "import os\nos._exit(3)\n"}),
    "vandal": dict(extra={"setup": VANDAL}),
    "peek": dict(extra={"setup": PEEK}),
    "spew": dict(extra={"setup": "print('x' * 100_000_000)\n"}),
    "cheat": dict(replacements=[("grads[k] += g[k]", "grads[k] = g[k]")], extra={"setup": TRANSFORMER + MONKEY}),
    "dup": dict(),
}


def make_course(root):
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write("\nc.Execute.timeout = 5\n")
    shutil.copytree(ROOT / "solutions" / A, root / "solutions" / A)
    nbgrader(root, "generate_assignment", A, "--force")
    source = notebook(A)
    for student, how in SUBMISSIONS.items():
        path = root / "submitted" / student / A
        path.mkdir(parents=True)
        nb = with_solution_code(source, **how)
        if student == "dup":  # a test cell handed in twice
            test = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_rnn_forward")
            nb["cells"].insert(nb["cells"].index(test), json.loads(json.dumps(test)))
        text = json.dumps(nb).replace("{course}", str(root))
        (path / f"{A}.ipynb").write_text(text)
        (path / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    for student in ("bob", "broken"):
        (root / "submitted" / student / A).mkdir(parents=True)
    shutil.copy(root / "exercises" / A / f"{A}.ipynb", root / "submitted" / "bob" / A)
    (root / "submitted" / "broken" / A / f"{A}.ipynb").write_text('{"cells": [')  # malformed JSON
    return root


def rnnkit(root, *args, timeout=900):
    return subprocess.run([os.path.join(BIN, "rnnkit"), "--course", str(root), *args], env=ENV,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not sandbox.isolated():  # the hostile submissions below would damage an unprotected machine
        pytest.fail("rnnkit grade's sandbox needs root, unshare and setpriv (CI runs as root)")
    root = make_course(tmp_path_factory.mktemp("class"))
    before = (root / "gradebook.db").stat().st_size
    run = rnnkit(root, "grade", A, "--workers", "2", "--timeout", "90", "--memory", "1500")
    return root, run, before


def state(root, student):
    return nbg.load_state(nbg.load(root), A, student)


def test_everyone_gets_a_score_or_a_reason_and_the_exit_code_says_so(graded):
    root, run, _ = graded
    assert run.returncode == 1, run.stdout + run.stderr  # some submissions could not be graded fully
    for student in [*SUBMISSIONS, "bob", "broken"]:
        assert student in run.stdout
        assert (root / ".rnnkit-grade" / A / "logs" / f"{student}.log").exists()
    assert "NOT GRADED" in run.stdout and "broken" in run.stdout


def test_scores_of_honest_submissions(graded):
    root, _, _ = graded
    assert state(root, "ada")["score"] == 10 and state(root, "bob")["score"] == 0
    assert state(root, "cy")["failed"] == ["test_rnn_backward"] and state(root, "cy")["score"] == 7
    assert state(root, "dup")["score"] == 10


@pytest.mark.parametrize("student,reason", [("mem", "memory limit"), ("exit", "kernel died"),
                                            ("broken", "not a readable notebook")])
def test_hostile_submissions_are_stopped_with_a_reason(graded, student, reason):
    root, _, _ = graded
    got = state(root, student)
    assert reason in got["reason"]
    if student == "mem":  # what ran before the bomb keeps its honest score
        assert got["score"] == 2 and got["failed"] == ["test_rnn_backward", "test_rnn_forward", "test_rnn_step_backward"]
    if student == "exit":  # the three functions tested before os._exit keep their points
        assert got["score"] == 7 and got["failed"] == ["test_rnn_backward"]


def test_an_infinite_loop_costs_only_its_cell(graded):
    root, _, _ = graded
    got = state(root, "loop")
    assert got["reason"] is None and got["score"] == 10  # the loop sits in a cell of its own


def test_the_course_is_out_of_reach(graded):
    root, _, before = graded
    assert (root / "gradebook.db").stat().st_size >= before
    assert (root / "solutions" / A / f"{A}.ipynb").exists()
    assert state(root, "vandal")["score"] == 10
    cells = json.loads((root / "autograded" / "peek" / A / f"{A}.ipynb").read_text())["cells"]
    printed = json.dumps([c.get("outputs") for c in cells if "files read" in "".join(c["source"])])
    assert "0 files read" in printed and "BEGIN SOLUTION" not in printed and "HIDDEN TESTS" not in printed
    assert state(root, "peek")["score"] == 10


def test_output_is_limited(graded):
    root, _, _ = graded
    path = root / "autograded" / "spew" / A / f"{A}.ipynb"
    assert path.stat().st_size < 3_000_000 and "output cut" in path.read_text()
    assert state(root, "spew")["score"] == 10


def test_a_notebook_that_fooled_its_kernel_is_flagged(graded):
    root, run, _ = graded
    got = state(root, "cheat")
    assert got["score"] == 10  # the transformer emptied every test cell...
    assert any("rnn_backward" in flag for flag in got["flags"])  # ...the clean re-run did not
    assert "FLAGGED" in run.stdout
    csv_text = (root / f"rnnkit-grade-{A}.csv").read_text()
    assert "cheat" in csv_text and "clean re-check fails" in csv_text


def test_scores_equal_nbgrader_autograde(graded, tmp_path):
    root, _, _ = graded
    copy = tmp_path / "course"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("autograded", "gradebook.db", ".rnnkit-grade"))
    honest = ("ada", "bob", "cy", "loop")  # nbgrader 0.9 itself fails on dup's duplicated cell
    for student in list(SUBMISSIONS) + ["bob", "broken"]:
        if student not in honest:
            shutil.rmtree(copy / "submitted" / student)
    nbgrader(copy, "generate_assignment", A, "--force")
    nbgrader(copy, "autograde", A, "--force")
    theirs, ours = nbg.load(copy), nbg.load(root)
    for student in honest:
        assert nbg.scores(theirs, A, student) == nbg.scores(ours, A, student), student


def test_feedback_and_report(graded):
    root, _, _ = graded
    run = rnnkit(root, "feedback", A)
    assert run.returncode == 0, run.stderr
    page = (root / "feedback" / "cy" / A / f"{A}-results.html").read_text()
    assert "7 / 10" in page and "overwritten at each step" in page
    assert "hidden_check" not in page and "HIDDEN TESTS" not in page
    run = rnnkit(root, "report", A)
    assert run.returncode == 0, run.stderr
    assert (root / "reports" / f"{A}-report.png").stat().st_size > 5000
    assert "overwritten at each step" in (root / "reports" / f"{A}-mistakes.csv").read_text()


def test_unchanged_submissions_are_skipped_and_a_killed_run_resumes(graded):
    root, _, _ = graded
    again = rnnkit(root, "grade", A, "--student", "ada", "--student", "cy")
    assert again.returncode == 0 and again.stdout.count("skipped") == 2
    # kill a forced run as soon as its first student is committed, then finish it
    marker = root / ".rnnkit-grade" / A / "ada.json"
    stamp = marker.stat().st_mtime
    proc = subprocess.Popen([os.path.join(BIN, "rnnkit"), "--course", str(root), "grade", A, "--force",
                             "--student", "ada", "--student", "cy", "--student", "dup", "--workers", "1"],
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while marker.stat().st_mtime == stamp and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    rest = rnnkit(root, "grade", A, "--student", "ada", "--student", "cy", "--student", "dup")
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert state(root, "ada")["score"] == 10 and state(root, "cy")["score"] == 7 and state(root, "dup")["score"] == 10
    assert rest.stdout.count("skipped") >= 1


def test_bad_arguments_get_a_clear_error(graded):
    root, _, _ = graded
    run = rnnkit(root, "grade", "99_nope")
    assert run.returncode == 2 and "not in the gradebook" in run.stderr
    run = rnnkit(root, "grade", A, "--student", "zed")
    assert run.returncode == 2 and "no submission of 01_rnn for student(s) ['zed']" in run.stderr


def test_sandboxes_are_isolated_here():
    assert sandbox.isolated(), "these tests run as root with unshare and setpriv, as CI does"


def test_the_same_work_runs_on_a_dask_cluster(graded, tmp_path):
    from distributed import LocalCluster
    root, _, _ = graded
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster:
        run = rnnkit(root, "grade", A, "--force", "--student", "ada", "--student", "cy",
                     "--scheduler", cluster.scheduler_address)
    assert run.returncode == 0, run.stdout + run.stderr
    assert state(root, "ada")["score"] == 10 and state(root, "cy")["score"] == 7
