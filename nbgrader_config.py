"""nbgrader configuration of the course: sources in solutions/, released copies in exercises/."""

import contextlib
import os
import sys

from nbgrader.converters import GenerateAssignment

c = get_config()  # noqa: F821 (provided by nbgrader)

# nbgrader runs the `alembic` command to create the gradebook: the environment that runs nbgrader
# must be on PATH however it was started (`.venv/bin/jupyter lab` without activating .venv, say).
BIN = os.path.dirname(sys.executable)
if BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = BIN + os.pathsep + os.environ.get("PATH", "")

c.CourseDirectory.course_id = "rnn"  # the exchange's folder; on a JupyterHub, the formgrader service's name
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.assignment_id = ""

# The exchange, where release_assignment, fetch_assignment, submit and collect meet: a shared
# machine's (JupyterHub's) for every course, which its administrator creates with the mode nbgrader
# needs (jupyterhub/nbgrader_config.py); on a machine without one, exchange/ in this directory.
SHARED_EXCHANGE = "/srv/nbgrader/exchange"
if os.path.isdir(SHARED_EXCHANGE):
    c.Exchange.root = SHARED_EXCHANGE
else:
    c.Exchange.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "exchange")
    if not os.path.isdir(c.Exchange.root):  # formgrader offers release and collect once it exists
        with contextlib.suppress(OSError):  # a course directory we may not write: formgrader says so
            os.mkdir(c.Exchange.root)
            os.chmod(c.Exchange.root, 0o1777)  # everyone may hand in; nobody removes another's files

# A cell that runs longer than this is interrupted and scores 0; the notebook goes on.
c.Execute.timeout = 30
# A student who deletes a test cell gets it back; edited locked cells are restored anyway.
c.OverwriteCells.add_missing_cells = True
# nbgrader scores a test cell 0 for any stderr. Warnings (a library's DeprecationWarning, say) cost
# nothing; the grader's own failure messages start with "rnnkit grading:" and are kept.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"^(?!rnnkit grading:)[\s\S]*\w*Warning: "

# A released notebook keeps only the metadata a kernel needs, not the note of `make solutions`.
c.GenerateAssignment.preprocessors = [*GenerateAssignment.class_traits()["preprocessors"].default(),
                                      "rnnkit.grading.preprocessors.KeepKernelMetadata"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback shows scores and the grader's diagnoses, not the hidden tests' source.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "rnnkit.grading.preprocessors.ClearHiddenTestsAndTracebacks",
]
