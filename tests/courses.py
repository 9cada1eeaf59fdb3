"""Temporary nbgrader courses with submitted notebooks, for the end-to-end grading tests."""

import json
import shutil

from notebooks import ROOT, nbgrader


def make_course(root, notebooks, assignment="01_rnn", cell_timeout=20):
    """A course at `root` with `assignment` generated and {student: notebook} submitted. The
    cell timeout is long enough for the 2 shared cores of a test run, short for a stuck loop."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    with open(root / "nbgrader_config.py", "a") as f:
        f.write(f"\nc.Execute.timeout = {cell_timeout}\n")
    shutil.copytree(ROOT / "solutions" / assignment, root / "solutions" / assignment)
    nbgrader(root, "generate_assignment", assignment, "--force")
    for student, nb in notebooks.items():
        path = root / "submitted" / student / assignment
        path.mkdir(parents=True)
        (path / f"{assignment}.ipynb").write_text(json.dumps(nb) if isinstance(nb, dict) else nb)
        (path / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return root
