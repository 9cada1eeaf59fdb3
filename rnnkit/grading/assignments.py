"""The course's assignments: the one list that everything else reads.

The build of `solutions/` (rnnkit.grading.build), the checks (rnnkit.grading.specs), the class
grader, the tests and the benchmarks import it; tests hold the Makefile, `_toc.yml`, the
chapters' titles and the sources in `solutions/` to it. Plain data: no NumPy, no torch.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class GradedFunction:
    """A function the student writes, graded by its own test cell worth `points`."""

    name: str
    points: int
    forward: str | None = None  # the forward pass whose cache this backward pass takes

    @property
    def test_cell(self):
        """The grade id of the locked cell that tests this function."""
        return "test_" + self.name


@dataclass(frozen=True)
class Assignment:
    """One exercise notebook: written as `solutions/<id>.md`, built into `solutions/<id>/<id>.ipynb`
    and released as `exercises/<id>/<id>.ipynb`."""

    id: str
    number: int                # the chapter's number
    title: str                 # the chapter's title, its first heading
    chapter: str               # the chapter's page, as _toc.yml names it
    functions: tuple           # the graded functions, in the notebook's order
    written_points: int = 1    # the written question at the end, graded by hand

    @property
    def source(self):
        return f"solutions/{self.id}.md"

    @property
    def notebook(self):
        return f"solutions/{self.id}/{self.id}.ipynb"

    @property
    def release(self):
        return f"exercises/{self.id}/{self.id}.ipynb"


def _recurrent(cell):
    """The four graded functions of a recurrent cell: a step and a sequence, forward and backward."""
    return (GradedFunction(f"{cell}_step_forward", 2),
            GradedFunction(f"{cell}_step_backward", 3, forward=f"{cell}_step_forward"),
            GradedFunction(f"{cell}_forward", 2),
            GradedFunction(f"{cell}_backward", 3, forward=f"{cell}_forward"))


ASSIGNMENTS = (
    Assignment("01_rnn", 1, "Recurrent neural networks", "book/01_rnn", _recurrent("rnn")),
    Assignment("02_vanishing_gradients", 2, "Vanishing and exploding gradients", "book/02_vanishing_gradients", (
        GradedFunction("sigmoid", 2),
        GradedFunction("hidden_jacobian", 2),
        GradedFunction("clip_grad_norm", 2))),
    Assignment("03_gru", 3, "Gated recurrent units", "book/03_gru", _recurrent("gru")),
    Assignment("04_lstm", 4, "Long short-term memory", "book/04_lstm", _recurrent("lstm")),
    Assignment("05_attention", 5, "Attention", "book/05_attention", (
        GradedFunction("softmax", 2),
        GradedFunction("attention_forward", 3),
        GradedFunction("attention_backward", 3, forward="attention_forward"))),
)

FUNCTIONS = {f.name: f for a in ASSIGNMENTS for f in a.functions}
_BY_ID = {a.id: a for a in ASSIGNMENTS}
_OF_FUNCTION = {f.name: a for a in ASSIGNMENTS for f in a.functions}
_BY_TEST_CELL = {f.test_cell: f for f in FUNCTIONS.values()}


def assignment(assignment_id):
    """The assignment `assignment_id`; a ValueError names the ones there are."""
    if assignment_id not in _BY_ID:
        raise ValueError(f"assignment must be one of {list(_BY_ID)}, got {assignment_id!r}")
    return _BY_ID[assignment_id]


def assignment_of(name):
    """The assignment whose notebook holds the graded function `name`."""
    return _OF_FUNCTION[name]


def function_tested_by(cell_id):
    """The graded function that the test cell `cell_id` grades, or None for any other cell."""
    return _BY_TEST_CELL.get(cell_id)


def cell_label(cell_id):
    """What a table of grades calls a cell: the function a test cell grades, else the cell's id."""
    return _BY_TEST_CELL[cell_id].name if cell_id in _BY_TEST_CELL else cell_id
