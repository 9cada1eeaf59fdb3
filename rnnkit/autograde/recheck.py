"""The clean re-check: a submission's graded functions re-run in a fresh process.

A notebook can fool checks that share its kernel: an input transformer that empties the next
cell, a patched rnnkit.grading, a silenced traceback. Here, in a sandbox that shows only the
standard library, numpy and rnnkit (no torch, nothing the notebook's kernel wrote), the
student's code cells (every cell but the test cells) run in plain Python, statement by
statement, so that a failing import or a stray line costs nothing it did not cost in the
notebook. Then the graded functions run on the hidden inputs, watched as in the notebook, and
only their outputs go back, as plain data, to the coordinator, which compares them with
answers it computed before any student code ran.

stdin: {"cells": [...], "functions": [[name, forward], ...], "seeds": {name: seed},
        "cell_timeout": s, "memory": MB, "isolated": bool, "nonce": str}
stdout, last line: nonce + JSON {name: {"observed": rnnkit.grading.observe(...), encoded}
                                       | {"error": message}}
"""

import ast
import gc
import json
import os
import signal
import sys

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
