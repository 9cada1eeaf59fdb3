"""`rnnkit grade`: grade every submission of an assignment in parallel sandboxes, committing
each result to the gradebook from this process alone, as soon as it arrives.

Each notebook runs in a sandbox (rnnkit.autograde.worker, .isolation), and its graded
functions are re-checked in a clean one; the worker, outside both, judges what they observed.
This process commits through nbgrader: where a test passes in the notebook but its function
fails the clean re-check, the clean verdict counts.
"""

import csv
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context

from rnnkit.autograde import course as nbg
from rnnkit.autograde import notebook, pools, worker
from rnnkit.autograde.job import Job, Limits, Result
from rnnkit.grading.assignments import FUNCTIONS, cell_label, function_tested_by


@dataclass
class Outcome:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    failed: list = field(default_factory=list)   # test cells that scored less than their points
    reason: str = None                            # why it could not be graded (fully), or None
    flags: list = field(default_factory=list)     # where the notebook and the clean re-check disagree
    skipped: bool = False
    seconds: float = 0.0

    @property
    def graded(self):
        return self.reason is None


def grade(root, assignment, *, workers=None, timeout=600, force=False, students=None, scheduler=None,
          memory=2048, max_output=1_000_000, db_url=None, isolated=True):
    """Grade `assignment` in the course at `root`; returns a list of Outcome (one per student).
    Raises rnnkit.autograde.isolation.Unavailable if sandboxes cannot run here and `isolated` is True."""
    course = nbg.load(root, db_url)
    names = nbg.notebooks(course, assignment)
    found = nbg.submissions(course, assignment, students)
    functions = _graded_functions(course, assignment, names)
    limits, execution = Limits(timeout=timeout, memory=memory, max_output=max_output), nbg.execution(course)
    # One seed per function for the run: every submission sees the same hidden inputs, whose
    # right answers are computed once.
    seeds = {fn: int.from_bytes(os.urandom(4), "little") for fns in functions.values() for fn, _ in fns}
    outcomes, jobs, futures = [], {}, {}
    pool = _Workers(workers, scheduler, isolated)  # starts now, while the coordinator prepares the jobs
    try:
        if isolated:
            pools.check()
        with nbg.lighter():  # this process's share of the work, per student
            for student, path in found.items():
                outcome, prepared, digest = _prepare(course, assignment, student, path, names, force)
                if outcome:
                    outcomes.append(outcome)
                    continue
                for name, nb in prepared.items():
                    fns = tuple(functions.get(name, ()))
                    job = Job(student, name, nb, _files(path), fns, {fn: seeds[fn] for fn, _ in fns}, execution, limits,
                              isolated, _imported(nb))
                    jobs.setdefault(student, {})[name] = (job, digest)
                    futures[pool.submit(job)] = (student, name)
            bar = Progress(len(found), len(outcomes))
            results = {}
            for future in pool.completed(futures):
                student, name = futures[future]
                results.setdefault(student, {})[name] = _result(future)
                if len(results[student]) == len(jobs[student]):
                    outcome = _commit(course, assignment, student, jobs[student], results.pop(student))
                    outcomes.append(outcome)
                    bar.update(outcome)
            bar.close()
    finally:
        pool.close()
    outcomes.sort(key=lambda o: o.student)
    _write_csv(course, assignment, outcomes)
    return outcomes


def _graded_functions(course, assignment, names):
    """{notebook: [(function, its forward)]} for the test cells of graded functions."""
    out = {}
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        for name in names:
            cells = gb.find_notebook(name, assignment).grade_cells
            out[name] = [(f.name, f.forward) for c in cells if (f := function_tested_by(c.name))]
    return out


def _prepare(course, assignment, student, path, names, force):
    """(outcome, None, hash) for a submission skipped or that cannot be graded, else (None,
    {notebook: sanitized notebook}, hash)."""
    digest = nbg.fingerprint(path)
    state = nbg.load_state(course, assignment, student)
    if not force and state and state.get("fingerprint") == digest:
        return Outcome(student, state["score"], state["max_score"], state["failed"], state["reason"], state["flags"],
                       skipped=True), None, digest
    try:
        prepared = {n: nbg.sanitize(course, assignment, student, n, path / f"{n}.ipynb") for n in names
                    if (path / f"{n}.ipynb").exists()}
    except ValueError as error:  # malformed JSON: this submission only
        return _record(course, assignment, student, digest, Outcome(student, reason=str(error))), None, digest
    except Exception as error:  # noqa: BLE001 (what nbgrader cannot prepare: this submission only)
        reason = f"nbgrader could not prepare the notebook: {type(error).__name__}: {error}"
        return _record(course, assignment, student, digest, Outcome(student, reason=reason)), None, digest
    if not prepared:
        reason = f"no notebook named {names} in {path}"
        return _record(course, assignment, student, digest, Outcome(student, reason=reason)), None, digest
    return None, prepared, digest


def _imported(nb):
    """The heavy modules (pools.PRELOADABLE) that the notebook's code imports."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return tuple(m for m in pools.PRELOADABLE if re.search(rf"^\s*(import|from)\s+{m}\b", code, re.M))


def _files(path):
    """The submission's other files, copied into its sandbox."""
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*")
            if p.is_file() and p.suffix != ".ipynb" and p.name != "timestamp.txt"}


class _Workers:
    """Local worker processes, or a Dask cluster: submit jobs, take results as they finish."""

    def __init__(self, workers, scheduler, isolated):
        self.client = self.pool = None
        if scheduler:
            from distributed import Client
            self.client = Client(scheduler)
        else:
            n = workers or os.cpu_count() or 1
            self.pool = ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn"), initializer=worker.start,
                                            initargs=(os.getpid(), isolated))
            for _ in range(n):  # spawn the workers now: they import what notebooks need while jobs are prepared
                self.pool.submit(int)

    def submit(self, job):
        if self.client:
            return self.client.submit(worker.run, job, pure=False)
        return self.pool.submit(worker.run, job)

    def completed(self, futures):
        if self.client:
            from distributed import as_completed as dask_completed
            return dask_completed(list(futures))
        return as_completed(futures)

    def close(self):
        if self.client:
            self.client.close()
        else:
            self.pool.shutdown(cancel_futures=True)


def _result(future):
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 (a worker that fails must not stop the batch)
        return Result(stopped=f"the worker failed: {type(error).__name__}: {error}")


def _commit(course, assignment, student, jobs, results):
    """Write one student's grades through nbgrader, the clean verdict counting; record why a
    notebook stopped and where the notebook and the clean re-check disagree."""
    executed, stopped, verdicts, failed_recheck, seconds = {}, [], {}, {}, 0.0
    for name, result in results.items():
        job, digest = jobs[name]
        nb = result.notebook
        if nb is None:  # the worker could not run it: every test cell scores 0, with the reason
            nb = job.notebook
            notebook.mark_unrun(nb, result.stopped)
        executed[name] = nb
        if result.stopped:
            stopped.append(result.stopped)
        verdicts.update(found := result.recheck)
        failed_recheck[name] = {FUNCTIONS[fn].test_cell: f"{fn} passed in this notebook but failed when re-run in a clean "
                                              f"process, which decides the grade. {message}"
                                for fn, message in found.items() if message}
        seconds += result.seconds
    outcome = Outcome(student, reason="; ".join(stopped) or None, seconds=seconds)
    try:
        log, overruled = nbg.commit(course, assignment, student, executed, failed_recheck)
    except Exception as error:  # noqa: BLE001
        outcome.reason = f"nbgrader could not record the grades: {error}"
        return _record(course, assignment, student, digest, outcome)
    nbg.flag(course, assignment, student, overruled)
    cells = nbg.scores(course, assignment, student)
    outcome.score = sum(s for s, _ in cells.values())
    outcome.max_score = sum(m for _, m in cells.values())
    outcome.failed = sorted(g for g, (s, m) in cells.items() if s < m)
    failed_by_verdict = {cell for cells_ in overruled.values() for cell in cells_}
    ran = {c.metadata.nbgrader["grade_id"] for nb in executed.values() for c in nb.cells
           if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") and not _not_graded(c)}
    for fn, message in sorted(verdicts.items()):
        cell = FUNCTIONS[fn].test_cell
        if cell in failed_by_verdict:
            outcome.flags.append(f"{fn}: notebook passes, clean re-check fails (scored 0)")
        elif message is None and cell in outcome.failed and cell in ran:
            outcome.flags.append(f"{fn}: notebook fails, clean re-check passes (the notebook's score stands)")
    return _record(course, assignment, student, digest, outcome, log, verdicts)


def _not_graded(cell):
    return any(o.get("ename") == "NotGraded" for o in cell.get("outputs", []))


def _record(course, assignment, student, digest, outcome, log="", verdicts=None):
    logs = course.state_dir(assignment) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    lines = [f"student: {student}", f"score: {outcome.score} / {outcome.max_score}",
             f"failed: {', '.join(outcome.failed) or '-'}", f"reason: {outcome.reason or '-'}",
             f"flags: {'; '.join(outcome.flags) or '-'}", f"seconds: {outcome.seconds:.1f}", ""]
    for fn, message in sorted((verdicts or {}).items()):
        lines.append(f"clean re-check {fn}: {'passes' if message is None else message}")
    (logs / f"{student}.log").write_text("\n".join(lines) + "\n\nnbgrader:\n" + (log or ""))
    nbg.save_state(course, assignment, student, {
        "fingerprint": digest, "score": outcome.score, "max_score": outcome.max_score, "failed": outcome.failed,
        "reason": outcome.reason, "flags": outcome.flags})
    return outcome


def _write_csv(course, assignment, outcomes):
    path = course.root / f"rnnkit-grade-{assignment}.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "score", "max_score", "failed_tests", "not_graded_reason", "recheck_flags"])
        for o in outcomes:
            w.writerow([o.student, o.score, o.max_score, " ".join(o.failed), o.reason or "", "; ".join(o.flags)])


def summary(outcomes, out):
    """A table: per student the score, failed tests, and why it could not be graded."""
    width = max([7] + [len(o.student) for o in outcomes])
    out.write(f"{'student':<{width}}  {'score':>11}  failed tests / reason\n")
    for o in outcomes:
        score = f"{o.score:g} / {o.max_score:g}"
        note = ", ".join(cell_label(t) for t in o.failed) or "-"
        if o.reason:
            note = f"NOT GRADED: {o.reason}" if not o.max_score else f"{note}; STOPPED: {o.reason}"
        if o.flags:
            note += f"; FLAGGED: {'; '.join(o.flags)}"
        if o.skipped:
            note += " (unchanged, skipped)"
        out.write(f"{o.student:<{width}}  {score:>11}  {note}\n")
    bad = sum(not o.graded for o in outcomes)
    flagged = sum(bool(o.flags) for o in outcomes)
    out.write(f"{len(outcomes)} submissions: {len(outcomes) - bad} graded, {bad} with problems, {flagged} flagged\n")


class Progress:
    """done/failed/ETA on one terminal line; silent when stderr is not a terminal."""

    def __init__(self, total, done=0, stream=sys.stderr):
        self.total, self.done, self.failed, self.stream = total, done, 0, stream
        self.start, self.live = time.monotonic(), stream.isatty()
        self.first = done

    def update(self, outcome):
        self.done += 1
        self.failed += not outcome.graded
        if self.live:
            rate = (time.monotonic() - self.start) / max(self.done - self.first, 1)
            eta = rate * (self.total - self.done)
            filled = int(30 * self.done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} done, "
                              f"{self.failed} failed, ETA {eta:4.0f} s")
            self.stream.flush()

    def close(self):
        if self.live:
            self.stream.write("\n")
