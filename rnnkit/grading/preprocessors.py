"""The course's nbgrader preprocessors, named in nbgrader_config.py; each extends nbgrader's own.

- `KeepKernelMetadata` (releasing): a released notebook keeps only the notebook metadata a
  kernel needs, not the note of `make solutions` that says which source to edit.
"""

from nbgrader.preprocessors import NbGraderPreprocessor


class KeepKernelMetadata(NbGraderPreprocessor):
    """Notebook metadata reduced to `kernelspec` and `language_info`."""

    def preprocess(self, nb, resources):
        nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
        return nb, resources
