"""How fast a student's visible tests answer and a whole notebook autogrades.

    python benchmarks/notebook_times.py

Executes each solution notebook with nbclient and prints the slowest visible-test cell
(target: under 2 s) and the whole run, kernel start and torch import included (target: under
8 s), beside the floor of starting a kernel that only imports torch.
"""

import json
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from rnnkit.grading.assignments import ASSIGNMENTS, function_tested_by

ROOT = Path(__file__).resolve().parents[1]


def run(nb):
    """Execute nb; returns (total seconds, {grade_id: seconds of that cell})."""
    cells = {}
    client = NotebookClient(nb, kernel_name="python3", timeout=60)
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, index)
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid:
                cells[gid] = time.perf_counter() - t
    return time.perf_counter() - start, cells


def main():
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as autograde runs them: exercise 4 skips its training
    floor, _ = run(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch, numpy")]))
    print(f"floor: kernel start + import torch: {floor:5.2f} s")
    print(f"{'assignment':<24} {'notebook':>9} {'slowest visible test':>28}")
    for a in ASSIGNMENTS:
        total, cells = run(nbformat.read(ROOT / a.notebook, as_version=4))
        tests = {g: s for g, s in cells.items() if function_tested_by(g)}
        slow = max(tests, key=tests.get)
        print(f"{a.id:<24} {total:8.2f}s {slow:>20} {tests[slow]:5.2f}s")
    print(json.dumps({"targets": {"visible test": "< 2 s", "notebook": "< 8 s"}}))


if __name__ == "__main__":
    main()
