"""Classes graded by `rnnkit grade` and by sequential `nbgrader autograde`, in the same run.

    python benchmarks/grade_class.py [--students 40] [--quick]

Two classes of --students each: 01_rnn mixed (right, buggy and untouched notebooks) and 03_gru
all correct, which pays the most per notebook. Each is graded by sequential `nbgrader
autograde` and by `rnnkit grade` sandboxed with 1 and 2 workers, on a Dask LocalCluster of 2
workers, and with --no-isolation; every score must be identical. Printed: wall times, the
speed-up over nbgrader (target: 5x with 2 workers), the time per notebook beside its floor (its
cells run in a kernel already started, with torch imported), the scheduler's overhead per
notebook, and the cost of isolation per notebook (against --no-isolation, which has no pools).
--quick skips the 1-worker, Dask and --no-isolation runs.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from courses import make_course  # noqa: E402
from notebooks import BIN, ENV, nbgrader, notebook, with_solution_code  # noqa: E402

from rnnkit.autograde import course as nbg  # noqa: E402

BUGS = {  # assignment -> submissions, cycled through the class: replacements, or None for untouched
    "01_rnn": [[], [("grads[k] += g[k]", "grads[k] = g[k]")], [("dhs[:, t] + dh", "dhs[:, t]")],
               [(' + p["bias_hh"]', "")], None],
    "03_gru": [[]],
}


def make_class(root, assignment, students):
    released = json.loads((ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text())
    kinds = BUGS[assignment]
    make_course(root, {f"s{i:03d}": released if kinds[i % len(kinds)] is None else
                       with_solution_code(notebook(assignment), replacements=kinds[i % len(kinds)])
                       for i in range(students)}, assignment, cell_timeout=30)


def rnnkit_grade(course, assignment, *options):
    """Seconds `rnnkit grade` takes on the course."""
    start = time.perf_counter()
    run = subprocess.run([os.path.join(BIN, "rnnkit"), "--course", str(course), "grade", assignment, "--force",
                          *options], env=ENV, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"rnnkit grade {' '.join(options)} failed:\n{run.stdout}\n{run.stderr}")
    return time.perf_counter() - start


def floor(assignment):
    """Seconds to run a correct notebook's cells in a kernel already started, torch imported."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.reads(json.dumps(with_solution_code(notebook(assignment))), as_version=4)
    client = NotebookClient(nb, kernel_name="python3")
    with client.setup_kernel():
        client.execute_cell(nbformat.v4.new_code_cell("import torch, numpy, rnnkit.grading, rnnkit.reference"), 0)
        start = time.perf_counter()
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, i)
        return time.perf_counter() - start


def bench(assignment, students, quick, tmp):
    base = Path(tmp) / assignment / "base"
    make_class(base, assignment, students)
    runs = {"nbgrader": None, "rnnkit, 2 workers": ["--workers", "2"]}
    if not quick:
        runs.update({"rnnkit, 1 worker": ["--workers", "1"], "rnnkit, Dask (2 workers)": "dask",
                     "rnnkit, 2 workers, --no-isolation": ["--workers", "2", "--no-isolation"]})
    times, courses = {}, {}
    for label, options in runs.items():
        course = courses[label] = Path(tmp) / assignment / label.replace(" ", "_").replace(",", "")
        shutil.copytree(base, course)
        if options is None:
            start = time.perf_counter()
            nbgrader(course, "autograde", assignment, "--force")
            times[label] = time.perf_counter() - start
        elif options == "dask":
            from distributed import LocalCluster
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None) as cluster:
                times[label] = rnnkit_grade(course, assignment, "--scheduler", cluster.scheduler_address)
        else:
            times[label] = rnnkit_grade(course, assignment, *options)
    names = sorted(p.name for p in (base / "submitted").iterdir())
    ref = nbg.load(courses["nbgrader"])
    same = all(nbg.scores(ref, assignment, s) == nbg.scores(nbg.load(c), assignment, s) for c in courses.values()
               for s in names)
    return times, floor(assignment), same


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, ok = args.students, True
    print(f"{n} submissions per class, {os.cpu_count()} cores, as {'root' if os.geteuid() == 0 else 'a user'}")
    with tempfile.TemporaryDirectory() as tmp:
        for assignment, kind in (("01_rnn", "mixed"), ("03_gru", "all correct")):
            times, base, same = bench(assignment, n, args.quick, tmp)
            ours = times["rnnkit, 2 workers"]
            print(f"\n{assignment}, {kind}:")
            for label, t in times.items():
                print(f"  {label:36s} {t:7.1f} s  {t / n:5.2f} s per notebook  {times['nbgrader'] / t:5.2f} x")
            print(f"  {'floor: cells in a warm kernel':36s} {'':7s}    {base:5.2f} s per notebook")
            if "rnnkit, Dask (2 workers)" in times:
                print(f"  Dask's overhead: {(times['rnnkit, Dask (2 workers)'] - ours) / n:+.2f} s per notebook")
            if "rnnkit, 2 workers, --no-isolation" in times:
                print(f"  isolation costs: {(ours - times['rnnkit, 2 workers, --no-isolation']) * 2 / n:+.2f} s per "
                      f"notebook on a worker (--no-isolation has no pools: each kernel starts afresh and imports what "
                      f"its notebook imports)")
            print(f"  speed-up with 2 workers: {times['nbgrader'] / ours:.2f} x (target 5 x); "
                  f"scores identical: {'yes' if same else 'NO'}")
            ok &= same
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
