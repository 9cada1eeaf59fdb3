"""What a student reads when a graded function is wrong: which outputs differ, the common
mistake whose outputs equal theirs (rnnkit.grading.mistakes), else hints from how the wrong
outputs relate to the right ones, and where in the book to read."""

import numpy as np

from rnnkit.grading import guard
from rnnkit.grading.comparison import close, items


def wrong_answer(spec, outs, right, wrong, inputs, where):
    """The message for outputs `outs` of which the labels `wrong` differ from `right`."""
    ok = [label for label, _ in items(spec, right) if label not in wrong]
    lines = [f"{spec.name} is wrong {where}: {', '.join(wrong)} "
             f"{'differs' if len(wrong) == 1 else 'differ'} from the reference."]
    if ok:
        lines.append(f"Correct: {', '.join(ok)}.")
    mistake = _match_mistake(spec, outs, inputs, wrong)
    if mistake:
        lines.append(f"Most likely mistake: {mistake}.")
    else:
        lines.extend(_generic(spec, outs, right, wrong))
    lines.append(see_the_book(spec))
    return "\n".join(lines)


def see_the_book(spec):
    a = spec.assignment
    return f"See the book, chapter {a.number}, {a.title} ({a.chapter}), {spec.section}."


def error_hint(error):
    """Advice on an exception the student's code raised, or ''."""
    text = str(error)
    if "matmul" in text or "shapes" in text or "broadcast" in text:
        return (" Weights are stored as in PyTorch, (out, in): a batch-first product is x @ W.T; "
                "print the shapes to find the mismatch.")
    return ""


def _match_mistake(spec, outs, inputs, wrong):
    """The mistake whose outputs equal the student's, on every wrong output and most others."""
    mine = dict(items(spec, outs))
    best, best_score = None, -1
    for description, model in spec.mistakes.items():
        try:
            theirs = dict(items(spec, model(inputs)))
        except Exception:  # a mistake that cannot even run on these sizes is not the one
            continue
        if not all(label in theirs and close(mine[label], np.asarray(theirs[label])) for label in wrong):
            continue
        score = sum(close(mine[label], np.asarray(v)) for label, v in theirs.items() if label in mine)
        if score > best_score:
            best, best_score = description, score
    return best


def _generic(spec, outs, right, wrong):
    """Hints from how each wrong output relates to the right ones: transposed, scaled, swapped."""
    mine, ref = dict(items(spec, outs)), {k: np.asarray(v, dtype=np.float64) for k, v in items(spec, right)}
    hints, errors = [], []
    for label in wrong:
        m, r = guard.as_float64(mine[label]), ref[label]
        others = [k for k, v in ref.items() if k != label and v.shape == m.shape and close(m, v)]
        if not guard.all_finite(m):
            hints.append(f"{label} contains NaN or inf: look for an overflow (exp of a large number) or 0/0.")
        elif guard.max_abs(m) == 0:
            hints.append(f"{label} is all zeros: it is never computed or accumulated.")
        elif m.ndim >= 2 and m.shape[-1] == m.shape[-2] and close(np.swapaxes(m, -1, -2), r):
            hints.append(f"{label} is the transpose of the right answer.")
        elif close(-m, r):
            hints.append(f"{label} has the wrong sign.")
        elif guard.max_abs(r) > 0 and close(m * (guard.max_abs(r) / guard.max_abs(m)), r):
            hints.append(f"{label} is {guard.max_abs(m) / guard.max_abs(r):.4g} times the right answer.")
        elif others:
            hints.append(f"{label} holds what {others[0]} should: outputs returned in the wrong order?")
        else:
            errors.append(f"{label} {guard.max_diff(m, r) / max(guard.max_abs(r), 1e-300):.2g}")
        if str(mine[label].dtype) == "float32":
            hints.append(f"{label} is float32; keep float64 throughout.")
    if errors:
        advice = ("Check your gradients with rnnkit.gradcheck." if spec.forward else
                  "Compare your code with the equations, term by term.")
        hints.append("None of the grader's common mistakes matches. Largest error relative to the largest "
                     f"entry: {', '.join(errors)}. {advice}")
    return hints
