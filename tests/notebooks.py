"""Helpers for tests that use the solution notebooks: their solution code and buggy variants."""

import json
import os
import subprocess
import sys
from pathlib import Path

from rnnkit.grading import GradingError, check
from rnnkit.grading.assignments import ASSIGNMENTS, FUNCTIONS

ROOT = Path(__file__).resolve().parents[1]
IDS = [a.id for a in ASSIGNMENTS]


def notebook(assignment, kind="solutions"):
    return json.loads((ROOT / kind / assignment / f"{assignment}.ipynb").read_text())


def solution_source(assignment):
    """The code of the setup cell and every solution cell of a source notebook, in order."""
    cells = notebook(assignment)["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code" and (
        c["metadata"].get("nbgrader", {}).get("solution") or c["metadata"].get("nbgrader", {}).get("grade_id") == "setup"))


def run(assignment, name, source=None, *, seeds=(1, 2), visible=False):
    """Check `name` from `source` (default: the solution) with hidden inputs; the message or None."""
    ns = namespace(SOURCES[assignment] if source is None else source)
    forward = ns[FUNCTIONS[name].forward] if FUNCTIONS[name].forward else None
    try:
        for seed in seeds:
            check(name, ns[name], forward, visible=visible, seed=None if visible else seed)
    except GradingError as error:
        return str(error)
    return None


def mutate(source, replacements):
    """source with each (old, new) replaced once; a missing `old` is an error, not a silent no-op."""
    for old, new in replacements:
        if old not in source:
            raise AssertionError(f"the solution code no longer contains {old!r}; update the buggy submission")
        source = source.replace(old, new, 1)
    return source


def namespace(source):
    ns = {"__name__": "submission"}
    exec(compile(source, "<submission>", "exec"), ns)
    return ns


class _Sources(dict):
    """assignment -> solution_source(assignment), read when first asked for."""

    def __missing__(self, assignment):
        self[assignment] = solution_source(assignment)
        return self[assignment]


SOURCES = _Sources()

BIN = str(Path(sys.executable).parent)  # nbgrader shells out to alembic: the venv's bin on PATH
ENV = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}


def nbgrader(root, *args):
    result = subprocess.run([os.path.join(BIN, "nbgrader"), *args], cwd=root, env=ENV, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def grade_cells(nb):
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade_id")}


def with_solution_code(nb, replacements=(), drop=(), edit=(), extra=None):
    """A submission from the source notebook: solution cells (mutated), some test cells removed
    or edited, and extra student cells, {grade id: source of a cell to add after that cell}."""
    nb = json.loads(json.dumps(nb))
    source = "\n\x00\n".join("".join(c["source"]) for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
                              and c["cell_type"] == "code")
    parts = iter(mutate(source, replacements).split("\n\x00\n"))
    cells = []
    for c in nb["cells"]:
        meta = c["metadata"].get("nbgrader", {})
        if meta.get("grade_id") in drop:
            continue
        if meta.get("solution") and c["cell_type"] == "code":  # as a student would hand it in: no markers
            c["source"] = "\n".join(ln for ln in next(parts).split("\n") if "### BEGIN SOLUTION" not in ln
                                    and "### END SOLUTION" not in ln)
        if meta.get("grade_id") in edit:
            c["source"] = "pass  # the test is gone"
        cells.append(c)
        if extra and meta.get("grade_id") in extra:
            cells.append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                          "source": extra[meta["grade_id"]]})
    nb["cells"] = cells
    return nb




def solutions(assignment):
    """{grade id: source} of every solution cell of a source notebook, as a student would write
    it: without nbgrader's markers."""
    return {gid: "\n".join(ln for ln in "".join(c["source"]).split("\n")
                           if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln)
            for gid, c in grade_cells(notebook(assignment)).items() if c["metadata"]["nbgrader"].get("solution")}
