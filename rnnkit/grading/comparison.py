"""Whether a graded function's outputs are right: NumPy arrays of the right structure and
shape, equal to the right answer up to float64 rounding.

Every comparison goes through `guard`'s untouched NumPy functions, so a notebook that replaces
`np.allclose` or returns arrays that lie about equality is still compared on its numbers.
"""

import numpy as np

from rnnkit.grading import guard

RTOL, ATOL = 1e-6, 1e-9  # relative to the size of the right answer; float64 rounding is ~1e-15
_NUMBERS = (float, int, np.floating, np.integer)


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
            for key in sorted(value):
                yield f"{name}[{key!r}]", value[key]
        else:
            yield name, guard.as_float64(value) if isinstance(value, _NUMBERS) else value


def wrong_outputs(spec, outs, right, where):
    """Labels of the outputs that differ from `right`; a wrong structure (type, keys, shape)
    raises GradingError at once."""
    wrong = []
    for name, mine, ref in zip(spec.outputs, outs, right):
        if isinstance(ref, dict):
            if not isinstance(mine, dict) or set(mine) != set(ref):
                got = sorted(mine) if isinstance(mine, dict) else type(mine).__name__
                raise GradingError(f"{spec.name}: {name} must be a dict with the keys {sorted(ref)}, got {got} {where}.")
            pairs = [(f"{name}[{k!r}]", mine[k], ref[k]) for k in sorted(ref)]
        else:
            pairs = [(name, mine, ref)]
        for label, m, r in pairs:
            r = np.asarray(r, dtype=np.float64)
            if isinstance(m, _NUMBERS) and r.ndim == 0:
                m = guard.as_float64(m)
            if not guard.is_array(m):
                raise GradingError(f"{spec.name}: {label} must be a NumPy array, got {type(m).__name__} {where}.")
            if m.shape != r.shape:
                raise GradingError(f"{spec.name}: {label} has shape {m.shape}, expected {r.shape} {where}."
                                   f"{_shape_hint(label, m.shape, r.shape)}")
            if not close(m, r):
                wrong.append(label)
    return wrong


def _shape_hint(label, got, expected):
    if len(got) == 2 and got == expected[::-1]:
        return " It is transposed: a gradient has the shape of what it is the gradient of."
    if "bias" in label and len(got) == 2 and got[1:] == expected:
        return " Sum the bias gradient over the batch axis."
    return ""
