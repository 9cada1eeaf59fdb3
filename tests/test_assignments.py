"""rnnkit.grading.assignments: the one list of assignments, and everything that must agree with
it. Adding an assignment to the registry makes these tests say what else it needs."""

import re

import pytest
import yaml

from notebooks import IDS, ROOT
from rnnkit.grading.assignments import (ASSIGNMENTS, FUNCTIONS, assignment, assignment_of,
                                        function_tested_by)


def toc_part(caption):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [chapter["file"] for part in toc["parts"] if part["caption"] == caption for chapter in part["chapters"]]


def test_the_toc_lists_each_assignments_chapter_and_released_notebook_in_order():
    chapters = toc_part("Chapters")
    assert [c for c in chapters if c in {a.chapter for a in ASSIGNMENTS}] == [a.chapter for a in ASSIGNMENTS], \
        "_toc.yml must list every assignment's chapter under Chapters, in the registry's order"
    assert toc_part("Exercises (read-only)") == [a.release.removesuffix(".ipynb") for a in ASSIGNMENTS], \
        "_toc.yml must list every released notebook under Exercises, in the registry's order"


@pytest.mark.parametrize("a", ASSIGNMENTS, ids=IDS)
def test_each_chapter_is_titled_and_numbered_as_the_registry_says(a):
    assert (ROOT / f"{a.chapter}.md").is_file(), f"the chapter {a.chapter}.md is missing"
    heading = re.search(r"^# (.+)$", (ROOT / f"{a.chapter}.md").read_text(), re.M).group(1)
    assert heading == a.title, f"{a.chapter}.md is titled {heading!r}; the registry says {a.title!r}"
    assert toc_part("Chapters").index(a.chapter) + 1 == a.number, f"{a.chapter} is not chapter {a.number} of _toc.yml"


@pytest.mark.parametrize("a", ASSIGNMENTS, ids=IDS)
def test_each_assignment_has_its_source_its_notebook_and_its_release(a):
    for path in (a.source, a.notebook, a.release):
        assert (ROOT / path).is_file(), f"{path} is missing: write {a.source}, then run `make solutions exercises`"


def test_solutions_and_exercises_hold_the_registrys_assignments_and_nothing_else():
    found = {"solutions/<id>.md": sorted(p.stem for p in (ROOT / "solutions").glob("*.md")),
             "solutions/<id>/": sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()),
             "exercises/<id>/": sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())}
    assert {k: v for k, v in found.items() if v != sorted(IDS)} == {}, \
        f"the registry (rnnkit/grading/assignments.py) has {IDS}"


def test_the_makefile_asks_the_registry_for_the_assignments():
    makefile = (ROOT / "Makefile").read_text()
    assert "python -m rnnkit.grading.build --list" in makefile
    assert not [a.id for a in ASSIGNMENTS if a.id in makefile], "the Makefile must not list assignments itself"


def test_ids_are_ordered_and_each_function_belongs_to_one_assignment():
    assert IDS == sorted(IDS) and len(set(IDS)) == len(IDS)
    assert len(FUNCTIONS) == sum(len(a.functions) for a in ASSIGNMENTS)


def test_a_backward_names_a_forward_of_its_own_assignment():
    for name, f in FUNCTIONS.items():
        if f.forward:
            assert f.forward in {g.name for g in assignment_of(name).functions}
            assert FUNCTIONS[f.forward].forward is None


def test_lookups():
    assert assignment("03_gru").chapter == "book/03_gru"
    assert function_tested_by("test_rnn_backward") is FUNCTIONS["rnn_backward"]
    assert function_tested_by("rnn_backward") is None and function_tested_by("written_answer") is None
    assert FUNCTIONS["lstm_step_backward"].test_cell == "test_lstm_step_backward"
    with pytest.raises(ValueError, match="assignment must be one of"):
        assignment("06_transformer")
