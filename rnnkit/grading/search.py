"""Which combination of the grader's mistake models reproduces a wrong answer.

A candidate is a combination of up to DEPTH units of a function's table (a unit is one mistake,
or a published form counted as one: rnnkit.grading.forms), whose mistakes can be made together
(rnnkit.grading.mistakes.compatible). It fits an input size when its outputs equal the
student's on every output that can be compared there, right or wrong.

How ties are broken: candidates are tried with fewer units first; among as many units, in the
order of the table (published forms first, then the mistakes, the commoner first), as
itertools.combinations orders them. The first candidate that fits every size the student's
outputs can be compared on wins; if none does, the first that fits the reported size (the first
wrong one) does, said to fit there only. So a single mistake beats a pair that gives the same
outputs, and of two single mistakes with the same outputs the one listed first is named.

What keeps it fast (at most LIMIT candidates per size searched, each computed once per inputs):
- search starts at the reported size and moves to a second wrong size only when a candidate
  fits the first but not that one (a mask mistake is invisible on a size without a mask);
- a unit is left out of a size's search when it changes no output there, or changes one that
  the student got right (its outputs could then only be right by a coincidence);
- combinations whose mistakes cannot be made together, or repeat an earlier candidate's
  mistakes, are skipped.
"""

import itertools
from dataclasses import dataclass

from rnnkit.grading.mistakes import compatible

DEPTH = 3     # parts of a combination, at most
LIMIT = 500   # candidates tried per size searched: a bound on time that keeps the answer deterministic


@dataclass(frozen=True)
class Fit:
    """A combination whose outputs equal the student's."""

    mistakes: frozenset  # every mistake made
    units: tuple         # its parts as searched, the one closest to the student's outputs alone first
    everywhere: bool     # it fits every size compared, not only the reported one


def best_fit(units, judge, anchors):
    """The first candidate (in the order above) that fits, or None.

    units: frozensets of Mistakes, in the table's order. anchors: the sizes where the student's
    values are wrong, the reported one first. judge: an object with
    - sizes: every size whose outputs can be compared;
    - run(mistakes, size): the model's outputs with those mistakes (cached), None if it fails;
    - fits(outputs, size): they equal the student's there;
    - changed(outputs, size): the labels where they differ from the right answer;
    - wrong(size): the labels where the student's differ from the right answer;
    - distance(outputs, size): how far they are from the student's, for ordering parts.
    """
    reported, queue, tried, fallback = anchors[0], [anchors[0]], set(), None
    while queue:
        anchor = queue.pop(0)
        relevant = [u for u in units if _relevant(judge, u, anchor)]
        for count, (parts, mistakes) in enumerate(_candidates(relevant, tried)):
            if count >= LIMIT:
                break
            if not _fits(judge, mistakes, anchor) or not _fits(judge, mistakes, reported):
                continue
            failing = next((s for s in judge.sizes if not _fits(judge, mistakes, s)), None)
            if failing is None:
                return Fit(mistakes, _ordered(judge, parts, reported), True)
            if fallback is None:
                fallback = Fit(mistakes, _ordered(judge, parts, reported), False)
                if failing in anchors:
                    queue.append(failing)
    return fallback


def _candidates(units, tried):
    """(units, their mistakes) of every untried compatible combination, fewest units first."""
    for depth in range(1, DEPTH + 1):
        for parts in itertools.combinations(units, depth):
            mistakes = frozenset().union(*parts)
            if mistakes in tried or sum(map(len, parts)) != len(mistakes) or not compatible(mistakes):
                continue
            tried.add(mistakes)
            yield parts, mistakes


def _relevant(judge, unit, size):
    outputs = judge.run(unit, size)
    if outputs is None:
        return False
    changed = judge.changed(outputs, size)
    return bool(changed) and changed <= judge.wrong(size)


def _fits(judge, mistakes, size):
    outputs = judge.run(mistakes, size)
    return outputs is not None and judge.fits(outputs, size)


def _ordered(judge, parts, size):
    """The parts, the one whose outputs alone come closest to the student's first."""
    def distance(part):
        outputs = judge.run(part, size)
        return float("inf") if outputs is None else judge.distance(outputs, size)
    return tuple(sorted(parts, key=distance))
