"""Whether a graded function's outputs are right: NumPy arrays of the right structure, shape and
dtype (float64), equal to the right answer up to float64 rounding. Each way an output can be
wrong is a separate finding with its fix; the values of every output that can be compared are
compared, whatever else is wrong with it.

Every comparison goes through `guard`'s untouched NumPy functions, so a notebook that replaces
`np.allclose` or returns arrays that lie about equality is still compared on its numbers.
"""

from dataclasses import dataclass

import numpy as np

from rnnkit.grading import guard
from rnnkit.grading.findings import Finding, Note

RTOL, ATOL = 1e-6, 1e-9  # relative to the size of the right answer; float64 rounding is ~1e-15
_NUMBERS = (float, int, np.floating, np.integer)  # taken before any notebook code can rebind np's names
_GENERIC, _FLOAT64 = np.generic, np.dtype(np.float64)


class GradingError(AssertionError):
    """A graded function gave a wrong answer; the message says which and why."""


def close(a, b):
    """Whether a student's array `a` equals the right answer `b` up to float64 rounding."""
    if not guard.is_array(a) or a.shape != b.shape:
        return False
    a = guard.as_float64(a)
    if not guard.all_finite(a):
        return False
    return guard.max_diff(a, b) <= ATOL * max(1.0, guard.max_abs(b)) + RTOL * guard.max_abs(b)


def items(spec, outs):
    """(label, value) pairs of an output list, with each parameter gradient as its own item and
    a number (a norm, say) as a 0-d float64 array."""
    for name, value in zip(spec.outputs, outs):
        if isinstance(value, dict):
            for key in sorted(value, key=str):  # a student's keys may not compare with each other
                yield f"{name}[{key!r}]", value[key]
        else:
            yield name, guard.as_float64(value) if _number(value) else value


def _number(m):
    """Whether m is a plain number: Python's or NumPy's own type, never a subclass whose methods
    a student wrote (they would run here, outside the grader's watch)."""
    return type(m) in (int, float) or (isinstance(m, _NUMBERS) and type(m).__module__ == "numpy")


def _numbers(m):
    """Whether m is a list (or tuple) of plain numbers and float arrays, nested: what can be made
    an array without running a student's code."""
    if type(m) in (list, tuple):
        return all(_numbers(x) for x in m)
    return _number(m) or guard.is_array(m)


@dataclass(frozen=True)
class Comparison:
    """A student's outputs on one input size, output by output."""

    labels: tuple   # every output, as `items` labels them, in order
    mine: dict      # label -> the student's output as float64, where it can be compared
    right: dict     # label -> the right answer
    wrong: tuple    # labels whose values differ from the right answer (or cannot be compared)
    notes: tuple    # Notes on what else is wrong with an output: its type, keys, shape, dtype

    @property
    def failed(self):
        """Labels of the outputs that are wrong in any way, in order."""
        noted = {n.label for n in self.notes}
        return tuple(label for label in self.labels if label in self.wrong or label in noted)

    @property
    def correct(self):
        return tuple(label for label in self.labels if label not in self.failed)


def compare(spec, outs, right):
    """Compare outputs `outs` of spec's function with the right answer `right`."""
    labels, mine, ref, wrong, notes = [], {}, {}, [], []
    for name, m_out, r_out in zip(spec.outputs, outs, right):
        if isinstance(r_out, dict):
            pairs = [(f"{name}[{k!r}]", None, r_out[k]) for k in sorted(r_out)]
            if not isinstance(m_out, dict) or set(m_out) != set(r_out):
                got = sorted(map(str, m_out)) if isinstance(m_out, dict) else type(m_out).__name__
                notes.append(Note(Finding.WRONG_KEYS, f"{name} must be a dict with the keys {sorted(r_out)}, got {got}.",
                                  name))
                for label, _, r in pairs:
                    labels.append(label)
                    ref[label] = guard.as_float64(r)
                    wrong.append(label)
                continue
            pairs = [(label, m_out[k], r) for (label, _, r), k in zip(pairs, sorted(r_out))]
        else:
            pairs = [(name, m_out, r_out)]
        for label, m, r in pairs:
            labels.append(label)
            ref[label] = r = guard.as_float64(r)
            value, note = _as_comparable(label, m, r)
            notes.extend(note)
            if value is None:
                wrong.append(label)
                continue
            mine[label] = value
            if not close(value, r):
                wrong.append(label)
    return Comparison(tuple(labels), mine, ref, tuple(wrong), tuple(notes))


def types(spec, outs):
    """Notes on what needs no right answer to be seen wrong: outputs that are not float64 arrays
    (for a function whose answer cannot be compared, a backward pass on a wrong forward)."""
    notes = []
    for label, m in items(spec, outs):
        if (guard.is_array(m) or (_number(m) and isinstance(m, _GENERIC))) and m.dtype != _FLOAT64:
            notes.append(_not_float64(label, m.dtype))
        elif not guard.is_array(m) and not _number(m):
            notes.append(Note(Finding.NOT_ARRAY, f"{label} must be a NumPy array, got {type(m).__name__}: return a "
                                                 f"float64 array.", label))
    return notes


def _as_comparable(label, m, r):
    """(m as a float64 array, or None where it cannot be compared; [Notes] on its type, shape, dtype)."""
    notes = []
    if _number(m) and r.ndim == 0:  # a number for a norm
        if isinstance(m, _GENERIC) and m.dtype != _FLOAT64:
            notes.append(_not_float64(label, m.dtype))
        return guard.as_float64(m), notes
    if not guard.is_array(m):
        notes.append(Note(Finding.NOT_ARRAY, f"{label} must be a NumPy array, got {type(m).__name__}: return an "
                                             f"array (np.array(...) of float64, shape {r.shape}).", label))
        if not _numbers(m):  # an object of the student's: never made an array here, outside the watch
            return None, notes
        try:
            m = guard.as_float64(m)
        except Exception:  # ragged lists: nothing to compare
            return None, notes
    elif m.dtype != _FLOAT64:
        notes.append(_not_float64(label, m.dtype))
    if m.shape != r.shape:
        notes.append(Note(Finding.WRONG_SHAPE, f"{label} has shape {m.shape}, expected {r.shape}."
                                               f"{_shape_hint(label, m.shape, r.shape)}", label))
        return None, notes
    try:
        return guard.as_float64(m), notes
    except Exception:
        return None, notes


def _not_float64(label, dtype):
    return Note(Finding.NOT_FLOAT64, f"{label} is {dtype}, not float64: keep every array float64 (no dtype='f' or "
                                     f"np.float32 anywhere); a float32 answer is wrong even when it is close, since "
                                     f"your own gradient check cannot pass with its rounding.", label)


def _shape_hint(label, got, expected):
    if len(got) == 2 and got == expected[::-1]:
        return " It is transposed: a gradient has the shape of what it is the gradient of."
    if "bias" in label and len(got) == 2 and got[1:] == expected:
        return " Sum the bias gradient over the batch axis."
    return ""
