"""Grading a student's function: run it on inputs of several sizes, watched by `guard`, and
compare its outputs with the reference. `check` does both in one process, as a notebook's test
cell does; `outputs` runs a function in a clean process without torch, and `answers` and
`judge` compare its outputs elsewhere."""

import inspect
import os

import numpy as np

from rnnkit.grading import diagnosis, guard, specs
from rnnkit.grading.comparison import GradingError, wrong_outputs
from rnnkit.grading.specs import SPECS, WrongReturn

# The grader's own code that runs inside the watch; the rest of rnnkit may not run there.
_HARNESS = frozenset(m.__file__ for m in (guard, specs)) | {__file__}


def check(name, fn, forward=None, *, visible=False, seed=None):
    """Grade `fn` as the graded function `name`; `forward` is the student's forward pass that a
    backward function's cache comes from. Visible checks use fixed inputs; hidden ones fresh
    random inputs (the seed is printed with any failure, so it can be reproduced)."""
    if name not in SPECS:
        raise ValueError(f"name must be one of {sorted(SPECS)}, got {name!r}")
    spec = SPECS[name]
    try:
        _check_signature(spec, fn, forward)
        sizes = spec.visible if visible else spec.hidden
        seed = (1234 if visible else int.from_bytes(os.urandom(4), "little")) if seed is None else seed
        for i, size in enumerate(sizes):
            _check_one(spec, fn, forward, size, seed + i)
    except GradingError as error:
        message = str(error)
        guard.restore_error_display()
        if not visible:
            guard.report_failure("rnnkit grading: " + message)
        raise GradingError(message) from None
    print(f"{name}: correct on {len(sizes)} input size{'s' * (len(sizes) > 1)} ({'visible' if visible else 'hidden'} test)")


def prepare():
    """Load the references and mistake models (and torch) now, so that the first test answers
    at once. A clean re-check process sets RNNKIT_GRADING_CLEAN and skips this: it needs no torch."""
    if not os.environ.get("RNNKIT_GRADING_CLEAN"):
        import rnnkit.grading.mistake_models  # noqa: F401
        import rnnkit.reference  # noqa: F401


def answers(name, seed):
    """The right answers of the hidden check of `name` with `seed`: per input size, a list of
    outputs (for a backward function, [forward's outputs, backward's outputs])."""
    spec = SPECS[name]
    out = []
    for i, size in enumerate(spec.hidden):
        inputs = spec.make(np.random.default_rng(seed + i), size)
        right = spec.reference(inputs)
        out.append([SPECS[spec.forward].reference(inputs), right] if spec.forward else right)
    return out


def outputs(name, fn, forward=None, seed=0):
    """Run the hidden check's inputs through `fn` (watched, as `check` does) without judging
    them: what a clean process sends back to be compared with `answers(name, seed)` elsewhere.
    Raises GradingError for what needs no answer: torch calls, wrong structure, exceptions."""
    spec = SPECS[name]
    _check_signature(spec, fn, forward)
    out = []
    for i, size in enumerate(spec.hidden):
        if spec.forward:
            fw = _run(SPECS[spec.forward], forward, None, size, seed + i)[1]
            out.append([fw, _run(spec, fn, forward, size, seed + i)[1]])
        else:
            out.append(_run(spec, fn, forward, size, seed + i)[1])
    return out


def judge(name, got, expected, seed=0):
    """Compare `outputs(...)` with `answers(...)`; raises GradingError naming what differs."""
    spec = SPECS[name]
    for i, (size, mine, right) in enumerate(zip(spec.hidden, got, expected)):
        where = f"(input size {size}, seed {seed + i})"
        pairs = [(SPECS[spec.forward], mine[0], right[0]), (spec, mine[1], right[1])] if spec.forward else \
            [(spec, mine, right)]
        for s, m, r in pairs:
            wrong = wrong_outputs(s, m, r, where)
            if wrong:
                raise GradingError(f"{s.name} is wrong {where}: {', '.join(wrong)} differ from the reference.")


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


def _check_one(spec, fn, forward, size, seed):
    if spec.forward:  # a backward pass is checked on a cache from a forward pass that is right
        try:
            _check_one(SPECS[spec.forward], forward, None, size, seed)
        except GradingError as error:
            raise GradingError(f"{spec.name} cannot be checked until {spec.forward} is right, because it "
                               f"runs on {spec.forward}'s cache. {spec.forward}: {error}") from None
    inputs, outs = _run(spec, fn, forward, size, seed)
    where = f"(input size {size}, seed {seed})"
    right = spec.reference(inputs)
    wrong = wrong_outputs(spec, outs, right, where)
    if wrong:
        raise GradingError(diagnosis.wrong_answer(spec, outs, right, wrong, inputs, where))


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
