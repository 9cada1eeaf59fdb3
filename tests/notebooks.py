"""Helpers for tests that use the solution notebooks: their solution code and buggy variants."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ["01_rnn", "02_vanishing_gradients", "03_gru", "04_lstm", "05_attention"]


def notebook(assignment, kind="solutions"):
    return json.loads((ROOT / kind / assignment / f"{assignment}.ipynb").read_text())


def solution_source(assignment):
    """The code of the setup cell and every solution cell of a source notebook, in order."""
    cells = notebook(assignment)["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code" and (
        c["metadata"].get("nbgrader", {}).get("solution") or c["metadata"].get("nbgrader", {}).get("grade_id") == "setup"))


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
