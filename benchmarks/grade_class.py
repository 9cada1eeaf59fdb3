"""A class graded by `rnnkit grade` and by sequential `nbgrader autograde`, in the same run.

    python benchmarks/grade_class.py [--students 24] [--workers 2]

Builds a temporary course with one assignment and a class of submissions (right, buggy and
untouched), grades it with `rnnkit grade` sandboxed and with `--no-isolation`, and with
sequential `nbgrader autograde`, checks that every score is identical, and prints the wall
times, the speed-up, the cost of isolation per notebook, and the time per notebook beside the
floor of starting a kernel that imports torch.
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
from notebooks import BIN, ENV, nbgrader, notebook, with_solution_code  # noqa: E402

from rnnkit.autograde import course as nbg  # noqa: E402

A = "01_rnn"
BUGS = [[], [("grads[k] += g[k]", "grads[k] = g[k]")], [("dhs[:, t] + dh", "dhs[:, t]")],
        [(' + p["bias_hh"]', "")], None]  # None: the released notebook, untouched


def make_course(root, students):
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions" / A, root / "solutions" / A)
    nbgrader(root, "generate_assignment", A, "--force")
    for i in range(students):
        path = root / "submitted" / f"s{i:03d}" / A
        path.mkdir(parents=True)
        bug = BUGS[i % len(BUGS)]
        nb = json.loads((root / "exercises" / A / f"{A}.ipynb").read_text()) if bug is None else \
            with_solution_code(notebook(A), replacements=bug)
        (path / f"{A}.ipynb").write_text(json.dumps(nb))


def grade(course, workers, *options):
    """Seconds `rnnkit grade` takes on the course."""
    start = time.perf_counter()
    run = subprocess.run([os.path.join(BIN, "rnnkit"), "--course", str(course), "grade", A, "--force",
                          "--workers", str(workers), *options], env=ENV, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"rnnkit grade {' '.join(options)} failed:\n{run.stdout}\n{run.stderr}")
    return time.perf_counter() - start


def floor():
    """Seconds to start a kernel that imports torch: the least any grader pays per notebook."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch, numpy")])
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3").execute()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ours, bare, theirs = Path(tmp) / "ours", Path(tmp) / "bare", Path(tmp) / "theirs"
        ours.mkdir()
        make_course(ours, args.students)
        shutil.copytree(ours, theirs)
        shutil.copytree(ours, bare)
        t_ours = grade(ours, args.workers)
        t_bare = grade(bare, args.workers, "--no-isolation")
        start = time.perf_counter()
        nbgrader(theirs, "autograde", A, "--force")
        t_theirs = time.perf_counter() - start
        a, b, c = nbg.load(ours), nbg.load(theirs), nbg.load(bare)
        students = sorted(p.name for p in (ours / "submitted").iterdir())
        same = all(nbg.scores(a, A, s) == nbg.scores(b, A, s) == nbg.scores(c, A, s) for s in students)
        base = floor()
    n, w = args.students, args.workers
    print(f"class of {n} submissions of {A}, {w} workers, {os.cpu_count()} cores, as {'root' if os.geteuid() == 0 else 'a user'}")
    print(f"rnnkit grade (sandboxed) {t_ours:7.1f} s   {t_ours / n:5.2f} s per notebook (with the clean re-check)")
    print(f"rnnkit grade --no-isol.  {t_bare:7.1f} s   {t_bare / n:5.2f} s per notebook")
    print(f"nbgrader autograde       {t_theirs:7.1f} s   {t_theirs / n:5.2f} s per notebook")
    print(f"speed-up (sandboxed)     {t_theirs / t_ours:7.2f} x")
    print(f"isolation costs          {(t_ours - t_bare) * w / n:7.2f} s per notebook on a worker "
          f"({(t_ours - t_bare) / n:.2f} s of wall time)")
    print(f"floor: kernel + torch    {base:7.2f} s per notebook")
    print(f"scores identical         {'yes' if same else 'NO'}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
