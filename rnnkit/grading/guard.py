"""What a notebook cannot undo: references taken when rnnkit.grading is first imported.

The exercise notebooks import rnnkit.grading in a locked first cell, before any student code
runs. Everything the grader relies on afterwards comes from here: NumPy's C-level functions (a
notebook may replace `np.allclose` or `np.testing`), the kernel's stderr stream and IPython's
traceback display (a notebook may silence them), and the profiler that watches a graded call
for torch, rnnkit or another array library doing the work.
"""

import importlib.util
import os
import sys
import threading
import warnings

import numpy as np

# C functions and ufuncs: a notebook can rebind np.<name>, but not change these objects.
_array, _ndarray, _float64 = np.array, np.ndarray, np.float64
_subtract, _absolute, _isfinite = np.subtract, np.absolute, np.isfinite
_max, _all, _any, _not_equal = np.maximum.reduce, np.logical_and.reduce, np.logical_or.reduce, np.not_equal
_errstate = np.errstate
_setprofile, _getprofile, _thread_setprofile = sys.setprofile, sys.getprofile, threading.setprofile
_stderr = sys.stderr
_stderr_write, _stderr_flush = type(sys.stderr).write, type(sys.stderr).flush
_catch_warnings = warnings.catch_warnings
_simplefilter = warnings.simplefilter

_FORBIDDEN = ("torch", "rnnkit", "scipy", "jax", "jaxlib", "tensorflow", "autograd", "cupy", "numba", "sklearn")
_PROCESS_CALLS = {"fork", "fork_exec", "system", "posix_spawn", "posix_spawnp", "execv", "execve",
                  "start_new_thread", "start_joinable_thread", "setprofile", "settrace", "_exit"}
_HERE = os.path.dirname(os.path.abspath(__file__))


def _package_dirs():
    """Directories whose code a graded function may not run: torch, rnnkit, other array libraries."""
    dirs = []
    for name in _FORBIDDEN:
        try:
            spec = importlib.util.find_spec(name)  # locates the package without importing it
        except (ImportError, ValueError):
            spec = None
        for path in (spec and spec.submodule_search_locations) or []:
            dirs.append(os.path.realpath(path) + os.sep)
    dirs.append(os.path.realpath(os.path.join(_HERE, os.pardir)) + os.sep)  # rnnkit itself
    return tuple(dirs)


_DIRS = _package_dirs()


def _traceback_methods():
    """IPython's traceback display, per class, as it is now (before any notebook code)."""
    try:
        shell = get_ipython()  # noqa: F821 (defined inside IPython only)
    except NameError:
        return None, []
    names = ("showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror", "_get_exc_info")
    saved = [(cls, name, cls.__dict__[name]) for cls in type(shell).__mro__ for name in names if name in cls.__dict__]
    return shell, saved


_SHELL, _SHELL_METHODS = _traceback_methods()


def restore_error_display():
    """Put IPython's traceback display back, so that a failing test shows as an error."""
    for cls, name, fn in _SHELL_METHODS:
        if cls.__dict__.get(name) is not fn:
            setattr(cls, name, fn)
        _SHELL.__dict__.pop(name, None)


def report_failure(message):
    """Write `message` to the kernel's own stderr: nbgrader scores a test cell with stderr 0."""
    try:
        _stderr_write(_stderr, message.rstrip("\n") + "\n")
        _stderr_flush(_stderr)
    except Exception:  # a broken stream must not hide the AssertionError raised next
        pass


class Forbidden(Exception):
    """A graded function ran torch, rnnkit or another library's code, or started a process."""


def _origin(frame, event, arg, dirs, harness):
    """Why this profiler event is forbidden, or None. The grader's harness code may run; the
    references and mistake models (rnnkit.reference, rnnkit.grading.mistake_models) and torch
    may not."""
    if event == "call":
        path = frame.f_code.co_filename
        if path.startswith(dirs) and path not in harness:
            return f"{frame.f_globals.get('__name__', path)}.{frame.f_code.co_name}"
    elif event == "c_call":
        owner = getattr(arg, "__self__", None)
        module = getattr(arg, "__module__", None) or type(owner).__module__ or ""
        if module.split(".")[0] in _FORBIDDEN:
            return f"{module}.{getattr(arg, '__name__', '?')}"
        if getattr(arg, "__name__", "") in _PROCESS_CALLS and module.split(".")[0] in (
                "posix", "os", "_posixsubprocess", "_thread", "sys", "threading", "nt"):
            return f"{module}.{arg.__name__}"
    return None


def call(fn, post=None, harness=frozenset()):
    """Run post(fn()) watched: returns (result, warnings); raises Forbidden naming the culprit.

    Warnings are recorded, not printed (stderr would cost the test cell its points). `post`
    converts the result's arrays inside the watch, so a lazy object cannot compute later.
    `harness` holds the files of the grader's own code that `fn` and `post` run through.
    """
    dirs, seen, watching = _DIRS, [], [True]

    def profiler(frame, event, arg):
        if watching[0] and not seen:
            culprit = _origin(frame, event, arg, dirs, harness)
            if culprit:
                seen.append(culprit)

    with _catch_warnings(record=True) as caught:
        _simplefilter("always")
        with _errstate(all="warn", under="ignore"):
            _thread_setprofile(profiler)
            _setprofile(profiler)
            try:
                result = fn()
                result = result if post is None else post(result)
            except BaseException:
                if seen:  # calling torch comes first, whatever went wrong after it
                    raise Forbidden(seen[0]) from None
                raise
            finally:
                watching[0] = False
                tampered = _getprofile() is not profiler
                _setprofile(None)
                _thread_setprofile(None)
    if seen:
        raise Forbidden(seen[0])
    if tampered:
        raise Forbidden("sys.setprofile (the graded function switched off the grader's watch)")
    return result, list(caught)


def plain(obj):
    """Arrays (and subclasses) as fresh base ndarrays; tuples, lists and dicts walked."""
    if isinstance(obj, (tuple, list)):
        return [plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in dict.items(obj)}
    if issubclass(type(obj), _ndarray):
        return _array(obj, copy=True, subok=False)
    return obj


def is_array(a):
    return type(a) is _ndarray


def max_abs(a):
    return float(_max(_absolute(a), axis=None)) if a.size else 0.0


def max_diff(a, b):
    return float(_max(_absolute(_subtract(a, b)), axis=None)) if a.size else 0.0


def equal(a, b):
    """Same shape and the same entries, for arrays of any dtype."""
    return a.shape == b.shape and not (a.size and bool(_any(_not_equal(a, b), axis=None)))


def all_finite(a):
    return bool(_all(_isfinite(a), axis=None)) if a.size else True


def as_float64(a):
    return _array(a, dtype=_float64, copy=True)
