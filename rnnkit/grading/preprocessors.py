"""The course's nbgrader preprocessors, named in nbgrader_config.py; each extends nbgrader's own.

- `KeepKernelMetadata` (releasing): a released notebook keeps only the notebook metadata a
  kernel needs, not the note of `make solutions` that says which source to edit.
- `ClearHiddenTestsAndTracebacks` (feedback): nbgrader's feedback shows each test cell's whole
  source and the traceback of a failure, which quote the hidden tests. This removes the hidden
  region of every test cell and cuts each error to its last line, the grader's message.
"""

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor


class KeepKernelMetadata(NbGraderPreprocessor):
    """Notebook metadata reduced to `kernelspec` and `language_info`."""

    def preprocess(self, nb, resources):
        nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
        return nb, resources


class ClearHiddenTestsAndTracebacks(ClearHiddenTests):
    """ClearHiddenTests, plus error outputs reduced to `ErrorName: message`."""

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
