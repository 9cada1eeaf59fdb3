"""rnnkit.grading.guard: a graded function that calls torch, rnnkit or another process earns
nothing, and a notebook that tampers with NumPy or the watch cannot fool the grader."""

import sys
import threading

import numpy as np
import pytest

from notebooks import SOURCES, mutate, run


def wrap(name, body):
    """The rnn solution with `name` replaced by a function that runs `body` first."""
    return SOURCES["01_rnn"] + f"\n\n_original = {name}\n\ndef {name}(*args):\n{body}\n    return _original(*args)\n"


@pytest.mark.parametrize("body,culprit", [
    ("    import torch\n    torch.zeros(1)", "torch"),
    ("    import rnnkit.reference as R\n    return R.rnn_step(*args[:3]), None", "rnnkit.reference"),
    ("    from rnnkit.grading import mistake_models\n    mistake_models.rnn_cell", None),
    ("    from rnnkit.grading import diagnosis\n    diagnosis.error_hint(ValueError())", "rnnkit.grading.diagnosis"),
    ("    import sys\n    sys.setprofile(None)", "setprofile"),
    ("    import threading\n    threading.Thread(target=print).start()", "start"),
    ("    import subprocess\n    subprocess.run(['true'])", "fork_exec"),
])
def test_calling_torch_rnnkit_or_other_processes_earns_zero(body, culprit):
    message = run("01_rnn", "rnn_step_forward", wrap("rnn_step_forward", body))
    if culprit is None:  # merely touching a module attribute runs nothing: allowed
        assert message is None
    else:
        assert "earns 0" in message and culprit in message


def test_a_lazy_result_cannot_compute_with_torch_later():
    source = SOURCES["01_rnn"] + '''

class Lazy:
    def __init__(self, args):
        self.args = args
    def __array__(self, dtype=None, copy=None):
        import rnnkit.reference as R
        return R.rnn_step(*self.args)

def rnn_step_forward(x, h_prev, p):
    return Lazy((x, h_prev, p)), None
'''
    message = run("01_rnn", "rnn_step_forward", source)
    assert "must be a NumPy array" in message or "earns 0" in message


def test_replacing_numpy_functions_does_not_fool_the_grader(monkeypatch):
    wrong = mutate(SOURCES["01_rnn"], [(' + p["bias_hh"]', "")])
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "array_equal", lambda *a, **k: True)
    monkeypatch.setattr(np, "max", lambda *a, **k: 0.0)
    monkeypatch.setattr(np, "abs", lambda a: a * 0)
    monkeypatch.setattr(np, "isfinite", lambda a: np.ones_like(a, dtype=bool))
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    assert "b_hh is missing" in run("01_rnn", "rnn_step_forward", wrong)


def test_arrays_that_lie_about_equality_are_compared_by_value():
    source = mutate(SOURCES["01_rnn"], [(' + p["bias_hh"]', "")]) + '''

class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)
    def __sub__(self, other):
        return np.zeros(self.shape)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(self.shape)

_honest = rnn_step_forward

def rnn_step_forward(x, h_prev, p):
    h, cache = _honest(x, h_prev, p)
    return h.view(Liar), cache
'''
    assert "b_hh is missing" in run("01_rnn", "rnn_step_forward", source)


def test_the_watch_is_removed_after_each_check():
    assert run("01_rnn", "rnn_step_forward") is None
    assert sys.getprofile() is None and threading.getprofile() is None


