"""What every spec holds, and the pieces that run inside the grader's watch (`returns`)."""

import importlib
from dataclasses import dataclass

from rnnkit.grading.assignments import FUNCTIONS, assignment_of


class _Lazy:
    """A module imported on first use: checking against precomputed answers needs no torch."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


torch = _Lazy("torch")
reference = _Lazy("rnnkit.reference")
mistake_models = _Lazy("rnnkit.grading.mistake_models")


@dataclass(frozen=True)
class Spec:
    """How the graded function `name` is called, checked and diagnosed."""

    name: str
    args: tuple            # the graded function's parameter names
    outputs: tuple         # names of what is compared, in order
    make: object           # make(rng, size) -> inputs dict
    run: object            # run(fn, forward, inputs) -> list of outputs
    reference: object      # reference(inputs) -> list of outputs
    visible: list          # sizes of the visible test
    hidden: list           # sizes of the hidden test
    table: dict            # Mistake -> what a student reads, in the order ties are resolved
    model: object          # model(inputs, flags) -> outputs, as `reference`'s, with those Mistakes made
    section: str           # the book section that explains it
    stability: str = ""    # for a function that must not overflow: how to avoid it
    dims: object = None    # dims(size) -> {"N": batch, "T": steps, "d": key size}: what a factor can mean
    forms: tuple = ()      # the published forms (rnnkit.grading.forms) its mistakes can make

    @property
    def forward(self):
        """The forward function whose cache a backward function takes, or None."""
        return FUNCTIONS[self.name].forward

    @property
    def assignment(self):
        return assignment_of(self.name)

    @property
    def units(self):
        """What a combination of mistakes is made of, in the order ties are broken: each published
        form as one unit, then each mistake of the table."""
        return tuple(f.mistakes for f in self.forms) + tuple(frozenset({m}) for m in self.table)

    def sizes(self, size):
        """The dimensions of an input size that a factor in a wrong answer can be (N, T, d)."""
        return self.dims(size) if self.dims else {}


class WrongReturn(Exception):
    """A graded function returned something of the wrong structure."""


def returns(name, out, n):
    """out as a list of n items; a WrongReturn says what was expected."""
    if n == 1:
        return [out]
    if not isinstance(out, (tuple, list)) or len(out) != n:
        got = f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        raise WrongReturn(f"{name} must return a tuple of {n} items, got {got}")
    return list(out)
