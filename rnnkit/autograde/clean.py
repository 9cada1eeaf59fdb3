"""Re-run a submission's graded functions in a clean process, independent of its notebook run.

A notebook can fool checks that share its kernel: an input transformer that empties the next
cell, a patched rnnkit.grading, a silenced traceback. Here the student's code cells run in
plain Python (no IPython), the graded functions are called on the hidden inputs (watched for
torch as in the notebook), and only their outputs are sent back, as plain data, to the runner,
which compares them with answers computed before the student's code ever ran.

stdin: {"cells": [...], "functions": [[name, forward], ...], "seeds": {name: seed}, "nonce": str}
stdout, last line: nonce + JSON {name: {"outputs": encoded} | {"error": message}}
"""

import base64
import contextlib
import io
import json
import os
import sys

import numpy as np

_DTYPES = {"float64", "float32", "float16", "int64", "int32", "bool"}


def encode(obj):
    """Outputs as JSON-safe data: arrays become {"a": [dtype, shape, base64 bytes]}."""
    if isinstance(obj, (list, tuple)):
        return [encode(o) for o in obj]
    if isinstance(obj, dict):
        return {"d": {str(k): encode(v) for k, v in obj.items()}}
    if isinstance(obj, np.ndarray) and obj.dtype.name in _DTYPES:
        a = np.ascontiguousarray(obj)
        return {"a": [a.dtype.name, list(a.shape), base64.b64encode(a.tobytes()).decode()]}
    if isinstance(obj, (float, int, np.floating, np.integer)) and not isinstance(obj, bool):
        return {"f": float(obj)}
    return {"x": type(obj).__name__}


def decode(obj):
    """The inverse of encode; never unpickles: the data came from student code."""
    if isinstance(obj, list):
        return [decode(o) for o in obj]
    if "d" in obj:
        return {k: decode(v) for k, v in obj["d"].items()}
    if "a" in obj:
        dtype, shape, data = obj["a"]
        if dtype not in _DTYPES:
            raise ValueError(f"unexpected dtype {dtype!r}")
        return np.frombuffer(base64.b64decode(data), dtype=dtype).reshape(shape).copy()
    if "f" in obj:
        return float(obj["f"])
    return _Opaque(obj["x"])


class _Opaque:
    """Stands for something that was not an array: the comparison names its type."""

    def __init__(self, name):
        self.name = name


def main():
    os.environ["RNNKIT_GRADING_CLEAN"] = "1"  # the setup cell's prepare() loads no torch here
    job = json.load(sys.stdin)
    out = sys.stdout
    ns = {"__name__": "__main__"}
    for source in job["cells"]:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                exec(compile(source, "<cell>", "exec"), ns)
            except BaseException:  # noqa: BLE001 (a broken cell is the notebook's own problem)
                pass
    from rnnkit.grading import GradingError, outputs

    results = {}
    for name, forward in job["functions"]:
        fn, fw = ns.get(name), ns.get(forward) if forward else None
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                results[name] = {"outputs": encode(outputs(name, fn, fw, job["seeds"][name]))}
        except GradingError as error:
            results[name] = {"error": str(error)}
        except BaseException as error:  # noqa: BLE001
            results[name] = {"error": f"{type(error).__name__}: {error}"}
    out.write("\n" + job["nonce"] + json.dumps(results) + "\n")
    out.flush()
    os._exit(0)  # nothing the student's code registered (atexit, finalizers) runs after this


if __name__ == "__main__":
    main()
