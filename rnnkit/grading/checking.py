"""Grading a student's function: run it on inputs of several sizes, watched by `guard`, and
compare its outputs with the reference. `check` does both in one process, as a notebook's test
cell does; `observe` only runs it (in a process without torch), and `verdict` judges what it
observed elsewhere, with the same message."""

import inspect
import os

import numpy as np

from rnnkit.grading import diagnosis, guard, remote, specs
from rnnkit.grading.comparison import GradingError, compare, types
from rnnkit.grading.findings import Finding, Note
from rnnkit.grading.specs import SPECS, WrongReturn

# The grader's own code that runs inside the watch; the rest of rnnkit may not run there.
_HARNESS = frozenset(m.__file__ for m in (guard, specs, specs.base, specs.cells, specs.numerics, specs.attention)) | {
    __file__}
VISIBLE_SEED = 1234  # the visible test's inputs are the same for everyone, every time


def check(name, fn, forward=None, *, visible=False, seed=None):
    """Grade `fn` as the graded function `name`; `forward` is the student's forward pass that a
    backward function's cache comes from. Visible checks use fixed inputs; hidden ones fresh
    random inputs (the seed is printed with any failure, so it can be reproduced)."""
    if seed is None:
        seed = VISIBLE_SEED if visible else remote.hidden_seed(name)
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
    try:
        observed = observe(name, fn, forward, seed, visible=visible)
        if remote.active():  # graded by rnnkit grade: the worker, which has torch, judges
            message = remote.ask(name, visible, seed, observed)
        else:
            message = verdict(name, observed, seed, visible=visible)
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
    judging: per size, [what `forward` gave or None, what `fn` gave]. Each is a dict, either
    {"outputs": the outputs} with, where it happened, "modified": [names of the inputs it changed
    in place] and "warnings": [RuntimeWarnings' messages], or {"problem": what stopped it (an
    exception, a forbidden call, a wrong structure), "finding": its rnnkit.grading.findings key}.
    What a process without torch sends back (as rnnkit.grading.encoding data), to be judged by
    `verdict`. A problem before any input (not a function, the wrong arguments) raises
    GradingError."""
    spec = _spec(name)
    _check_signature(spec, fn, forward)
    return [_observe(spec, fn, forward, size, seed + i) for i, size in enumerate(_sizes(spec, visible))]


def verdict(name, observed, seed=0, *, visible=False):
    """None if `observe(name, ..., seed, visible=visible)` gave right outputs on every size,
    else the message `check` raises: about the first size that is wrong, with what the other
    sizes show besides (rnnkit.grading.diagnosis.message). A backward function is judged on a
    cache from a forward pass that is right on every size; else the message is the forward's."""
    spec = _spec(name)
    sizes = _sizes(spec, visible)
    if not _whole(spec, observed, sizes):  # data from another process: a run left out cannot pass
        return diagnosis.problem(f"{name} was not observed on every input size of its check.", Finding.WRONG_RETURN)
    runs = [r[1] for r in observed]
    if spec.forward:
        forward = SPECS[spec.forward]
        before = diagnosis.message(forward, _cases(forward, [r[0] for r in observed], sizes, seed))
        if before:
            return diagnosis.needs_forward(spec, before, _cases(spec, runs, sizes, seed, judge=False))
    return diagnosis.message(spec, _cases(spec, runs, sizes, seed))


def _whole(spec, observed, sizes):
    """Whether `observed` has a [forward's run, the function's run] of dicts for every size."""
    return isinstance(observed, list) and len(observed) == len(sizes) and all(
        isinstance(runs, (list, tuple)) and len(runs) == 2 and isinstance(runs[1], dict)
        and (isinstance(runs[0], dict) or not spec.forward) for runs in observed)


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
        outs, modified, warned = _run(spec, fn, forward, size, seed)
    except _Stopped as stopped:
        return {"problem": stopped.text, "finding": stopped.kind.name.lower()}
    got = {"outputs": outs}
    if modified:
        got["modified"] = modified
    if warned:
        got["warnings"] = warned
    return got


def _cases(spec, runs, sizes, seed, judge=True):
    """diagnosis.Cases of what each size's run gave; with `judge`, compared with the right answers."""
    cases = []
    for i, (size, got) in enumerate(zip(sizes, runs)):
        make = (lambda s, sd: lambda: spec.make(np.random.default_rng(sd), s))(size, seed + i)
        case = diagnosis.Case(size, seed + i, make)
        if "problem" in got:
            kind = str(got.get("finding", "raised")).upper()
            case.problem, case.problem_kind = str(got["problem"]), Finding.__members__.get(kind, Finding.RAISED)
        elif not isinstance(got.get("outputs"), list) or len(got["outputs"]) != len(spec.outputs):
            # observe() always sends one output per name: anything else was not made by it
            case.problem, case.problem_kind = f"{spec.name}'s outputs were not observed whole.", Finding.WRONG_RETURN
        else:
            case.notes = tuple(_notes(spec, got))
            if judge:
                case.comparison = compare(spec, got["outputs"], _right_answer(spec.name, size, seed + i))
            else:  # no right answer to compare with: what the outputs' types show
                case.notes += tuple(types(spec, got["outputs"]))
        cases.append(case)
    return cases


def _notes(spec, got):
    """What a run shows that needs no right answer: inputs modified in place, overflow."""
    if got.get("modified"):
        names = got["modified"]
        yield Note(Finding.MODIFIED_INPUT,
                   f"{spec.name} modified its input{'s' * (len(names) > 1)} {', '.join(names)} in place: compute new "
                   f"arrays (g * scale instead of g *= scale; np.clip without out=; a copy before changing an "
                   f"array) and leave the inputs unchanged.")
    if got.get("warnings") and spec.stability:
        yield Note(Finding.UNSTABLE, f"{spec.name} is not numerically stable: {got['warnings'][0]}. {spec.stability}")


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
        raise GradingError(diagnosis.problem(f"{spec.name} is not a function (got {type(fn).__name__}); define it "
                                             f"with def.", Finding.NOT_A_FUNCTION))
    for label, f in ((spec.name, fn), (spec.forward, forward)):
        if label is None:
            continue
        if f is None:
            raise GradingError(diagnosis.problem(f"checking {spec.name} needs your {label}: pass it to check().",
                                                 Finding.WRONG_SIGNATURE))
        try:
            sig = inspect.signature(f)
            n = len(SPECS[label].args)
            sig.bind(*range(n))
        except TypeError:
            raise GradingError(diagnosis.problem(f"{label} must take the arguments ({', '.join(SPECS[label].args)}), "
                                                 f"as its docstring says; yours takes {sig}.",
                                                 Finding.WRONG_SIGNATURE)) from None
        except ValueError:
            pass


class _Stopped(Exception):
    """What stopped a graded function before it gave outputs: the text and its kind."""

    def __init__(self, text, kind):
        super().__init__(text)
        self.text, self.kind = text, kind


def _run(spec, fn, forward, size, seed):
    """The student's outputs on the spec's inputs, watched, with the names of the inputs they
    modified in place and the RuntimeWarnings they raised; _Stopped for what ends a run whatever
    the right answer: forbidden calls, exceptions, a wrong structure."""
    where = f"(input size {size}, seed {seed})"
    inputs = spec.make(np.random.default_rng(seed), size)
    pristine = _copy(inputs)
    student_inputs = {k: v for k, v in _copy(inputs).items() if not k.startswith("_")}
    try:
        outs, caught = guard.call(lambda: spec.run(fn, forward, student_inputs), post=guard.plain, harness=_HARNESS)
    except guard.Forbidden as forbidden:
        raise _Stopped(
            f"{spec.name} (or the function it calls) runs {forbidden}. Graded functions must compute with "
            f"NumPy alone: calling torch, rnnkit or another library does the exercise for you, so this "
            f"function earns 0.", Finding.FORBIDDEN) from None
    except WrongReturn as wrong:
        raise _Stopped(f"{wrong} {where}. See the docstring for what to return.", Finding.WRONG_RETURN) from None
    except NotImplementedError:
        raise _Stopped(f"{spec.name} is not implemented yet (it raises NotImplementedError).",
                       Finding.NOT_IMPLEMENTED) from None
    except Exception as error:  # the student's code raised: show what and where to look
        raise _Stopped(f"{spec.name} raised {type(error).__name__}: {error} {where}.{diagnosis.error_hint(error)}",
                       Finding.RAISED) from None
    modified = [k for k, v in pristine.items() if not k.startswith("_") and not _same(student_inputs[k], v)]
    warned = list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)))[:3]
    return outs, modified, warned


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
