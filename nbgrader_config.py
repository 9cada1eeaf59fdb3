"""nbgrader configuration of the course: sources in solutions/, released copies in exercises/."""

from nbgrader.converters import GenerateAssignment

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.assignment_id = ""

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
