"""The ungraded part of exercise 4 that a student runs: the released notebook's cells train a
character model with the solution's LSTM, and skip the training when the notebook is graded."""

import matplotlib
import numpy as np
import pytest

from notebooks import SOURCES, namespace, notebook

TAG = "char-model"  # the cells of exercise 4's training part


def training_cells():
    """The sources of the training part's cells in the released notebook: definitions, then the run."""
    cells = ["".join(c["source"]) for c in notebook("04_lstm", "exercises")["cells"]
             if TAG in c["metadata"].get("tags", [])]
    assert len(cells) >= 2, f"exercises/04_lstm has no cells tagged {TAG!r}"
    return cells[:-1], cells[-1]


def with_training_part(steps):
    """The solution's namespace with the training part defined, set to train `steps` steps."""
    definitions, _ = training_cells()
    return namespace("\n\n".join([SOURCES["04_lstm"], *definitions, f"STEPS = {steps}"]))


def test_the_training_part_trains_a_character_model_with_the_solution_lstm(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    matplotlib.use("Agg")
    ns = with_training_part(60)
    _, run = training_cells()
    exec(run, ns)
    matplotlib.pyplot.close("all")
    losses = ns["losses"]
    assert len(losses) == 60 and np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.5, losses
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("60 steps in ") and lines[1].startswith("The keeper ")


def test_the_training_is_skipped_when_the_notebook_is_graded(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # as nbgrader autograde and rnnkit grade set it
    ns = with_training_part(3000)
    ns["train_char_model"] = lambda *args, **kwargs: pytest.fail("the notebook trained while graded")
    exec(training_cells()[1], ns)
    assert capsys.readouterr().out == "Training skipped: the notebook is being graded.\n"


def test_the_training_part_hands_out_no_softmax_in_numpy():
    """SPEC: no file a student receives holds a NumPy solution of a graded function, and
    exercise 5 grades softmax: the loss and the sampling use torch's."""
    definitions, run = training_cells()
    assert "np.exp" not in "\n".join([*definitions, run])
