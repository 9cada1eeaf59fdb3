"""Public implementations of the graded functions, adapted to the course's interface (issue 9).

One file per implementation, `tests/corpus/<assignment>/<slug>.py`: a provenance docstring, the
author's code with the smallest adaptation a student would make, and a module-level
`EXPECTED = {function_name: [mistake tags]}` ([] = believed correct). tests/test_corpus.py grades
every function of every file with rnnkit.grading.check.

The code is other people's, kept for testing the grader, and its terms differ: Deep Learning from
Scratch 2 is MIT, min-char-rnn says BSD, d2l-en's repository license is CC BY-SA 4.0, EpyNN is
GPL-3.0, and most student repositories (CS231n, 11-785) state no license at all. Check each source's
terms before this directory is published, packaged or copied anywhere students can see it.
"""
import importlib.util
from pathlib import Path

HERE = Path(__file__).parent


def files():
    """The corpus files, as paths relative to this directory ("03_gru/dlfs2.py"), sorted."""
    return sorted(str(p.relative_to(HERE)) for p in HERE.glob("*/*.py"))


def load(rel):
    """Import the corpus file `rel` as a fresh module of its own."""
    path = HERE / rel
    name = "corpus_" + rel[:-3].replace("/", "_").replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
