"""Checks for the graded exercises: compare a student's NumPy function with rnnkit.reference
and, when it is wrong, name the most likely mistake.

An exercise notebook imports this package in its locked first cell, before any student code,
so that `guard` keeps untouched references to what grading relies on. Test cells then call::

    check("rnn_step_forward", rnn_step_forward, visible=True)   # visible test: fixed inputs
    check("rnn_step_backward", rnn_step_backward, rnn_step_forward)  # hidden test: fresh inputs

A correct function prints one line; a wrong one raises `GradingError` with the diagnosis
(and writes it to stderr, which nbgrader also counts as a failure).

The modules: `assignments` (the registry of assignments), `specs` (how each graded function
is exercised), `checking` (running and comparing), `comparison` (what counts as right),
`diagnosis` (what a wrong answer is told), `mistakes` and `mistake_models` (the common
mistakes, named and in torch), `guard` (what a graded function may not do), `build` (the
source notebooks from solutions/<id>.md) and `preprocessors` (nbgrader's, for the course).
"""

from rnnkit.grading.assignments import ASSIGNMENTS
from rnnkit.grading.checking import check, observe, passed, prepare, verdict
from rnnkit.grading.comparison import GradingError

__all__ = ["check", "prepare", "observe", "verdict", "passed", "GradingError", "ASSIGNMENTS"]
