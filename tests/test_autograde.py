"""`rnnkit grade`, `rnnkit feedback` and `rnnkit report` on temporary courses with honest, buggy
and hostile submissions (tests/attacks/), graded at the same time as root and as an ordinary
user: honest scores equal nbgrader's, every attacker gets 0 on what it faked, no other grade
moves, nothing outlives grading, a killed run resumes, and the same work runs on Dask."""

import json
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from accounts import account, as_user, environment, owned_by
from courses import make_course
from notebooks import BIN, ENV, ROOT, namespace, nbgrader, notebook, solution_source, with_solution_code
from rnnkit.autograde import course as nbg

pytestmark = pytest.mark.nbgrader
A = "01_rnn"
FUNCTIONS = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward"]
ATTACKS = Path(__file__).parent / "attacks"
SOLVED, EXERCISE = notebook(A), notebook(A, "exercises")
OVERWRITE = [("grads[k] += g[k]", "grads[k] = g[k]")]  # an honest mistake: rnn_backward fails

BOMB = "blocks = []\nwhile True:\n    blocks.append(bytearray(50_000_000))\n"
TRANSFORMER = """def _empty(lines):
    return ['pass\\n'] if any('check(' in line for line in lines) else lines
get_ipython().input_transformers_post.append(_empty)
import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
get_ipython().showtraceback = lambda *a, **k: None
"""


def attack(name, **values):
    """An attack cell's code, with `NAME = ...` lines set to the given values."""
    lines = (ATTACKS / f"{name}.py").read_text().splitlines()
    for key, value in values.items():
        lines = [f"{key} = {value!r}" if ln.startswith(f"{key} = ") else ln for ln in lines]
    return "\n".join(lines) + "\n"


def submissions(oracle):
    """{student: submitted notebook}; `oracle` is (port, abstract socket name) of the oracle."""
    chatty = [("da = dh_next * (1", "print('x' * 300_000)\n    da = dh_next * (1")]
    warner = [("N, T, _ = xs.shape", "import warnings\n    warnings.warn('a harmless warning')\n    N, T, _ = xs.shape")]
    stolen = {fn: attack("use_stolen") for fn in FUNCTIONS}
    asking = {fn: attack("oracle", ORACLE_PORT=oracle[0], ORACLE_NAME=oracle[1]) for fn in FUNCTIONS}
    return {
        "ada": with_solution_code(SOLVED),
        "bob": EXERCISE,  # handed in untouched
        "cy": with_solution_code(SOLVED, replacements=OVERWRITE),
        "dee": with_solution_code(SOLVED, replacements=[("dhs[:, t] + dh", "dhs[:, t]")]),  # no carry in BPTT
        "eve": with_solution_code(SOLVED, replacements=[(' + p["bias_hh"]', "")]),  # b_hh missing: three fail
        "printer": with_solution_code(SOLVED, replacements=[("h_next = np.tanh(a)",
                                                             "h_next = np.tanh(a)\n    print('debug', h_next.shape)")]),
        "warner": with_solution_code(SOLVED, replacements=warner),
        "chatty": with_solution_code(SOLVED, replacements=chatty),
        "dup": with_solution_code(SOLVED),  # a test cell handed in twice: see make_course
        "mem": with_solution_code(SOLVED, extra={"test_rnn_step_forward": BOMB}),
        "loop": with_solution_code(SOLVED, extra={"test_rnn_step_backward": "while True:\n    pass\n"}),
        "exit": with_solution_code(SOLVED, extra={"test_rnn_forward": "import os\nos._exit(3)\n"}),
        "spew": with_solution_code(SOLVED, extra={"setup": "print('x' * 100_000_000)\n"}),
        "cheat": with_solution_code(SOLVED, replacements=OVERWRITE, extra={"setup": TRANSFORMER}),
        "peek": with_solution_code(EXERCISE, extra={"setup": attack("peek"), **stolen}),
        "vandal": with_solution_code(SOLVED, extra={"setup": attack("vandal")}),
        "daemon": with_solution_code(SOLVED, extra={"setup": attack("daemon")}),
        "oracle": with_solution_code(EXERCISE, extra=asking),
        "patcher": with_solution_code(EXERCISE, extra={"setup": attack("patcher")}),
        "silencer": with_solution_code(EXERCISE, extra={"setup": attack("silencer")}),
    }


# student: (score, failed test cells, words in the reason or None)
EXPECTED = {
    "ada": (10, [], None), "bob": (0, [f"test_{f}" for f in sorted(FUNCTIONS)], None),
    "cy": (7, ["test_rnn_backward"], None), "dee": (7, ["test_rnn_backward"], None),
    "eve": (0, [f"test_{f}" for f in sorted(FUNCTIONS)], None), "printer": (10, [], None), "warner": (10, [], None),
    "chatty": (10, [], None), "dup": (10, [], None), "loop": (10, [], None), "spew": (10, [], None),
    "mem": (2, ["test_rnn_backward", "test_rnn_forward", "test_rnn_step_backward"], "memory limit"),
    "exit": (0, [f"test_{f}" for f in sorted(FUNCTIONS)], "kernel died"),
    "cheat": (7, ["test_rnn_backward"], None), "vandal": (10, [], None), "daemon": (10, [], None),
    "peek": (0, [f"test_{f}" for f in sorted(FUNCTIONS)], None),
    "oracle": (0, [f"test_{f}" for f in sorted(FUNCTIONS)], None),
    "patcher": (0, [f"test_{f}" for f in sorted(FUNCTIONS)], None),
    "silencer": (0, [f"test_{f}" for f in sorted(FUNCTIONS)], None),
}
HONEST = ["ada", "bob", "cy", "dee", "eve", "printer", "warner", "chatty", "loop"]  # honest work, right or wrong


def class_course(root, notebooks):
    """A course with the class handed in: `dup` hands in a test cell twice, `broken` malformed JSON."""
    notebooks = dict(notebooks)
    if "dup" in notebooks:
        nb = json.loads(json.dumps(notebooks["dup"]))
        test = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_rnn_forward")
        nb["cells"].insert(nb["cells"].index(test), json.loads(json.dumps(test)))
        notebooks["dup"] = nb
    return make_course(root, {**notebooks, "broken": '{"cells": ['})


def second_clone(parent):
    """Another copy of the course's solutions outside the course (an instructor's working copy,
    a TA's folder), readable by everyone."""
    shutil.copytree(ROOT / "solutions", parent / "solutions")
    os.chmod(parent, 0o755)
    return parent


class Oracle:
    """Answers graded functions' inputs with the solution's outputs, on 127.0.0.1 and on an
    abstract Unix socket: what a network oracle would need to reach."""

    def __init__(self):
        self.solution = namespace(solution_source(A))
        self.name = f"\0rnnkit-oracle-{os.getpid()}-{time.monotonic_ns()}"
        self.servers = [socket.create_server(("127.0.0.1", 0)), socket.socket(socket.AF_UNIX)]
        self.servers[1].bind(self.name)
        self.servers[1].listen()
        self.port = self.servers[0].getsockname()[1]
        self.asked = 0
        for server in self.servers:
            threading.Thread(target=self._serve, args=(server,), daemon=True).start()

    def _serve(self, server):
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                name, args = pickle.loads(b"".join(iter(lambda: conn.recv(65536), b"")))
                self.asked += 1
                conn.sendall(pickle.dumps(self.solution[name](*args)))

    def close(self):
        for server in self.servers:
            server.close()


def leftovers(marker):
    """Processes whose environment names `marker`: workers, bwrap, kernels, their children."""
    found = []
    for p in psutil.process_iter():
        try:
            if any(marker in value for value in p.environ().values()):
                found.append(p)
        except psutil.Error:
            pass
    return found


def jobs(marker):
    """The processes of jobs (a kernel, a clean re-check) among the leftovers of `marker`: those
    a pool's fork server forked, and their children."""
    found = []
    for p in leftovers(marker):
        try:
            if all("rnnkit.autograde.forkserver" in " ".join(q.cmdline()) for q in (p, p.parent())):
                found.append(p)
        except (psutil.Error, AttributeError):
            pass
    return found


def rnnkit_command(rnnkit, root, *args):
    return [rnnkit, "--course", str(root), *args]


@pytest.fixture(scope="module")
def oracle():
    server = Oracle()
    yield server
    server.close()


@pytest.fixture(scope="module")
def user():
    """An ordinary account and a Python environment it can run."""
    return account("rnnkit-grader"), environment()


@pytest.fixture(scope="module")
def classes(tmp_path_factory, oracle, user):
    """The same class graded as root and, at the same time, as an ordinary user; each with a
    second clone of the solutions outside its course."""
    entry, env = user
    notebooks = submissions((oracle.port, oracle.name))
    runs, clones = {}, [second_clone(Path(tempfile.mkdtemp(prefix="rnnkit-ta-copy-", dir="/var/tmp"))),
                        second_clone(Path(tempfile.mkdtemp(prefix="rnnkit-clone-", dir=os.path.expanduser("~"))))]
    user_clone = Path(entry.pw_dir) / "rnn-course"
    shutil.rmtree(user_clone, ignore_errors=True)
    owned_by(entry, second_clone(user_clone))
    user_top = Path(tempfile.mkdtemp(prefix="rnnkit-user-class-", dir="/var/tmp"))
    try:
        root_course = class_course(tmp_path_factory.mktemp("root-class"), notebooks)
        user_course = class_course(user_top / "course", notebooks)
        (user_top / "tmp").mkdir()
        owned_by(entry, user_top)
        marker = {"root": str(tmp_path_factory.mktemp("root-tmp")), "user": str(user_top / "tmp")}
        before = {m: (c / "gradebook.db").read_bytes()[:16] for m, c in (("root", root_course), ("user", user_course))}
        grade = ["grade", A, "--workers", "2", "--timeout", "90", "--memory", "1500"]
        procs = {
            "root": subprocess.Popen(rnnkit_command(os.path.join(BIN, "rnnkit"), root_course, *grade),
                                     env={**ENV, "TMPDIR": marker["root"]}, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True),
            "user": subprocess.Popen(rnnkit_command(str(env / "bin" / "rnnkit"), user_course, *grade),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     **as_user(entry, env, {"TMPDIR": marker["user"], "XDG_RUNTIME_DIR": marker["user"]})),
        }
        for mode, proc in procs.items():
            out, err = proc.communicate(timeout=900)
            runs[mode] = dict(course=root_course if mode == "root" else user_course, returncode=proc.returncode,
                              stdout=out, stderr=err, marker=marker[mode], gradebook=before[mode])
        runs["oracle asked"] = oracle.asked
        yield runs
    finally:
        for path in [*clones, user_clone, user_top]:
            shutil.rmtree(path, ignore_errors=True)


MODES = ["root", "user"]


def state(root, student):
    return nbg.load_state(nbg.load(root), A, student)


@pytest.mark.parametrize("mode", MODES)
def test_everyone_gets_a_score_or_a_reason_and_the_exit_code_says_so(classes, mode):
    run = classes[mode]
    assert run["returncode"] == 1, run["stdout"] + run["stderr"]  # some submissions could not be graded fully
    for student in [*EXPECTED, "broken"]:
        assert student in run["stdout"]
        assert (run["course"] / ".rnnkit-grade" / A / "logs" / f"{student}.log").exists()
    assert "NOT GRADED" in run["stdout"] and "not a readable notebook" in state(run["course"], "broken")["reason"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_every_submission_gets_exactly_its_score(classes, mode, student):
    score, failed, reason = EXPECTED[student]
    got = state(classes[mode]["course"], student)
    assert (got["score"], got["failed"]) == (score, failed), got
    assert (reason is None and got["reason"] is None) or (reason and reason in (got["reason"] or "")), got


@pytest.mark.parametrize("mode", MODES)
def test_attackers_are_flagged_where_the_clean_recheck_overrules_the_notebook(classes, mode):
    course = classes[mode]["course"]
    for student, faked in (("cheat", ["rnn_backward"]), ("patcher", FUNCTIONS), ("exit", FUNCTIONS[:3])):
        flags = state(course, student)["flags"]
        assert sorted(f.split(":")[0] for f in flags) == sorted(faked), (student, flags)
        assert all("notebook passes, clean re-check fails" in f for f in flags)
    assert "FLAGGED" in classes[mode]["stdout"]
    assert "patcher" in (course / f"rnnkit-grade-{A}.csv").read_text()
    cells = json.loads((course / "autograded" / "patcher" / A / f"{A}.ipynb").read_text())["cells"]
    test = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_rnn_forward")
    assert any(o.get("ename") == "FailedCleanRecheck" and "failed when re-run in a clean process" in o["evalue"]
               for o in test["outputs"])
    honest = {s: state(course, s)["flags"] for s in HONEST}
    assert not any(honest.values()), honest


@pytest.mark.parametrize("mode", MODES)
def test_nothing_outside_the_sandbox_was_found_read_or_destroyed(classes, mode):
    run = classes[mode]
    course = run["course"]
    assert (course / "gradebook.db").read_bytes()[:16] == run["gradebook"]  # still an SQLite file
    assert (course / "solutions" / A / f"{A}.ipynb").exists()
    cells = json.loads((course / "autograded" / "peek" / A / f"{A}.ipynb").read_text())["cells"]
    printed = json.dumps([c.get("outputs") for c in cells])
    assert "0 solution notebooks found" in printed and "BEGIN SOLUTION" not in printed
    time.sleep(max(0.0, 12 - (time.time() - (course / f"rnnkit-grade-{A}.csv").stat().st_mtime)))
    assert not leftovers(run["marker"]), "a process of a sandbox outlived grading"  # the daemon had 8 s
    assert (course / "gradebook.db").read_bytes()[:16] == run["gradebook"]
    struck = [p for p in (Path("/tmp"), Path("/var/tmp"), course, Path(run["marker"]))
              if (p / "rnnkit-daemon-struck").exists()]
    assert not struck


@pytest.mark.parametrize("mode", MODES)
def test_grading_leaves_no_scratch_directory(classes, mode):
    assert not list(Path(classes[mode]["marker"]).glob("rnnkit-sandbox-*"))


def test_the_oracle_was_never_reached(classes):
    assert classes["oracle asked"] == 0


def test_output_is_limited_and_the_cut_costs_nothing(classes):
    course = classes["root"]["course"]
    path = course / "autograded" / "spew" / A / f"{A}.ipynb"
    assert path.stat().st_size < 3_000_000 and "output cut" in path.read_text()
    cells = json.loads((course / "autograded" / "chatty" / A / f"{A}.ipynb").read_text())["cells"]
    assert "output cut" in json.dumps(cells) and state(course, "chatty")["score"] == 10


def test_honest_work_gets_what_nbgrader_autograde_gives(classes, tmp_path):
    """Scores and feedback: the same test cells pass, and each says the same, up to the seed of
    its hidden inputs (nbgrader draws its own). Only what a notebook prints past the output cap
    (chatty's) is cut under rnnkit grade; its scores are still nbgrader's."""
    root = classes["root"]["course"]
    copy = tmp_path / "course"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("autograded", "feedback", "gradebook.db", ".rnnkit-grade"))
    for student in os.listdir(copy / "submitted"):
        if student not in HONEST:
            shutil.rmtree(copy / "submitted" / student)
    nbgrader(copy, "generate_assignment", A, "--force")
    nbgrader(copy, "autograde", A, "--force")
    theirs = nbg.load(copy)
    for mode in MODES:
        ours = nbg.load(classes[mode]["course"])
        for student in HONEST:
            assert nbg.scores(theirs, A, student) == nbg.scores(ours, A, student), (mode, student)
            if student != "chatty":
                assert shown_by_tests(copy, student) == shown_by_tests(classes[mode]["course"], student), (mode, student)


def shown_by_tests(course, student):
    """What each test cell of a student's autograded notebook shows: its streams' text (however
    the kernel's timing split it into outputs) and its errors, seeds left out."""
    cells = json.loads((course / "autograded" / student / A / f"{A}.ipynb").read_text())["cells"]
    shown = {}
    for cell in cells:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("test_"):
            parts = []
            for o in cell["outputs"]:
                part = [o["output_type"], o.get("name"), "".join(o.get("text", "")), o.get("ename"), o.get("evalue")]
                if parts and part[0] == parts[-1][0] == "stream" and part[1] == parts[-1][1]:
                    parts[-1][2] += part[2]
                else:
                    parts.append(part)
            shown[grade_id] = re.sub(r"seed \d+", "seed N", json.dumps(parts))
    return shown


def test_feedback_and_report(classes):
    root = classes["root"]["course"]
    run = subprocess.run(rnnkit_command(os.path.join(BIN, "rnnkit"), root, "feedback", A), env=ENV,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    page = (root / "feedback" / "cy" / A / f"{A}-results.html").read_text()
    assert "7 / 10" in page and "overwritten at each step" in page
    assert "hidden_check" not in page and "HIDDEN TESTS" not in page
    assert "failed when re-run in a clean process" in (root / "feedback" / "patcher" / A / f"{A}-results.html").read_text()
    run = subprocess.run(rnnkit_command(os.path.join(BIN, "rnnkit"), root, "report", A), env=ENV,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (root / "reports" / f"{A}-report.png").stat().st_size > 5000
    assert "overwritten at each step" in (root / "reports" / f"{A}-mistakes.csv").read_text()


def test_without_isolation_the_same_attacks_succeed(classes, oracle, tmp_path):
    """--no-isolation gives up what the sandbox protects, as the threat model says: the attacks
    above are real. The clean re-check still catches a patched grader."""
    notebooks = submissions((oracle.port, oracle.name))
    root = make_course(tmp_path / "course", {s: notebooks[s] for s in ("peek", "oracle", "patcher")})
    run = subprocess.run(rnnkit_command(os.path.join(BIN, "rnnkit"), root, "grade", A, "--no-isolation"),
                         env=ENV, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert state(root, "peek")["score"] == 10 and state(root, "oracle")["score"] == 10
    assert state(root, "patcher")["score"] == 0
    assert oracle.asked > 0


def test_unchanged_submissions_are_skipped_and_a_killed_run_resumes(classes):
    root = classes["root"]["course"]
    rnnkit = os.path.join(BIN, "rnnkit")
    again = subprocess.run(rnnkit_command(rnnkit, root, "grade", A, "--student", "ada", "--student", "cy"),
                           env=ENV, capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.count("skipped") == 2
    marker = root / ".rnnkit-grade" / A / "ada.json"
    stamp = marker.stat().st_mtime
    proc = subprocess.Popen(rnnkit_command(rnnkit, root, "grade", A, "--force", "--student", "ada", "--student", "cy",
                                           "--student", "dup", "--workers", "1"),
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while marker.stat().st_mtime == stamp and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    rest = subprocess.run(rnnkit_command(rnnkit, root, "grade", A, "--student", "ada", "--student", "cy",
                                         "--student", "dup"), env=ENV, capture_output=True, text=True)
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert [state(root, s)["score"] for s in ("ada", "cy", "dup")] == [10, 7, 10]
    assert rest.stdout.count("skipped") >= 1


@pytest.mark.parametrize("mode", MODES)
def test_a_coordinator_killed_with_sigkill_leaves_no_process_behind(user, mode):
    entry, env = user
    sleeper = with_solution_code(SOLVED, extra={"setup": "import time\ntime.sleep(120)\n"})
    top = Path(tempfile.mkdtemp(prefix=f"rnnkit-killed-{mode}-", dir="/var/tmp"))
    try:
        course = make_course(top / "course", {"s1": sleeper, "s2": sleeper})
        marker = top / "tmp"
        marker.mkdir()
        rnnkit, run_as = os.path.join(BIN, "rnnkit"), dict(env={**ENV, "TMPDIR": str(marker)})
        if mode == "user":
            owned_by(entry, top)
            rnnkit = str(env / "bin" / "rnnkit")
            run_as = as_user(entry, env, {"TMPDIR": str(marker), "XDG_RUNTIME_DIR": str(marker)})
        proc = subprocess.Popen(rnnkit_command(rnnkit, course, "grade", A, "--workers", "2"),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **run_as)
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline and len(jobs(str(marker))) < 4:  # 2 kernels, 2 each
            time.sleep(0.2)
        assert proc.poll() is None and time.time() < deadline, f"the kernels never started: {proc.stdout.read()}"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 15
        while leftovers(str(marker)) and time.time() < deadline:
            time.sleep(0.2)
        assert not leftovers(str(marker)), [p.cmdline() for p in leftovers(str(marker))]
        assert list(marker.glob("rnnkit-sandbox-*")), "the killed workers' scratch directories"
        python = str(env / "bin" / "python") if mode == "user" else sys.executable
        subprocess.run([python, "-c", "from rnnkit.autograde import isolation; isolation.sweep()"], check=True,
                       **run_as)  # what the next run's first pool does
        assert not list(marker.glob("rnnkit-sandbox-*"))
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_lighter_nbgrader_rejects_what_nbgrader_rejects_and_then_steps_aside():
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common
    import sqlalchemy
    from nbgrader.nbgraderformat import MetadataValidator
    bad = nbformat.v4.new_code_cell(metadata={"nbgrader": {
        "schema_version": 3, "grade": True, "solution": False, "locked": False, "task": False, "grade_id": "x",
        "points": "ten"}})

    def error():
        with pytest.raises(jsonschema.ValidationError) as caught:
            MetadataValidator().validate_cell(bad)
        return str(caught.value)

    plain = error()
    with nbg.lighter():
        assert error() == plain
        assert nbgrader.api.create_engine("sqlite://") is nbgrader.api.create_engine("sqlite://")
    assert nbgrader.api.create_engine is sqlalchemy.create_engine
    assert nbgrader.nbgraderformat.common.jsonschema is jsonschema


def test_bad_arguments_get_a_clear_error(classes):
    root = classes["root"]["course"]
    rnnkit = os.path.join(BIN, "rnnkit")
    run = subprocess.run(rnnkit_command(rnnkit, root, "grade", "99_nope"), env=ENV, capture_output=True, text=True)
    assert run.returncode == 2 and "not in the gradebook" in run.stderr
    run = subprocess.run(rnnkit_command(rnnkit, root, "grade", A, "--student", "zed"), env=ENV,
                         capture_output=True, text=True)
    assert run.returncode == 2 and "no submission of 01_rnn for student(s) ['zed']" in run.stderr


def test_the_same_work_runs_on_a_dask_cluster(classes):
    from distributed import LocalCluster
    root = classes["root"]["course"]
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster:
        run = subprocess.run(rnnkit_command(os.path.join(BIN, "rnnkit"), root, "grade", A, "--force", "--student",
                                            "ada", "--student", "cy", "--scheduler", cluster.scheduler_address),
                             env=ENV, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert state(root, "ada")["score"] == 10 and state(root, "cy")["score"] == 7
