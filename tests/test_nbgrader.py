"""End to end with real nbgrader in a temporary course: release, collect (including an LMS zip),
autograde, feedback and export, with honest, buggy, tampering and stuck submissions."""

import csv
import json
import shutil
import zipfile

import pytest

from notebooks import IDS, ROOT, grade_cells, nbgrader, notebook, with_solution_code

pytestmark = pytest.mark.nbgrader
CHEATS = """import numpy as np
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
get_ipython().showtraceback = lambda *a, **k: None
"""

# student -> assignment -> submission, and the expected scores and diagnoses
SUBMISSIONS = {
    "cy": ("01_rnn", dict(replacements=[("grads[k] += g[k]", "grads[k] = g[k]")], drop=["test_rnn_step_forward"],
                          edit=["test_rnn_forward"])),
    "dee": ("03_gru", dict(replacements=[('dh_prev = dh_next * c["z"]', "dh_prev = 0")])),
    "eve": ("04_lstm", dict(replacements=[("for t in range(xs.shape[1]):", "while True:\n        pass\n    for t in range(xs.shape[1]):")])),
    "fay": ("05_attention", dict(replacements=[("A = softmax(scores, axis=-1)",
                                                "import torch\n    A = torch.softmax(torch.tensor(scores), -1).numpy()")])),
    "gus": ("02_vanishing_gradients", dict(replacements=[("pos = x >= 0", "pos = x >= -np.inf")], extra={"setup": CHEATS})),
    # a library's warning printed to stderr while a test runs costs nothing (IgnorePattern)
    "hana": ("03_gru", dict(replacements=[("def gru_forward(xs, h0, p):", "def gru_forward(xs, h0, p):\n"
                                           "    import sys\n    print('numpy.py:1: UserWarning: a harmless warning',"
                                           " file=sys.stderr)")])),
}
EXPECTED = {  # (student, assignment): {test cell: (score, words in its output)}
    ("cy", "01_rnn"): {"test_rnn_step_forward": (2, ""), "test_rnn_forward": (2, ""),
                       "test_rnn_step_backward": (3, ""), "test_rnn_backward": (0, "overwritten at each step")},
    ("dee", "03_gru"): {"test_gru_step_forward": (2, ""), "test_gru_forward": (2, ""),
                        "test_gru_step_backward": (0, "direct path from h_prev"), "test_gru_backward": (0, "")},
    ("eve", "04_lstm"): {"test_lstm_step_forward": (2, ""), "test_lstm_step_backward": (3, ""),
                         "test_lstm_forward": (0, "Timeout"), "test_lstm_backward": (0, "")},
    ("fay", "05_attention"): {"test_softmax": (2, ""), "test_attention_forward": (0, "earns 0"),
                              "test_attention_backward": (0, "earns 0")},
    ("hana", "03_gru"): {"test_gru_step_forward": (2, ""), "test_gru_step_backward": (3, ""),
                         "test_gru_forward": (2, ""), "test_gru_backward": (3, "")},
    ("gus", "02_vanishing_gradients"): {"test_sigmoid": (0, "not numerically stable"),
                                        "test_hidden_jacobian": (2, ""), "test_clip_grad_norm": (2, "")},
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory with every assignment released, submitted and autograded."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write('\nc.Execute.timeout = 10\n'
                'c.FileNameCollectorPlugin.named_regexp = '
                r'r".*/(?P<student_id>[a-z]+)_\d+_\d+_(?P<file_id>[^/]+)$"'
                '\n')
    shutil.copytree(ROOT / "solutions", root / "solutions")
    for a in IDS:
        nbgrader(root, "generate_assignment", a, "--force")

    def submit(student, assignment, nb):
        path = root / "submitted" / student / assignment
        path.mkdir(parents=True)
        (path / f"{assignment}.ipynb").write_text(json.dumps(nb))
        (path / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")

    for a in IDS:
        submit("ada", a, with_solution_code(notebook(a)))                       # every answer right
        submit("bob", a, json.loads((root / "exercises" / a / f"{a}.ipynb").read_text()))  # nothing done
    for student, (a, how) in SUBMISSIONS.items():
        submit(student, a, with_solution_code(notebook(a), **how))
    # An LMS export (Canvas's naming): one zip of files named <student>_<user id>_<submission id>_<file>
    archive = root / "downloaded" / "01_rnn" / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "lms_export.zip", "w") as z:
        z.writestr("hal_4242_90017_01_rnn.ipynb", json.dumps(with_solution_code(notebook("01_rnn"))))
    nbgrader(root, "zip_collect", "01_rnn", "--force")
    for a in IDS:
        nbgrader(root, "autograde", a, "--force")
    return root


def autograded(course, student, assignment):
    return json.loads((course / "autograded" / student / assignment / f"{assignment}.ipynb").read_text())


def scores(course, student, assignment):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        sub = gb.find_submission_notebook(assignment, assignment, student)
        return {g.name: g.score for g in sub.grades if g.cell.cell_type == "code"}


def test_committed_exercises_are_what_nbgrader_generates(course):
    for a in IDS:
        committed = json.loads((ROOT / "exercises" / a / f"{a}.ipynb").read_text())
        generated = json.loads((course / "exercises" / a / f"{a}.ipynb").read_text())
        assert committed == generated, f"exercises/{a} is stale: run `make exercises`"
        assert sorted(p.name for p in (ROOT / "exercises" / a).iterdir()) == [f"{a}.ipynb"]
        text = json.dumps(committed)
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "hidden_check" not in text


def test_solutions_score_full_marks_and_untouched_exercises_zero(course):
    for a in IDS:
        maxima = {gid: c["metadata"]["nbgrader"]["points"] for gid, c in grade_cells(notebook(a)).items()
                  if c["cell_type"] == "code" and c["metadata"]["nbgrader"].get("grade")}
        assert scores(course, "ada", a) == maxima, a
        assert set(scores(course, "bob", a).values()) == {0}, a


@pytest.mark.parametrize("student,assignment", EXPECTED)
def test_buggy_submissions_lose_the_broken_functions_points_with_a_diagnosis(course, student, assignment):
    got = scores(course, student, assignment)
    cells = grade_cells(autograded(course, student, assignment))
    for gid, (score, words) in EXPECTED[(student, assignment)].items():
        assert got[gid] == score, (gid, got)
        output = json.dumps(cells[gid]["outputs"])
        assert words in output, (gid, output[:2000])
        assert "NotImplementedError" not in output


def test_deleted_and_edited_test_cells_are_restored(course):
    cells = grade_cells(autograded(course, "cy", "01_rnn"))
    assert "hidden_check" in "".join(cells["test_rnn_step_forward"]["source"])
    assert "hidden_check" in "".join(cells["test_rnn_forward"]["source"])


def test_zip_collect_brings_in_an_lms_export(course):
    assert (course / "submitted" / "hal" / "01_rnn" / "01_rnn.ipynb").exists()
    assert scores(course, "hal", "01_rnn") == scores(course, "ada", "01_rnn")


def test_feedback_shows_diagnoses_but_not_hidden_tests(course):
    nbgrader(course, "generate_feedback", "01_rnn", "--force")
    html = (course / "feedback" / "cy" / "01_rnn" / "01_rnn.html").read_text()
    assert "overwritten at each step" in html
    assert "hidden_check" not in html and "HIDDEN TESTS" not in html and "BEGIN SOLUTION" not in html


def test_export_writes_every_grade_to_csv(course):
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    rows = list(csv.DictReader(open(course / "grades.csv")))
    ada = {r["assignment"]: float(r["raw_score"]) for r in rows if r["student_id"] == "ada"}
    assert ada["01_rnn"] == 10 and ada["02_vanishing_gradients"] == 6  # written answers await a person
    assert {r["student_id"] for r in rows} >= {"ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal"}
