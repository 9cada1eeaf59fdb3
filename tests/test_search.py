"""rnnkit.grading.search: the combination named is the one its docstring's tie-breaking rule
picks, on models whose outputs are made up for the purpose."""

import numpy as np

from rnnkit.grading import mistakes, search
from rnnkit.grading.comparison import close
from rnnkit.grading.mistakes import Mistake

FREE = [m for m in Mistake if all(m not in group for group in mistakes.EXCLUSIVE)]  # combine with any other
A, B, C = FREE[:3]
RIGHT = np.zeros(3)


class Judge:
    """Outputs {"y": RIGHT + the sum of each mistake's effect on that size}; the student's are given."""

    def __init__(self, effects, student, sizes=(0,)):
        self.effects, self.student, self.sizes, self.runs = effects, student, list(sizes), 0

    def run(self, mistakes, size):
        self.runs += 1
        return {"y": RIGHT + sum((np.asarray(self.effects[m][size], float) for m in mistakes), np.zeros(3))}

    def fits(self, outputs, size):
        return close(self.student[size], outputs["y"])

    def changed(self, outputs, size):
        return set() if close(outputs["y"], RIGHT) else {"y"}

    def wrong(self, size):
        return set() if close(self.student[size], RIGHT) else {"y"}

    def distance(self, outputs, size):
        return float(np.abs(outputs["y"] - self.student[size]).max())


def units(*ms):
    return [frozenset({m}) for m in ms]


def test_a_single_mistake_beats_a_pair_that_gives_the_same_outputs():
    judge = Judge({A: [[1, 1, 0]], B: [[1, 0, 0]], C: [[0, 1, 0]]}, [np.array([1.0, 1, 0])])
    fit = search.best_fit(units(B, C, A), judge, [0])
    assert fit.mistakes == {A} and fit.everywhere


def test_of_two_single_mistakes_with_the_same_outputs_the_one_listed_first_is_named():
    judge = Judge({A: [[1, 0, 0]], B: [[1, 0, 0]]}, [np.array([1.0, 0, 0])])
    assert search.best_fit(units(B, A), judge, [0]).mistakes == {B}
    assert search.best_fit(units(A, B), judge, [0]).mistakes == {A}


def test_a_combination_that_fits_every_size_beats_one_that_fits_only_the_reported_size():
    # C changes nothing on size 0 (a mask mistake on a size without a mask): only size 1 shows it
    effects = {A: [[1, 0, 0], [1, 0, 0]], B: [[0, 0, 1], [0, 0, 1]], C: [[0, 0, 0], [0, 1, 0]]}
    student = [np.array([1.0, 0, 0]), np.array([1.0, 1, 0])]
    fit = search.best_fit(units(A, B, C), Judge(effects, student, sizes=(0, 1)), [0, 1])
    assert fit.mistakes == {A, C} and fit.everywhere
    nothing_on_size_1 = search.best_fit(units(A, B), Judge(effects, student, sizes=(0, 1)), [0, 1])
    assert nothing_on_size_1.mistakes == {A} and not nothing_on_size_1.everywhere


def test_mistakes_that_cannot_be_made_together_are_never_combined():
    zrn, rnz = Mistake.GATE_ORDER_ZRN, Mistake.GATE_ORDER_RNZ  # one gate order at a time
    judge = Judge({zrn: [[1, 0, 0]], rnz: [[0, 1, 0]]}, [np.array([1.0, 1, 0])])
    assert search.best_fit(units(zrn, rnz), judge, [0]) is None


def test_the_parts_are_named_the_closest_alone_first():
    judge = Judge({A: [[0, 0, 0.1]], B: [[3, 3, 0]]}, [np.array([3.0, 3, 0.1])])
    fit = search.best_fit(units(A, B), judge, [0])
    assert fit.mistakes == {A, B} and fit.units == (frozenset({B}), frozenset({A}))


def test_a_unit_that_changes_an_output_the_student_got_right_is_left_out():
    judge = Judge({A: [[1, 0, 0]], B: [[0, 0, 0]]}, [np.array([0.0, 0, 0])])
    judge.wrong = lambda size: set()  # the student is right: nothing may change
    assert search.best_fit(units(A, B), judge, [0]) is None


def test_at_most_three_parts_and_at_most_limit_candidates_per_size():
    ms = FREE[:12]
    effects = {m: [np.eye(3)[i % 3] * (i + 1)] for i, m in enumerate(ms)}
    judge = Judge(effects, [np.array([100.0, 100, 100])])  # no combination reaches it
    assert search.best_fit(units(*ms), judge, [0]) is None
    assert judge.runs <= len(ms) + search.LIMIT + 1
