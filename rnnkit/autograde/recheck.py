"""The clean re-check: a submission's graded functions re-run in a fresh process.

A notebook can fool checks that share its kernel: an input transformer that empties the next
cell, a patched rnnkit.grading, a silenced traceback. Here, in a sandbox that shows only the
standard library, numpy and rnnkit (no torch, nothing the notebook's kernel wrote), the
student's code cells (every cell but the test cells) run in plain Python, statement by
statement, so that a failing import or a stray line costs nothing it did not cost in the
notebook. Then the graded functions run on the hidden inputs, watched as in the notebook, and
only what they gave goes back, as plain data, to the worker, outside the sandbox, which judges
it. `run` is the worker's side; `main` runs in the clean process, which has no psutil, IPython
or torch to import.

stdin: {"cells": [...], "functions": [[name, forward], ...], "seeds": {name: seed},
        "cell_timeout": s, "memory": MB, "isolated": bool, "nonce": str}
stdout, last line: nonce + JSON {name: {"observed": rnnkit.grading.observe(...), encoded}
                                       | {"error": message}}
"""

import ast
import gc
import json
import os
import secrets
import signal
import subprocess
import sys


# ---- the worker's side: ask for a clean re-check and read what it found -----------------------

def _is_test(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _python(source):
    """A cell's source as plain Python: IPython's magics and shell escapes become calls."""
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 (what IPython cannot read, Python will not run either)
        return source


def run(nb, job):
    """Run every code cell but the tests in a fresh sandbox with the submission's own files,
    then the graded functions on the hidden inputs: {name: what observe saw, or an error}."""
    from rnnkit.autograde import isolation
    from rnnkit.autograde.place import Place, kill_tree
    cells = [_python(c.source) for c in nb.cells if c.cell_type == "code" and not _is_test(c)]
    nonce = secrets.token_hex(16)
    request = {"cells": cells, "functions": [list(f) for f in job.functions], "seeds": job.seeds,
               "cell_timeout": job.execution.cell_timeout, "memory": job.limits.memory, "isolated": job.isolated,
               "nonce": nonce}
    with Place(job, "recheck") as place:
        with open(os.path.join(place.host, isolation.GRADER, "request.json"), "w") as f:
            json.dump(request, f)
        result = os.path.join(place.host, "runtime", "result")
        with open(result, "w"), open(result) as output:  # read through this descriptor: the name may be deleted
            process = place.start(["-m", "rnnkit.autograde.recheck"], {}, stdout=f"{place.seen}/runtime/result",
                                  stdin=f"{place.seen}/{isolation.GRADER}/request.json")
            try:
                process.wait(timeout=job.limits.timeout)
            except subprocess.TimeoutExpired:
                return {name: {"error": f"the clean re-check ran longer than {job.limits.timeout:g} s"}
                        for name, _ in job.functions}
            finally:
                kill_tree(process.pid)
            lines = [ln for ln in output.read().splitlines() if ln.startswith(nonce)]
    if not lines:
        why = f"the clean re-check process ended without a result (exit code {process.returncode})"
        return {name: {"error": why} for name, _ in job.functions}
    found = json.loads(lines[-1][len(nonce):])
    return {name: found.get(name, {"error": "no result"}) for name, _ in job.functions}


# ---- the clean process's side ------------------------------------------------------------------

class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


class _Shell:
    """Stands in for IPython: the worker turned magics into get_ipython() calls. Magics that
    time a statement or a cell run it once; every other magic and shell escape does nothing."""

    def __init__(self, namespace):
        self.namespace = namespace

    def run_line_magic(self, name, line, *args, **kwargs):
        if name in ("time", "timeit"):
            exec(compile(line, "<cell>", "exec"), self.namespace)

    def run_cell_magic(self, name, line, cell, *args, **kwargs):
        if name in ("time", "timeit", "capture"):
            exec(compile(cell, "<cell>", "exec"), self.namespace)

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def run_cell(source, namespace, timeout):
    """Each top-level statement on its own, errors ignored, the whole cell within `timeout` s.
    A cell that runs out of memory leaves no name behind, so that the rest can run."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    before = {name: id(value) for name, value in namespace.items()}
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        for statement in tree.body:
            try:
                exec(compile(ast.Module([statement], type_ignores=[]), "<cell>", "exec"), namespace)
            except _Timeout:
                raise
            except MemoryError:
                for name in [n for n, v in namespace.items() if before.get(n) != id(v)]:
                    del namespace[name]
                gc.collect()
                return
            except BaseException:  # noqa: BLE001 (the notebook's kernel reported it; here it only stops a line)
                pass
    except _Timeout:
        return
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main():
    import resource
    job = json.load(sys.stdin)
    limit, reserve = job["memory"] * 2**20, 512 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit + reserve))
    if job["isolated"]:
        from rnnkit.autograde.isolation import limit_resources
        limit_resources()
    os.environ["RNNKIT_GRADING_CLEAN"] = "1"  # the setup cell's prepare() loads no torch here
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # a notebook's extras skip themselves when graded
    results = os.fdopen(os.dup(1), "w")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # what the student's code prints, down to the file descriptor, goes nowhere
    os.dup2(null, 2)
    signal.signal(signal.SIGALRM, _alarm)
    from rnnkit.grading import GradingError, observe
    from rnnkit.grading.encoding import encode

    namespace = {"__name__": "__main__", "display": lambda *args, **kwargs: None}
    namespace["get_ipython"] = lambda: _Shell(namespace)
    for source in job["cells"]:
        run_cell(source, namespace, job["cell_timeout"])
    # A cell may have taken all the memory it may: the graded functions and the answer get the reserve.
    resource.setrlimit(resource.RLIMIT_AS, (limit + reserve, limit + reserve))
    found = {}
    for name, forward in job["functions"]:
        fn, fw = namespace.get(name), namespace.get(forward) if forward else None
        signal.setitimer(signal.ITIMER_REAL, job["cell_timeout"])
        try:
            found[name] = {"observed": encode(observe(name, fn, fw, job["seeds"][name]))}
        except GradingError as error:
            found[name] = {"error": str(error)}
        except _Timeout:
            found[name] = {"error": f"{name} ran longer than {job['cell_timeout']:g} s"}
        except BaseException as error:  # noqa: BLE001
            found[name] = {"error": f"{type(error).__name__}: {error}"}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    results.write("\n" + job["nonce"] + json.dumps(found) + "\n")
    results.flush()
    os._exit(0)  # nothing the student's code registered (atexit, finalizers) runs after this


if __name__ == "__main__":
    main()
