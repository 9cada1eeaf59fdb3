"""Grading a student's function: run it on inputs of several sizes, watched by `guard`, and
compare its outputs with the reference. `check` does both in one process, as a notebook's test
cell does; `observe` only runs it (in a process without torch), and `verdict` judges what it
observed elsewhere, with the same message."""

import inspect
import os

import numpy as np

from rnnkit.grading import diagnosis, guard, remote, specs
from rnnkit.grading.comparison import GradingError, wrong_outputs
from rnnkit.grading.specs import SPECS, WrongReturn

# The grader's own code that runs inside the watch; the rest of rnnkit may not run there.
_HARNESS = frozenset(m.__file__ for m in (guard, specs)) | {__file__}
VISIBLE_SEED = 1234  # the visible test's inputs are the same for everyone, every time


def check(name, fn, forward=None, *, visible=False, seed=None):
    """Grade `fn` as the graded function `name`; `forward` is the student's forward pass that a
    backward function's cache comes from. Visible checks use fixed inputs; hidden ones fresh
    random inputs (the seed is printed with any failure, so it can be reproduced)."""
    spec = _spec(name)
    sizes = _sizes(spec, visible)
    if seed is None:
        seed = VISIBLE_SEED if visible else remote.hidden_seed(name)
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
    try:
        _check_signature(spec, fn, forward)
        for i, size in enumerate(sizes):  # one size at a time: the first wrong one ends the check
            runs = _observe(spec, fn, forward, size, seed + i)
            if remote.active():  # graded by rnnkit grade: a process with torch judges
                message = remote.ask(name, visible, i, seed + i, runs)
            else:
                message = _verdict(spec, runs, size, seed + i)
            if message:
                raise GradingError(message)
    except GradingError as error:
        message = str(error)
        guard.restore_error_display()
        if not visible:
            guard.report_failure("rnnkit grading: " + message)
        raise GradingError(message) from None
    print(passed(name, visible))


def passed(name, visible):
    """The line `check` prints for a function that is right."""
    n = len(_sizes(_spec(name), visible))
    return f"{name}: correct on {n} input size{'s' * (n > 1)} ({'visible' if visible else 'hidden'} test)"


def prepare():
    """Load the references and mistake models (and torch) now, so that the first test answers
    at once. Where another process judges (a kernel graded by rnnkit grade, a clean re-check
    that sets RNNKIT_GRADING_CLEAN), torch is not needed and not loaded."""
    if not os.environ.get("RNNKIT_GRADING_CLEAN") and not remote.active():
        import rnnkit.grading.mistake_models  # noqa: F401
        import rnnkit.reference  # noqa: F401


def observe(name, fn, forward=None, seed=0, *, visible=False):
    """Run `fn` on the inputs of every size of the check, watched as `check` does, without
    judging: per size, [what `forward` gave or None, what `fn` gave], each {"outputs": the
    outputs} or {"problem": what needs no right answer to be seen: an exception, a forbidden
    call, an input modified in place...}. What a process without torch sends back (as
    rnnkit.grading.encoding data), to be judged by `verdict`. A problem before any input (not
    a function, the wrong arguments) raises GradingError."""
    spec = _spec(name)
    _check_signature(spec, fn, forward)
    return [_observe(spec, fn, forward, size, seed + i) for i, size in enumerate(_sizes(spec, visible))]


def verdict(name, observed, seed=0, *, visible=False):
    """None if `observe(name, ..., seed, visible=visible)` gave right outputs on every size,
    else the message `check` would raise, for the first size that is wrong."""
    spec = _spec(name)
    for i, (size, runs) in enumerate(zip(_sizes(spec, visible), observed)):
        message = _verdict(spec, runs, size, seed + i)
        if message:
            return message
    return None


def size_verdict(name, index, seed, runs, *, visible=False):
    """The verdict on the runs of one size, number `index` of the check: what a process with
    torch answers a kernel that observed them (rnnkit.grading.remote)."""
    spec = _spec(name)
    return _verdict(spec, runs, _sizes(spec, visible)[index], seed)


def _spec(name):
    if name not in SPECS:
        raise ValueError(f"name must be one of {sorted(SPECS)}, got {name!r}")
    return SPECS[name]


def _sizes(spec, visible):
    return spec.visible if visible else spec.hidden


def _observe(spec, fn, forward, size, seed):
    before = _outputs_or_problem(SPECS[spec.forward], forward, None, size, seed) if spec.forward else None
    return [before, _outputs_or_problem(spec, fn, forward, size, seed)]


def _outputs_or_problem(spec, fn, forward, size, seed):
    try:
        return {"outputs": _run(spec, fn, forward, size, seed)[1]}
    except GradingError as error:
        return {"problem": str(error)}


def _verdict(spec, runs, size, seed):
    """The message for one size's [what forward gave, what the function gave], or None where
    both are right. A backward function is judged on a cache from a forward pass that is right."""
    before, run = runs
    if spec.forward:
        message = _size_verdict(SPECS[spec.forward], before, size, seed)
        if message:
            return (f"{spec.name} cannot be checked until {spec.forward} is right, because it runs on "
                    f"{spec.forward}'s cache. {spec.forward}: {message}")
    return _size_verdict(spec, run, size, seed)


def _size_verdict(spec, got, size, seed):
    if "problem" in got:
        return got["problem"]
    where = f"(input size {size}, seed {seed})"
    right = _right_answer(spec.name, size, seed)
    try:
        wrong = wrong_outputs(spec, got["outputs"], right, where)
    except GradingError as error:
        return str(error)
    if not wrong:
        return None
    inputs = spec.make(np.random.default_rng(seed), size)
    return diagnosis.wrong_answer(spec, got["outputs"], right, wrong, inputs, where)


_ANSWERS = {}  # (name, size, seed) -> the right outputs: a class graded with one seed computes each once


def _right_answer(name, size, seed):
    key = (name, repr(size), seed)
    if key not in _ANSWERS:
        if len(_ANSWERS) > 256:
            _ANSWERS.clear()
        spec = SPECS[name]
        _ANSWERS[key] = spec.reference(spec.make(np.random.default_rng(seed), size))
    return _ANSWERS[key]


def _check_signature(spec, fn, forward):
    if not callable(fn):
        raise GradingError(f"{spec.name} is not a function (got {type(fn).__name__}); define it with def.")
    for label, f in ((spec.name, fn), (spec.forward, forward)):
        if label is None:
            continue
        if f is None:
            raise GradingError(f"checking {spec.name} needs your {label}: pass it to check().")
        try:
            sig = inspect.signature(f)
            n = len(SPECS[label].args)
            sig.bind(*range(n))
        except TypeError:
            raise GradingError(f"{label} must take the arguments ({', '.join(SPECS[label].args)}), "
                               f"as its docstring says; yours takes {sig}.") from None
        except ValueError:
            pass


def _run(spec, fn, forward, size, seed):
    """The spec's inputs and the student's outputs on them, watched; GradingError for what is
    wrong whatever the right answer: forbidden calls, exceptions, modified inputs, overflow."""
    where = f"(input size {size}, seed {seed})"
    inputs = spec.make(np.random.default_rng(seed), size)
    pristine = _copy(inputs)
    student_inputs = {k: v for k, v in _copy(inputs).items() if not k.startswith("_")}
    try:
        outs, caught = guard.call(lambda: spec.run(fn, forward, student_inputs), post=guard.plain, harness=_HARNESS)
    except guard.Forbidden as forbidden:
        raise GradingError(
            f"{spec.name} (or the function it calls) runs {forbidden}. Graded functions must compute with "
            f"NumPy alone: calling torch, rnnkit or another library does the exercise for you, so this "
            f"function earns 0.") from None
    except WrongReturn as wrong:
        raise GradingError(f"{wrong} {where}. See the docstring for what to return.") from None
    except NotImplementedError:
        raise GradingError(f"{spec.name} is not implemented yet (it raises NotImplementedError).") from None
    except Exception as error:  # the student's code raised: show what and where to look
        raise GradingError(f"{spec.name} raised {type(error).__name__}: {error} {where}."
                           f"{diagnosis.error_hint(error)}") from None
    for k, v in pristine.items():
        if not k.startswith("_") and not _same(student_inputs[k], v):
            raise GradingError(f"{spec.name} modified its input {k} in place {where}; "
                               f"compute new arrays and leave the inputs unchanged.")
    overflow = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if overflow and spec.stability:
        raise GradingError(f"{spec.name} is not numerically stable: {overflow[0].message} {where}. "
                           f"{spec.stability} {diagnosis.see_the_book(spec)}")
    return inputs, outs


def _copy(obj):
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    return obj.copy() if isinstance(obj, np.ndarray) else obj


def _same(a, b):
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, np.ndarray):
        a = guard.plain(a)
        return guard.is_array(a) and guard.equal(a, b)
    return a is b or a == b
