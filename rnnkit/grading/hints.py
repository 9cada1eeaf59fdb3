"""What a wrong output is told when no combination of mistake models reproduces it: how it
relates to the right answer (transposed, negated, another output's value, zero, not finite, or
the right answer times a factor, named by what the factor means at the sizes where it is seen)."""

import math

from rnnkit.grading import guard
from rnnkit.grading.comparison import close
from rnnkit.grading.findings import Finding, Note

# A uniform factor, by what it means: its value at the dimensions of an input size (N the batch,
# T the steps, d the key size) and what to write, given the dimension's name and value.
_FACTORS = (
    (Finding.AVERAGED_OVER_BATCH, "N", lambda n: 1 / n,
     lambda n: f"divided by N = {n}, the batch size: averaged over the batch instead of summed (the loss sums over "
               f"samples, so its gradients sum too)"),
    (Finding.AVERAGED_OVER_TIME, "T", lambda t: 1 / t,
     lambda t: f"divided by T = {t}, the number of steps: averaged over time instead of summed (every step shares "
               f"the parameters, so their gradients sum over time)"),
    (Finding.DOUBLED, None, lambda _: 2.0,
     lambda _: "twice the right answer: a term counted twice (added in two places, or accumulated twice)"),
    (Finding.TIMES_SQRT_D, "d", math.sqrt,
     lambda d: f"√d = {math.sqrt(d):.4g} times the right answer (d = {d}): the 1/√d scale is missing"),
    (Finding.OVER_SQRT_D, "d", lambda d: 1 / math.sqrt(d),
     lambda d: f"divided by √d = {math.sqrt(d):.4g} (d = {d}): the 1/√d scale is applied once too often"),
)


def factor(mine, right):
    """f where `mine` is f times `right` (up to rounding), else None."""
    scale = float((right * right).sum())  # array methods: a notebook cannot rebind them as it can np.vdot
    if scale == 0 or not guard.all_finite(mine):
        return None
    f = float((right * mine).sum()) / scale
    return f if f != 0 and close(mine, f * right) else None


def meanings(f, dims):
    """The _FACTORS entries that f equals at these dimensions."""
    return [entry for entry in _FACTORS
            if (entry[1] is None or entry[1] in dims) and math.isclose(f, entry[2](dims.get(entry[1])), rel_tol=1e-6)]


def generic(spec, cases, first):
    """Notes for each wrong output of the reported case (`cases[first]`) that no model explains."""
    case = cases[first]
    c = case.comparison
    notes, errors = [], []
    for label in (lb for lb in c.wrong if lb in c.mine):
        m, r = c.mine[label], c.right[label]
        others = [k for k, v in c.right.items() if k != label and v.shape == m.shape and close(m, v)]
        f = factor(m, r) if guard.all_finite(m) and guard.max_abs(m) > 0 else None
        if not guard.all_finite(m):
            notes.append(Note(Finding.NOT_FINITE, f"{label} contains NaN or inf: look for an overflow (exp of a large "
                                                  f"number) or 0/0.", label))
        elif guard.max_abs(m) == 0:
            notes.append(Note(Finding.ZEROS, f"{label} is all zeros: it is never computed or accumulated.", label))
        elif m.ndim >= 2 and m.shape[-1] == m.shape[-2] and close(m.swapaxes(-1, -2), r):
            notes.append(Note(Finding.TRANSPOSED, f"{label} is the transpose of the right answer.", label))
        elif f is not None and math.isclose(f, -1.0, rel_tol=1e-6):
            notes.append(Note(Finding.WRONG_SIGN, f"{label} has the wrong sign.", label))
        elif f is not None:
            notes.append(_factor_note(spec, cases, first, label, f))
        elif others:
            notes.append(Note(Finding.SWAPPED_OUTPUTS, f"{label} holds what {others[0]} should: outputs returned in "
                                                       f"the wrong order?", label))
        else:
            errors.append(f"{label} {guard.max_diff(m, r) / max(guard.max_abs(r), 1e-300):.2g}")
    if errors:
        advice = ("Check your gradients with rnnkit.gradcheck." if spec.forward else
                  "Compare your code with the equations, term by term.")
        notes.append(Note(Finding.NO_MATCH, "None of the grader's common mistakes matches. Largest error relative "
                                            f"to the largest entry: {', '.join(errors)}. {advice}"))
    return notes


def _factor_note(spec, cases, first, label, f):
    """The note for an output f times the right one: f's meaning where it has one at every size
    where this output is a multiple of the right one (both, where two meanings coincide there)."""
    found = meanings(f, spec.sizes(cases[first].size))
    for case in cases:
        c = case.comparison
        if case is cases[first] or c is None or label not in c.mine or label not in c.wrong:
            continue
        g = factor(c.mine[label], c.right[label])
        if g is not None:
            here = meanings(g, spec.sizes(case.size))
            found = [entry for entry in found if entry in here] or found
    whole = f < 1 and math.isclose(1 / f, round(1 / f), rel_tol=1e-9)
    times = f"1/{round(1 / f)} of" if whole else f"{f:.4g} times"
    if not found:
        return Note(Finding.SCALED, f"{label} is {times} the right answer.", label)
    dims = spec.sizes(cases[first].size)
    said = " or ".join(entry[3](dims.get(entry[1])) for entry in found)
    return Note(found[0][0], f"{label} is {times} the right answer: {said}.", label)
