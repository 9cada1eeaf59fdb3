"""What a student reads when a graded function is wrong: every finding, one line each with its
fix, the combination of common mistakes whose outputs equal theirs (rnnkit.grading.search), else
hints from how the wrong outputs relate to the right ones (rnnkit.grading.hints), where in the
book to read, and a last line naming the kinds of what was found (rnnkit.grading.findings).

A message about a wrong answer reads::

    gru_step_forward is wrong (input size (3, 5, 2), seed 11).
    Wrong: h_next.
    Correct: ...                          (the outputs that are right, if any)
    - Most likely mistakes, which together give exactly your outputs:
      1. ...
      2. ...
    - <another finding: a dtype, a modified input...>
    See the book, chapter 3, Gated recurrent units (book/03_gru), section 'The equations'.
    Diagnosis: gate_order_zrn + reset_before + z_swapped

Every finding starts a line with "- "; lines that continue it are indented.
"""

from dataclasses import dataclass, field

from rnnkit.grading import book, findings, forms, guard, hints, mistakes, search
from rnnkit.grading.comparison import close, items
from rnnkit.grading.findings import Finding, Note


@dataclass
class Case:
    """What a graded function did on one input size: a problem that stopped it, or its compared
    outputs, and notes that need no right answer (inputs modified in place, overflow)."""

    size: object
    seed: int
    make: object = None          # () -> the inputs, for the mistake models
    comparison: object = None    # rnnkit.grading.comparison.Comparison, or None after a problem
    problem: str = ""            # what stopped it: an exception, a forbidden call...
    problem_kind: Finding = None
    notes: tuple = ()            # Notes from what was observed: modified inputs, overflow
    _inputs: dict = field(default=None, repr=False)

    @property
    def where(self):
        return f"(input size {self.size}, seed {self.seed})"

    @property
    def inputs(self):
        if self._inputs is None:
            self._inputs = self.make()
        return self._inputs

    @property
    def failed(self):
        """Whether anything is wrong on this size."""
        return bool(self.problem or self.notes or (self.comparison and self.comparison.failed))


def message(spec, cases):
    """The message for a function with these cases, or None where every one is right. It is
    about the first size whose values are wrong (or that stopped it), else the first with any
    finding; findings of other sizes that it does not already show are added."""
    failing = [i for i, c in enumerate(cases) if c.failed]
    if not failing:
        return None
    first = next((i for i in failing if cases[i].problem or cases[i].comparison.wrong), failing[0])
    case = cases[first]
    if case.problem:
        lines, kinds = [case.problem], [case.problem_kind]
        also = ()
    else:
        lines, kinds, also = _wrong_answer(spec, cases, first)
    shown = set(kinds)
    for c in cases:
        for note in ([Note(c.problem_kind, c.problem)] if c.problem else []) + list(c.notes):
            if c is not case and note.kind not in shown:
                shown.add(note.kind)
                lines.append(f"- On input size {c.size} (seed {c.seed}): {note.text}")
                kinds.append(note.kind)
    if not case.problem:
        lines.append(book.see_the_book(spec, also))
    lines.append(findings.line(kinds))
    return "\n".join(lines)


def needs_forward(spec, forward_message, cases):
    """The message for a backward function whose forward pass is wrong: the forward's message,
    quoted, and what the backward function did that needs no right answer (modified inputs)."""
    quoted = "\n".join("  " + line for line in forward_message.splitlines())
    lines = [f"{spec.name} cannot be checked until {spec.forward} is right, because it runs on {spec.forward}'s "
             f"cache. {spec.forward}:", quoted]
    kinds = [Finding.FORWARD_WRONG]
    for c in cases:
        for note in c.notes:
            if note.kind not in kinds:
                kinds.append(note.kind)
                lines.append(f"- Also, on input size {c.size} (seed {c.seed}): {note.text}")
    lines.append(findings.line(kinds))
    return "\n".join(lines)


def problem(text, kind):
    """A message for what stopped a function before any answer: the text and its kind."""
    return f"{text}\n{findings.line([kind])}"


def error_hint(error):
    """Advice on an exception the student's code raised, or ''."""
    text = str(error)
    if "matmul" in text or "shapes" in text or "broadcast" in text:
        return (" Weights are stored as in PyTorch, (out, in): a batch-first product is x @ W.T; "
                "print the shapes to find the mismatch.")
    return ""


def _wrong_answer(spec, cases, first):
    """(lines, kinds, citations of published forms) for outputs that are wrong on cases[first]."""
    case = cases[first]
    c = case.comparison
    lines = [f"{spec.name} is wrong {case.where}."]
    if c.failed:
        lines.append(f"Wrong: {', '.join(c.failed)}.")
    if c.correct:
        lines.append(f"Correct: {', '.join(c.correct)}.")
    kinds, also = [], ()
    if any(label in c.mine for label in c.wrong):
        judge = _Judge(spec, cases)
        anchors = [first] + [i for i in judge.sizes if i != first and judge.wrong(i)]
        fit = search.best_fit(spec.units, judge, anchors) if first in judge.sizes else None
        if fit:
            lines.extend(_fit_lines(spec, fit, cases, first))
            kinds.append(fit.mistakes)
            also = tuple(dict.fromkeys(p.section for p in forms.parts(fit.mistakes) if isinstance(p, forms.Form)))
        else:
            notes = hints.generic(spec, cases, first)
            lines.extend("- " + n.text for n in notes)
            kinds.extend(n.kind for n in notes)
    for note in (*c.notes, *case.notes):
        lines.append("- " + note.text)
        kinds.append(note.kind)
    return lines, kinds, also


def _fit_lines(spec, fit, cases, first):
    """A found combination, part by part (best fit first), each part with how to fix it."""
    dims = spec.sizes(cases[first].size)
    texts = [_describe(spec, unit, dims) for unit in fit.units]
    if len(texts) == 1:
        where = "" if fit.everywhere else " It gives your outputs on this input size exactly, though not on every size."
        return [f"- Most likely mistake: {texts[0]}.{where}"]
    where = "" if fit.everywhere else " on this input size (though not on every size)"
    return ([f"- Most likely mistakes, which together give exactly your outputs{where}:"]
            + [f"  {n}. {text}." for n, text in enumerate(texts, 1)])


def _describe(spec, unit, dims):
    """What a student reads about one part of a combination: a mistake, or a published form."""
    form = next((f for f in forms.FORMS if f.mistakes == unit), None)
    if form:
        return f"this is {form.name}; {form.differs}"
    (mistake,) = unit
    text = spec.table[mistake]
    if mistake in mistakes.AVERAGED and "N" in dims:
        text += f" (N = {dims['N']} here)"
    return text


class _Judge:
    """The mistake models' outputs on each case, computed once each, compared with the student's
    (the `judge` of rnnkit.grading.search.best_fit)."""

    def __init__(self, spec, cases):
        self.spec, self.cases, self._runs = spec, cases, {}
        self.sizes = [i for i, c in enumerate(cases) if c.comparison is not None and c.comparison.mine]

    def run(self, mistakes, i):
        key = (mistakes, i)
        if key not in self._runs:
            try:
                outs = self.spec.model(self.cases[i].inputs, mistakes)
                self._runs[key] = {label: guard.as_float64(v) for label, v in items(self.spec, outs)}
            except Exception:  # a combination that cannot run on these sizes is not the one
                self._runs[key] = None
        return self._runs[key]

    def fits(self, outputs, i):
        mine = self.cases[i].comparison.mine
        return all(label in outputs and close(value, outputs[label]) for label, value in mine.items())

    def changed(self, outputs, i):
        c = self.cases[i].comparison
        return {label for label in c.mine if label in outputs and not close(outputs[label], c.right[label])}

    def wrong(self, i):
        c = self.cases[i].comparison
        return {label for label in c.wrong if label in c.mine}

    def distance(self, outputs, i):
        mine = self.cases[i].comparison.mine
        return sum(guard.max_diff(v, outputs[label]) / max(guard.max_abs(v), 1e-300)
                   if label in outputs and outputs[label].shape == v.shape and guard.all_finite(v) else 1.0
                   for label, v in mine.items())
