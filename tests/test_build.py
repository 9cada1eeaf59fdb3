"""rnnkit.grading.build: the committed solutions/ are what their sources build, and a source that
breaks the layout every notebook keeps is refused with what to change."""

import json
import re
import shutil

import pytest

from notebooks import IDS, ROOT, mutate
from rnnkit.grading import build
from rnnkit.grading.assignments import ASSIGNMENTS, assignment

RNN = assignment("01_rnn")


@pytest.mark.parametrize("a", ASSIGNMENTS, ids=IDS)
def test_committed_solutions_are_what_their_sources_build(a):
    committed = (ROOT / a.notebook).read_text(encoding="utf-8")
    assert committed == build.text(ROOT, a), (f"{a.notebook} is not what {a.source} builds: edit {a.source}, "
                                              "not the notebook, then run `make solutions exercises`")


@pytest.mark.parametrize("a", ASSIGNMENTS, ids=IDS)
def test_points_come_from_the_registry_and_ids_are_stable(a):
    cells = json.loads(build.text(ROOT, a))["cells"]
    points = {c["id"]: c["metadata"]["nbgrader"].get("points") for c in cells if "nbgrader" in c["metadata"]}
    assert {k: v for k, v in points.items() if v is not None} == \
        {f.test_cell: f.points for f in a.functions} | {"written_answer": a.written_points}
    assert [c["id"] for c in cells if "nbgrader" not in c["metadata"]] == \
        [f"cell-{i:02d}" for i, c in enumerate(cells) if "nbgrader" not in c["metadata"]]


_LINK = re.compile(r"\]\(([^)\s]+)\)|href=\"([^\"]+)\"")  # a Markdown link's target, or raw HTML's


@pytest.mark.parametrize("a", ASSIGNMENTS, ids=IDS)
def test_every_link_of_a_notebook_names_a_file_of_the_repository(a):
    """JupyterLab opened on the repository opens a link's target relative to the notebook, so
    each must be a file there; the first is the chapter's source (the book makes it the
    chapter's page: test_book)."""
    for path in (ROOT / a.notebook, ROOT / a.release):
        text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "markdown")
        links = [m.group(1) or m.group(2) for m in _LINK.finditer(text)]
        local = [link for link in links if not re.match(r"[a-z][a-z0-9+.-]*:|#", link)]
        assert local and (path.parent / local[0]).resolve() == ROOT / f"{a.chapter}.md", (path, links)
        missing = [link for link in local if not (path.parent / link.split("#")[0]).is_file()]
        assert not missing, f"{path.relative_to(ROOT)} links to files that do not exist: {missing}"


def built(tmp_path, *replacements):
    """The 01_rnn notebook built from its source with each (old, new) replaced once."""
    (tmp_path / "solutions").mkdir(exist_ok=True)
    (tmp_path / RNN.source).write_text(mutate((ROOT / RNN.source).read_text(), replacements))
    return build.notebook(tmp_path, RNN)


SETUP_CELL = "```{code-cell} ipython3\n---\nnbgrader:\n  grade: false\n  grade_id: setup"
LOCKED_SETUP = "grade_id: setup\n  locked: true"
FORWARD_TEST = "rnn_step_backward, rnn_step_forward, visible=True"


@pytest.mark.parametrize("replacements,problem", [
    ([("grade_id: test_rnn_forward\n", "grade_id: test_rnn_forward\n  points: 2\n")], "states points"),
    ([("{{ points }}", "{{ pionts }}")], "cites ['pionts']"),
    ([(LOCKED_SETUP, "grade_id: setup\n  locked: false")], "cell setup must be a code cell with nbgrader"),
    ([(SETUP_CELL, "```{code-cell} ipython3\nprint(1)\n```\n\n" + SETUP_CELL)], "the setup cell must be the first code cell"),
    ([(FORWARD_TEST, "rnn_step_backward, visible=True")], "cell test_rnn_step_backward must read exactly"),
    ([("grade_id: test_rnn_forward", "grade_id: test_rnn_fwd")], "its nbgrader cells are"),
    ([("def rnn_forward(xs, h0, p):", "def rnn_forward_(xs, h0, p):")], "cell rnn_forward must define rnn_forward"),
])
def test_a_source_that_breaks_the_layout_is_refused_with_what_to_change(tmp_path, replacements, problem):
    with pytest.raises(ValueError, match="solutions/01_rnn.md: ") as refused:
        built(tmp_path, *replacements)
    assert problem in str(refused.value)


def test_the_written_question_and_answer_come_last(tmp_path):
    source = (ROOT / RNN.source).read_text() + "\n+++\n\nA note after the answer.\n"
    (tmp_path / "solutions").mkdir()
    (tmp_path / RNN.source).write_text(source)
    with pytest.raises(ValueError, match="must be the last two cells"):
        build.notebook(tmp_path, RNN)


def test_make_solutions_writes_each_notebook_and_stops_at_a_broken_source(tmp_path, capsys):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", ignore=shutil.ignore_patterns("*.ipynb"))
    assert build.main(["--root", str(tmp_path)]) == 0
    assert all((tmp_path / a.notebook).read_bytes() == (ROOT / a.notebook).read_bytes() for a in ASSIGNMENTS)
    (tmp_path / RNN.source).write_text((tmp_path / RNN.source).read_text().replace("locked: true", "locked: false"))
    assert build.main(["--root", str(tmp_path), "01_rnn"]) == 1
    assert "solutions/01_rnn.md: cell setup must be" in capsys.readouterr().err
    assert build.main(["--list"]) == 0 and capsys.readouterr().out.split() == IDS
