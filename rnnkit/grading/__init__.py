"""Checks for the graded exercises: compare a student's NumPy function with rnnkit.reference
and, when it is wrong, name the most likely mistake.

An exercise notebook imports this module in its locked first cell, before any student code,
so that `guard` keeps untouched references to what grading relies on. Test cells then call::

    check("rnn_step_forward", rnn_step_forward, visible=True)   # visible test: fixed inputs
    check("rnn_step_backward", rnn_step_backward, rnn_step_forward)  # hidden test: fresh inputs

A correct function prints one line; a wrong one raises `GradingError` with the diagnosis
(and writes it to stderr, which nbgrader also counts as a failure).
"""

import inspect
import os

import numpy as np

from rnnkit.grading import guard
from rnnkit.grading.tasks import CHAPTERS, TASKS, WrongReturn

__all__ = ["check", "prepare", "answers", "outputs", "judge", "GradingError", "TASKS"]

RTOL, ATOL = 1e-6, 1e-9  # relative to the size of the right answer; float64 rounding is ~1e-15


class GradingError(AssertionError):
    """A graded function gave a wrong answer; the message says which and why."""


def check(name, fn, forward=None, *, visible=False, seed=None):
    """Grade `fn` as the graded function `name`; `forward` is the student's forward pass that a
    backward function's cache comes from. Visible checks use fixed inputs; hidden ones fresh
    random inputs (the seed is printed with any failure, so it can be reproduced)."""
    if name not in TASKS:
        raise ValueError(f"name must be one of {sorted(TASKS)}, got {name!r}")
    task = TASKS[name]
    try:
        _check_signature(task, fn, forward)
        sizes = task.visible if visible else task.hidden
        seed = (1234 if visible else int.from_bytes(os.urandom(4), "little")) if seed is None else seed
        for i, size in enumerate(sizes):
            _check_one(task, fn, forward, size, seed + i)
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
        import rnnkit.grading.mistakes  # noqa: F401
        import rnnkit.reference  # noqa: F401


def answers(name, seed):
    """The right answers of the hidden check of `name` with `seed`: per input size, a list of
    outputs (for a backward function, [forward's outputs, backward's outputs])."""
    task = TASKS[name]
    out = []
    for i, size in enumerate(task.hidden):
        inputs = task.make(np.random.default_rng(seed + i), size)
        right = task.reference(inputs)
        out.append([TASKS[task.forward].reference(inputs), right] if task.forward else right)
    return out


def outputs(name, fn, forward=None, seed=0):
    """Run the hidden check's inputs through `fn` (watched, as `check` does) without judging
    them: what a clean process sends back to be compared with `answers(name, seed)` elsewhere.
    Raises GradingError for what needs no answer: torch calls, wrong structure, exceptions."""
    task = TASKS[name]
    _check_signature(task, fn, forward)
    out = []
    for i, size in enumerate(task.hidden):
        if task.forward:
            fw = _run(TASKS[task.forward], forward, None, size, seed + i)[1]
            out.append([fw, _run(task, fn, forward, size, seed + i)[1]])
        else:
            out.append(_run(task, fn, forward, size, seed + i)[1])
    return out


def judge(name, got, expected, seed=0):
    """Compare `outputs(...)` with `answers(...)`; raises GradingError naming what differs."""
    task = TASKS[name]
    for i, (size, mine, right) in enumerate(zip(task.hidden, got, expected)):
        where = f"(input size {size}, seed {seed + i})"
        pairs = [(TASKS[task.forward], mine[0], right[0]), (task, mine[1], right[1])] if task.forward else \
            [(task, mine, right)]
        for t, m, r in pairs:
            wrong = _compare(t, m, r, where)
            if wrong:
                raise GradingError(f"{t.name} is wrong {where}: {', '.join(wrong)} differ from the reference.")


def _check_signature(task, fn, forward):
    if not callable(fn):
        raise GradingError(f"{task.name} is not a function (got {type(fn).__name__}); define it with def.")
    for label, f in ((task.name, fn), (task.forward, forward)):
        if label is None:
            continue
        if f is None:
            raise GradingError(f"checking {task.name} needs your {label}: pass it to check().")
        try:
            sig = inspect.signature(f)
            n = len(TASKS[label].args)
            sig.bind(*range(n))
        except TypeError:
            raise GradingError(f"{label} must take the arguments ({', '.join(TASKS[label].args)}), "
                               f"as its docstring says; yours takes {sig}.") from None
        except ValueError:
            pass


def _check_one(task, fn, forward, size, seed):
    if task.forward:  # a backward pass is checked on a cache from a forward pass that is right
        try:
            _check_one(TASKS[task.forward], forward, None, size, seed)
        except GradingError as error:
            raise GradingError(f"{task.name} cannot be checked until {task.forward} is right, because it "
                               f"runs on {task.forward}'s cache. {task.forward}: {error}") from None
    inputs, outs = _run(task, fn, forward, size, seed)
    where = f"(input size {size}, seed {seed})"
    right = task.reference(inputs)
    wrong = _compare(task, outs, right, where)
    if wrong:
        raise GradingError(_diagnose(task, outs, right, wrong, inputs, where))


def _run(task, fn, forward, size, seed):
    """The task's inputs and the student's outputs on them, watched; GradingError for what is
    wrong whatever the right answer: forbidden calls, exceptions, modified inputs, overflow."""
    where = f"(input size {size}, seed {seed})"
    inputs = task.make(np.random.default_rng(seed), size)
    pristine = _copy(inputs)
    student_inputs = {k: v for k, v in _copy(inputs).items() if not k.startswith("_")}
    try:
        outs, caught = guard.call(lambda: task.run(fn, forward, student_inputs), post=guard.plain)
    except guard.Forbidden as forbidden:
        raise GradingError(
            f"{task.name} (or the function it calls) runs {forbidden}. Graded functions must compute with "
            f"NumPy alone: calling torch, rnnkit or another library does the exercise for you, so this "
            f"function earns 0.") from None
    except WrongReturn as wrong:
        raise GradingError(f"{wrong} {where}. See the docstring for what to return.") from None
    except NotImplementedError:
        raise GradingError(f"{task.name} is not implemented yet (it raises NotImplementedError).") from None
    except Exception as error:  # the student's code raised: show what and where to look
        raise GradingError(f"{task.name} raised {type(error).__name__}: {error} {where}.{_hint(error)}") from None
    for k, v in pristine.items():
        if not k.startswith("_") and not _same(student_inputs[k], v):
            raise GradingError(f"{task.name} modified its input {k} in place {where}; "
                               f"compute new arrays and leave the inputs unchanged.")
    overflow = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if overflow and task.name in ("sigmoid", "softmax"):
        raise GradingError(f"{task.name} is not numerically stable: {overflow[0].message} {where}. "
                           f"{_STABILITY[task.name]} See the book, {CHAPTERS[task.assignment]}, {task.section}.")
    return inputs, outs


_STABILITY = {
    "sigmoid": "For x < 0 compute σ(x) = e^x / (1 + e^x), so e^{−x} never overflows.",
    "softmax": "Subtract the maximum along `axis` before exponentiating; softmax does not change.",
}


def _hint(error):
    text = str(error)
    if "matmul" in text or "shapes" in text or "broadcast" in text:
        return (" Weights are stored as in PyTorch, (out, in): a batch-first product is x @ W.T; "
                "print the shapes to find the mismatch.")
    return ""


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


def _close(a, b):
    """Whether a student's array `a` equals the right answer `b` up to float64 rounding."""
    if not guard.is_array(a) or a.shape != b.shape:
        return False
    a = guard.as_float64(a)
    if not guard.all_finite(a):
        return False
    return guard.max_diff(a, b) <= ATOL * max(1.0, guard.max_abs(b)) + RTOL * guard.max_abs(b)


def _items(task, outs):
    """(label, value) pairs of an output list, with each parameter gradient as its own item."""
    for name, value in zip(task.outputs, outs):
        if isinstance(value, dict):
            for key in sorted(value):
                yield f"{name}[{key!r}]", value[key]
        else:
            yield name, value


def _compare(task, outs, right, where):
    """Labels of wrong outputs; a structural problem (shape, keys, type) is raised right away."""
    wrong = []
    for name, mine, ref in zip(task.outputs, outs, right):
        if isinstance(ref, dict):
            if not isinstance(mine, dict) or set(mine) != set(ref):
                got = sorted(mine) if isinstance(mine, dict) else type(mine).__name__
                raise GradingError(f"{task.name}: {name} must be a dict with the keys {sorted(ref)}, got {got} {where}.")
            pairs = [(f"{name}[{k!r}]", mine[k], ref[k]) for k in sorted(ref)]
        else:
            pairs = [(name, mine, ref)]
        for label, m, r in pairs:
            r = np.asarray(r, dtype=np.float64)
            if isinstance(m, (float, int, np.floating, np.integer)) and r.ndim == 0:
                m = guard.as_float64(m)
            if not guard.is_array(m):
                raise GradingError(f"{task.name}: {label} must be a NumPy array, got {type(m).__name__} {where}.")
            if m.shape != r.shape:
                raise GradingError(f"{task.name}: {label} has shape {m.shape}, expected {r.shape} {where}."
                                   f"{_shape_hint(label, m.shape, r.shape)}")
            if not _close(m, r):
                wrong.append(label)
    return wrong


def _shape_hint(label, got, expected):
    if len(got) == 2 and got == expected[::-1]:
        return " It is transposed: a gradient has the shape of what it is the gradient of."
    if "bias" in label and len(got) == 2 and got[1:] == expected:
        return " Sum the bias gradient over the batch axis."
    return ""


def _diagnose(task, outs, right, wrong, inputs, where):
    """The message for a wrong answer: what is wrong, the most likely mistake, where to read."""
    ok = [label for label, _ in _items(task, right) if label not in wrong]
    lines = [f"{task.name} is wrong {where}: {', '.join(wrong)} "
             f"{'differs' if len(wrong) == 1 else 'differ'} from the reference."]
    if ok:
        lines.append(f"Correct: {', '.join(ok)}.")
    mistake = _match_mistake(task, outs, inputs, wrong)
    if mistake:
        lines.append(f"Most likely mistake: {mistake}.")
    else:
        lines.extend(_generic(task, outs, right, wrong))
    lines.append(f"See the book, {CHAPTERS[task.assignment]}, {task.section}.")
    return "\n".join(lines)


def _match_mistake(task, outs, inputs, wrong):
    """The mistake whose outputs equal the student's, on every wrong output and most others."""
    mine = dict(_items(task, outs))
    best, best_score = None, -1
    for description, model in task.mistakes.items():
        try:
            theirs = dict(_items(task, model(inputs)))
        except Exception:  # a mistake that cannot even run on these sizes is not the one
            continue
        if not all(label in theirs and _close(mine[label], np.asarray(theirs[label])) for label in wrong):
            continue
        score = sum(_close(mine[label], np.asarray(v)) for label, v in theirs.items() if label in mine)
        if score > best_score:
            best, best_score = description, score
    return best


def _generic(task, outs, right, wrong):
    """Hints from how each wrong output relates to the right ones: transposed, scaled, swapped."""
    mine, ref = dict(_items(task, outs)), {k: np.asarray(v, dtype=np.float64) for k, v in _items(task, right)}
    hints, errors = [], []
    for label in wrong:
        m, r = guard.as_float64(mine[label]), ref[label]
        others = [k for k, v in ref.items() if k != label and v.shape == m.shape and _close(m, v)]
        if not guard.all_finite(m):
            hints.append(f"{label} contains NaN or inf: look for an overflow (exp of a large number) or 0/0.")
        elif guard.max_abs(m) == 0:
            hints.append(f"{label} is all zeros: it is never computed or accumulated.")
        elif m.ndim >= 2 and m.shape[-1] == m.shape[-2] and _close(np.swapaxes(m, -1, -2), r):
            hints.append(f"{label} is the transpose of the right answer.")
        elif _close(-m, r):
            hints.append(f"{label} has the wrong sign.")
        elif guard.max_abs(r) > 0 and _close(m * (guard.max_abs(r) / guard.max_abs(m)), r):
            hints.append(f"{label} is {guard.max_abs(m) / guard.max_abs(r):.4g} times the right answer.")
        elif others:
            hints.append(f"{label} holds what {others[0]} should: outputs returned in the wrong order?")
        else:
            errors.append(f"{label} {guard.max_diff(m, r) / max(guard.max_abs(r), 1e-300):.2g}")
        if str(mine[label].dtype) == "float32":
            hints.append(f"{label} is float32; keep float64 throughout.")
    if errors:
        advice = ("Check your gradients with rnnkit.gradcheck." if task.forward else
                  "Compare your code with the equations, term by term.")
        hints.append("None of the grader's common mistakes matches. Largest error relative to the largest "
                     f"entry: {', '.join(errors)}. {advice}")
    return hints
