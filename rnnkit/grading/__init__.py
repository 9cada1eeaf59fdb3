"""Checks for the graded exercises: compare a student's NumPy function with rnnkit.reference
and, when it is wrong, name the most likely mistake.

An exercise notebook imports this package in its locked first cell, before any student code,
so that `guard` keeps untouched references to what grading relies on. Test cells then call::

    check("rnn_step_forward", rnn_step_forward, visible=True)   # visible test: fixed inputs
    check("rnn_step_backward", rnn_step_backward, rnn_step_forward)  # hidden test: fresh inputs

A correct function prints one line; a wrong one raises `GradingError` with the diagnosis
(and writes it to stderr, which nbgrader also counts as a failure): every finding on a line of
its own with its fix, and a last line `Diagnosis: <kind>; <kind>` that the class report counts.

The modules: `assignments` (the registry of assignments), `specs` (how each graded function
is exercised), `checking` (running and judging), `comparison` (what counts as right),
`diagnosis` (what a wrong answer is told), `search` (which combination of mistakes explains
it), `hints` (what else relates it to the right answer), `findings` (the kinds of finding and
the Diagnosis line), `mistakes`, `forms` and `mistake_models` (the common mistakes and the
published forms, named and in torch), `book` (the sections a message cites, and their links),
`encoding` (outputs between processes), `guard` (what a graded function may not do), `build`
(the source notebooks from solutions/<id>.md) and `preprocessors` (nbgrader's, for the course).
"""

from rnnkit.grading.assignments import ASSIGNMENTS
from rnnkit.grading.checking import check, observe, passed, prepare, verdict
from rnnkit.grading.comparison import GradingError

__all__ = ["check", "prepare", "observe", "verdict", "passed", "GradingError", "ASSIGNMENTS"]
