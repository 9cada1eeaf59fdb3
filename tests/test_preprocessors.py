"""rnnkit.grading.preprocessors, on notebooks in memory (test_nbgrader runs them in nbgrader)."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from rnnkit.grading.preprocessors import ClearHiddenTestsAndTracebacks, KeepKernelMetadata


def test_a_release_keeps_only_the_metadata_a_kernel_needs():
    kernel = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
              "language_info": {"name": "python"}}
    nb = new_notebook(metadata={**kernel, "rnnkit": {"generated": "from solutions/01_rnn.md by `make solutions`"}})
    nb, _ = KeepKernelMetadata().preprocess(nb, {})
    assert nb.metadata == kernel


def test_feedback_keeps_the_graders_message_but_not_the_hidden_tests_or_the_traceback():
    source = 'check("f", f, visible=True)\n### BEGIN HIDDEN TESTS\nhidden_check("f", f)\n### END HIDDEN TESTS'
    error = new_output("error", ename="GradingError", evalue="f is wrong",
                       traceback=["Traceback", 'hidden_check("f", f)', "GradingError: f is wrong"])
    cell = new_code_cell(source, outputs=[error], metadata={"nbgrader": {"grade": True, "grade_id": "test_f",
                                                                         "locked": True, "points": 2,
                                                                         "schema_version": 3, "solution": False}})
    nb = new_notebook(cells=[cell])
    nb, _ = ClearHiddenTestsAndTracebacks().preprocess(nb, {})
    assert nb.cells[0].source == 'check("f", f, visible=True)'
    assert nb.cells[0].outputs[0]["traceback"] == ["GradingError: f is wrong"]
    nbformat.validate(nb)
