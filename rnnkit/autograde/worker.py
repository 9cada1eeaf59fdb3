"""What a worker does with one job: run the notebook (rnnkit.autograde.notebook), then
re-check its graded functions in a clean process (rnnkit.autograde.recheck), each in a
sandbox of its own, and judge what both observed with the references it imported once.
`run(job)` needs no gradebook and returns plain data (rnnkit.autograde.job), so the
coordinating process stays the only writer of grades."""

import json
import time

from rnnkit.autograde import isolation, notebook, recheck
from rnnkit.autograde.job import Result


def run(job):
    """Execute job.notebook in a sandbox, then re-check its functions in another; a Result."""
    start = time.monotonic()
    nb, stopped = notebook.run(job, _verdict)
    try:
        found = _judge(job, recheck.run(nb, job)) if job.functions else {}
    except Exception as error:  # noqa: BLE001 (the notebook's result stands without the re-check)
        found = {name: f"the clean re-check could not run: {type(error).__name__}: {error}"
                 for name, _ in job.functions}
    return Result(notebook=nb, stopped=stopped, recheck=found, seconds=time.monotonic() - start)


def start(coordinator, isolated=True):
    """A local worker process: it dies with the coordinator, SIGKILL included (and its pools'
    sandboxes with it: bwrap dies with its parent), and imports what every job needs once,
    while the sandboxes of its pools start."""
    isolation.die_with(coordinator)
    if isolated:
        _start_pools()
    warm()


def _start_pools():
    """Start the pools most jobs use, whose servers import their modules while this process
    imports its own. (Here, not in a thread: a sandbox dies with the thread that started it.)
    A pool that cannot start says why to the job that needs it."""
    from rnnkit.autograde import pools
    for kind in ("kernel", "recheck"):
        try:
            pools.get(kind)
        except Exception:  # noqa: BLE001, S110 (the job starts it again, and reports the error)
            pass


def warm():
    """Import once, in a worker process, what every job needs: the notebook machinery, and the
    references and mistake models (torch) that judge what sandboxes observe."""
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401

    import rnnkit.grading.mistake_models  # noqa: F401
    import rnnkit.reference  # noqa: F401


_VERDICTS = {}  # (name, visible, seed, what was observed) -> message: a class makes the same mistakes


def _verdict(name, visible, seed, observed):
    """The verdict on what a kernel observed (rnnkit.grading.remote), the same for the same."""
    from rnnkit.grading import verdict
    from rnnkit.grading.encoding import encode
    key = (name, visible, seed, json.dumps(encode(observed), sort_keys=True))
    if key not in _VERDICTS:
        if len(_VERDICTS) > 4096:
            _VERDICTS.clear()
        _VERDICTS[key] = verdict(name, observed, seed, visible=visible)
    return _VERDICTS[key]


def _judge(job, observed):
    """{function: None if what the clean re-check observed is right, else why not}."""
    from rnnkit.grading.encoding import decode
    verdicts = {}
    for name, _ in job.functions:
        got = observed.get(name) or {"error": "the clean re-check gave no result"}
        try:
            verdicts[name] = got["error"] if "error" in got else _verdict(name, False, job.seeds[name],
                                                                          decode(got["observed"]))
        except Exception as error:  # noqa: BLE001 (malformed outputs are wrong outputs)
            verdicts[name] = f"unreadable outputs: {type(error).__name__}: {error}"
    return verdicts
