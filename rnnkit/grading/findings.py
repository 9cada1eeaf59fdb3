"""What the grader found, as kinds the class report can count: a `Finding` (a modified input, a
float32 array, an exception...) or a combination of `Mistake`s (rnnkit.grading.mistakes).

Every message of the grader ends with one line, `Diagnosis: <kind>; <kind>`, each kind a stable
key: a Finding's name, or the names of a combination's mistakes joined by " + " in the order of
the Mistake enum, all in lower case (`Diagnosis: reset_before + z_swapped; not_float64`). The
same mistakes give the same key whatever the input size and seed; `label` turns a key back into
words. A message that quotes another (a backward pass quoting its forward pass's) indents the
quoted lines, so the unindented line is the message's own. Plain data: no torch.
"""

import enum
from dataclasses import dataclass

from rnnkit.grading import forms
from rnnkit.grading.mistakes import Mistake

PREFIX = "Diagnosis: "


class Finding(enum.Enum):
    """A kind of finding that is not a mistake model's; the value is the report's label."""

    FORWARD_WRONG = "its forward pass is wrong first"
    NOT_A_FUNCTION = "not a function"
    WRONG_SIGNATURE = "takes the wrong arguments"
    NOT_IMPLEMENTED = "not implemented"
    FORBIDDEN = "calls torch or rnnkit (earns 0)"
    RAISED = "raises an error"
    WRONG_RETURN = "returns the wrong number of items"
    MODIFIED_INPUT = "modifies an input in place"
    NOT_ARRAY = "returns a list (or another type) instead of an array"
    WRONG_KEYS = "a gradient dict with the wrong keys"
    WRONG_SHAPE = "an output of the wrong shape"
    NOT_FLOAT64 = "an output that is not float64 (float32)"
    UNSTABLE = "numerically unstable (overflow)"
    AVERAGED_OVER_BATCH = "divided by N: averaged over the batch instead of summed"
    AVERAGED_OVER_TIME = "divided by T: averaged over time instead of summed"
    DOUBLED = "twice the right answer: counted twice"
    TIMES_SQRT_D = "√d times the right answer: the 1/√d scale missing"
    OVER_SQRT_D = "divided by √d once too often"
    SCALED = "off by a constant factor"
    TRANSPOSED = "an output transposed"
    WRONG_SIGN = "an output with the wrong sign"
    SWAPPED_OUTPUTS = "outputs returned in the wrong order"
    ZEROS = "an output left at zero"
    NOT_FINITE = "NaN or inf in an output"
    NO_MATCH = "no common mistake matches"


@dataclass(frozen=True)
class Note:
    """One finding about a graded function, as a line of its message: what is wrong and the fix."""

    kind: Finding
    text: str
    label: str = ""  # the output it is about, if any


# Kinds that say why a function could not be diagnosed rather than what is wrong with it.
NOT_MISTAKES = frozenset({Finding.FORWARD_WRONG, Finding.NOT_IMPLEMENTED, Finding.NOT_A_FUNCTION})


def key(kind):
    """The stable key of a Finding or of a combination (a set) of Mistakes."""
    if isinstance(kind, Finding):
        return kind.name.lower()
    return " + ".join(m.name.lower() for m in Mistake if m in kind)


def line(kinds):
    """The message's last line for these kinds, in order, without repeats."""
    keys = list(dict.fromkeys(key(k) for k in kinds))
    return PREFIX + "; ".join(keys)


def resolve(text):
    """The Finding or the set of Mistakes that a key stands for, or None for a key of no kind."""
    if text.upper() in Finding.__members__:
        return Finding[text.upper()]
    names = [n.strip().upper() for n in text.split("+")]
    if names and all(n in Mistake.__members__ for n in names):
        return frozenset(Mistake[n] for n in names)
    return None


def label(text):
    """Words for a key: a Finding's label, or a combination named by its published forms and
    its mistakes' labels; an unknown key as it is."""
    kind = resolve(text)
    if kind is None:
        return text
    if isinstance(kind, Finding):
        return kind.value
    return " + ".join(p.label if isinstance(p, forms.Form) else p.value for p in forms.parts(kind))


def keys(message, quoted=False):
    """The keys of a message's own Diagnosis line (with `quoted`, also those of the messages it
    quotes), in order; [] for a message without one."""
    found = []
    for text in message.splitlines():
        if text.startswith(PREFIX) or (quoted and text.lstrip().startswith(PREFIX)):
            found.append([k for k in text.strip()[len(PREFIX):].split("; ") if k])
    if not found:
        return []
    return [k for group in found for k in group] if quoted else found[-1]
