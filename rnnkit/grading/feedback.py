"""An nbgrader preprocessor for feedback: students see scores and diagnoses, not hidden tests.

nbgrader's feedback shows each test cell's whole source and the traceback of a failure, which
quote the hidden tests. `CleanFeedback` removes the hidden region of every test cell and cuts
each error to its last line, the grader's message.
"""

from nbgrader.preprocessors import ClearHiddenTests


class CleanFeedback(ClearHiddenTests):
    """ClearHiddenTests, plus error outputs reduced to `ErrorName: message`."""

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
