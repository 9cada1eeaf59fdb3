"""`rnnkit grade`: grade every submission of an assignment in parallel sandboxes, committing
each result to the gradebook from this process alone, as soon as it arrives."""

import csv
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from dataclasses import dataclass, field

from rnnkit import grading
from rnnkit.autograde import course as nbg
from rnnkit.autograde import sandbox
from rnnkit.autograde.clean import encode
from rnnkit.grading.assignments import cell_label, function_tested_by


@dataclass
class Outcome:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    failed: list = field(default_factory=list)   # test cells that scored less than their points
    reason: str = None                            # why it could not be graded (fully), or None
    flags: list = field(default_factory=list)     # differences from the clean re-check
    skipped: bool = False
    seconds: float = 0.0

    @property
    def graded(self):
        return self.reason is None


def grade(root, assignment, *, workers=None, timeout=600, force=False, students=None, scheduler=None,
          memory=2048, max_output=1_000_000, db_url=None, out=sys.stdout, progress=None):
    """Grade `assignment` in the course at `root`; returns a list of Outcome (one per student)."""
    course = nbg.load(root, db_url)
    names = nbg.notebooks(course, assignment)
    found = nbg.submissions(course, assignment, students)
    functions = _graded_functions(course, assignment, names)
    hide = [str(course.root / d) for d in (course.coursedir.source_directory, course.coursedir.submitted_directory,
                                           course.coursedir.autograded_directory, course.coursedir.feedback_directory,
                                           ".rnnkit-grade")] + [_db_path(course)]
    outcomes, jobs, futures = [], {}, {}
    pool = _Workers(workers, scheduler)  # starts now, while the coordinator prepares the jobs
    try:
        for student, path in found.items():
            outcome, prepared, digest = _prepare(course, assignment, student, path, names, force)
            if outcome:
                outcomes.append(outcome)
                continue
            for name, nb in prepared.items():
                fns = functions.get(name, [])
                seeds = {fn: int.from_bytes(os.urandom(4), "little") for fn, _ in fns}
                answers = {fn: encode(grading.answers(fn, seeds[fn])) for fn, _ in fns}
                job = dict(notebook=nb, config=nbg.execute_config(course), files=_files(path), functions=fns,
                           seeds=seeds, answers=answers, timeout=timeout, memory=memory, max_output=max_output,
                           hide=hide, fingerprint=digest)
                jobs.setdefault(student, {})[name] = job
                futures[pool.submit(job)] = (student, name)
        bar = progress or Progress(len(found), len(outcomes))
        results = {}
        for future in pool.completed(futures):
            student, name = futures[future]
            results.setdefault(student, {})[name] = _result(future)
            if len(results[student]) == len(jobs[student]):
                outcome = _commit(course, assignment, student, jobs[student], results.pop(student))
                outcomes.append(outcome)
                bar.update(outcome)
    finally:
        pool.close()
    bar.close()
    outcomes.sort(key=lambda o: o.student)
    _write_csv(course, assignment, outcomes)
    summary(outcomes, out)
    return outcomes


def _db_path(course):
    url = course.db_url
    return url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""


def _graded_functions(course, assignment, names):
    """{notebook: [[function, its forward]]} for test cells named test_<graded function>."""
    out = {}
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        for name in names:
            cells = gb.find_notebook(name, assignment).grade_cells
            out[name] = [[f.name, f.forward] for c in cells if (f := function_tested_by(c.name))]
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


def _files(path):
    """The submission's other files, copied into its sandbox."""
    return {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*")
            if p.is_file() and p.suffix != ".ipynb" and p.name != "timestamp.txt"}


class _Workers:
    """Local worker processes, or a Dask cluster: submit jobs, take results as they finish."""

    def __init__(self, workers, scheduler):
        self.client = self.pool = None
        if scheduler:
            from distributed import Client
            self.client = Client(scheduler)
        else:
            n = workers or os.cpu_count() or 1
            self.pool = ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn"), initializer=_warm)
            for _ in range(n):  # spawn the workers now: they import what notebooks need while jobs are prepared
                self.pool.submit(int)

    def submit(self, job):
        if self.client:
            return self.client.submit(sandbox.run, job, pure=False)
        return self.pool.submit(sandbox.run, job)

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


def _warm():
    """A worker imports what every notebook needs once, not once per notebook."""
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401

    import rnnkit.grading  # noqa: F401


def _result(future):
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 (a worker that fails must not stop the batch)
        return {"notebook": None, "reason": f"the worker failed: {type(error).__name__}: {error}", "clean": {}}


def _commit(course, assignment, student, jobs, results):
    """Write one student's grades through nbgrader; record the reason and the clean re-check."""
    executed, reasons, clean, seconds = {}, [], {}, 0.0
    for name, result in results.items():
        nb = result.get("notebook")
        if nb is None:  # killed for time or memory: every test cell scores 0, with the reason
            nb = jobs[name]["notebook"]
            sandbox.mark_unrun(nb, result["reason"])
        executed[name] = nb
        if result.get("reason"):
            reasons.append(result["reason"])
        clean.update(result.get("clean") or {})
        seconds += result.get("seconds", 0.0)
    outcome = Outcome(student, reason="; ".join(reasons) or None, seconds=seconds)
    digest = next(iter(jobs.values()))["fingerprint"]
    try:
        log = nbg.commit(course, assignment, student, executed)
    except Exception as error:  # noqa: BLE001
        outcome.reason = f"nbgrader could not record the grades: {error}"
        return _record(course, assignment, student, digest, outcome)
    cells = nbg.scores(course, assignment, student)
    outcome.score = sum(s for s, _ in cells.values())
    outcome.max_score = sum(m for _, m in cells.values())
    outcome.failed = sorted(g for g, (s, m) in cells.items() if s < m)
    for fn, message in sorted(clean.items()):
        passed_here = f"test_{fn}" in cells and f"test_{fn}" not in outcome.failed
        if passed_here != (message is None):
            outcome.flags.append(f"{fn}: notebook {'passes' if passed_here else 'fails'}, "
                                 f"clean re-check {'fails' if message else 'passes'}")
    return _record(course, assignment, student, digest, outcome, log, clean)


def _record(course, assignment, student, digest, outcome, log="", clean=None):
    logs = course.state_dir(assignment) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    lines = [f"student: {student}", f"score: {outcome.score} / {outcome.max_score}",
             f"failed: {', '.join(outcome.failed) or '-'}", f"reason: {outcome.reason or '-'}",
             f"flags: {'; '.join(outcome.flags) or '-'}", f"seconds: {outcome.seconds:.1f}", ""]
    for fn, message in sorted((clean or {}).items()):
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
        w.writerow(["student", "score", "max_score", "failed_tests", "not_graded_reason", "tamper_flags"])
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
