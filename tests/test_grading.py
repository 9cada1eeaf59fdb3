"""rnnkit.grading: correct implementations pass, each common mistake is named, cheating fails."""

import sys
import threading

import numpy as np
import pytest

import rnnkit.grading as grading
from rnnkit.grading import GradingError, TASKS, check
from notebooks import IDS, ROOT, mutate, namespace, solution_source

SOURCES = {a: solution_source(a) for a in IDS}


def run(assignment, name, source=None, *, seeds=(1, 2), visible=False):
    """Check `name` from `source` (default: the solution) with hidden inputs; the message or None."""
    ns = namespace(SOURCES[assignment] if source is None else source)
    forward = ns[TASKS[name].forward] if TASKS[name].forward else None
    try:
        for seed in seeds:
            check(name, ns[name], forward, visible=visible, seed=None if visible else seed)
    except GradingError as error:
        return str(error)
    return None


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_solution_passes(name, capsys):
    task = TASKS[name]
    assert run(task.assignment, name) is None
    assert run(task.assignment, name, visible=True) is None
    assert f"{name}: correct on" in capsys.readouterr().out


def test_every_graded_function_of_the_spec_has_a_check():
    spec = {"01_rnn": "rnn_step_forward rnn_step_backward rnn_forward rnn_backward",
            "02_vanishing_gradients": "sigmoid hidden_jacobian clip_grad_norm",
            "03_gru": "gru_step_forward gru_step_backward gru_forward gru_backward",
            "04_lstm": "lstm_step_forward lstm_step_backward lstm_forward lstm_backward",
            "05_attention": "softmax attention_forward attention_backward"}
    assert {n: t.assignment for n, t in TASKS.items()} == {n: a for a, names in spec.items() for n in names.split()}


# (assignment, function, [(old, new)], words the diagnosis must contain)
BUGS = [
    ("01_rnn", "rnn_step_forward", [('h_prev @ p["weight_hh"].T', 'h_prev @ p["weight_hh"]')], "W_hh is used untransposed"),
    ("01_rnn", "rnn_step_forward", [(' + p["bias_hh"]', "")], "b_hh is missing"),
    ("01_rnn", "rnn_step_backward", [('(1 - cache["h_next"] ** 2)', "1")], "tanh' is missing"),
    ("01_rnn", "rnn_step_backward", [('dh_prev = da @ p["weight_hh"]', 'dh_prev = da @ p["weight_hh"].T')],
     "dh_prev uses W_hh.T"),
    ("01_rnn", "rnn_step_backward", [('"weight_hh": da.T @ cache["h_prev"]', '"weight_hh": cache["h_prev"].T @ da')],
     "gradient of W_hh is transposed"),
    ("01_rnn", "rnn_step_backward", [('"bias_ih": da.sum(axis=0)', '"bias_ih": da.mean(axis=0)')], "averaged over the batch"),
    ("01_rnn", "rnn_step_backward", [('"bias_ih": da.sum(axis=0)', '"bias_ih": da')], "Sum the bias gradient over the batch"),
    ("01_rnn", "rnn_forward", [("rnn_step_forward(xs[:, t], h, p)", "rnn_step_forward(xs[:, t], h0, p)")],
     "every step reads the initial state"),
    ("01_rnn", "rnn_backward", [("dhs[:, t] + dh", "dhs[:, t]")], "the carry is missing"),
    ("01_rnn", "rnn_backward", [("grads[k] += g[k]", "grads[k] = g[k]")], "overwritten at each step instead of summed"),
    ("02_vanishing_gradients", "sigmoid", [("pos = x >= 0", "pos = x >= -np.inf")], "not numerically stable"),
    ("02_vanishing_gradients", "hidden_jacobian", [("[:, :, None] * p", "[:, None, :] * p")], "scales the columns"),
    ("02_vanishing_gradients", "clip_grad_norm", [("if scale < 1:", "if True:")], "scaled even when their norm is below"),
    ("02_vanishing_gradients", "clip_grad_norm", [("max_norm / (total + 1e-6)", "max_norm / total")], "leaves out torch's 1e-6"),
    ("03_gru", "gru_step_forward", [("h_next = (1 - z) * n + z * h_prev", "h_next = z * n + (1 - z) * h_prev")],
     "z and 1 − z are swapped"),
    ("03_gru", "gru_step_forward",
     [("n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])",
       'n = np.tanh(gi[:, 2 * H:] + (r * h_prev) @ p["weight_hh"][2 * H:].T + p["bias_hh"][2 * H:])')],
     "Cho et al. 2014"),
    ("03_gru", "gru_step_backward", [('dh_prev = dh_next * c["z"]', "dh_prev = 0")], "direct path from h_prev"),
    ("03_gru", "gru_backward", [("dhs[:, t] + dh", "dhs[:, t]")], "the carry is missing"),
    ("04_lstm", "lstm_step_forward", [("ai, af, ag, ao = np.split", "ai, af, ao, ag = np.split")], "i, f, o, g"),
    ("04_lstm", "lstm_step_backward", [('dc_prev = dc * c["f"]', "dc_prev = dc")], "dc_prev misses the forget gate"),
    ("04_lstm", "lstm_step_backward", [('dc = dc_next + dh_next * c["o"] * (1 - c["tc"] ** 2)', "dc = dc_next")],
     "the path from h' into c' is missing"),
    ("04_lstm", "lstm_backward", [("dhs[:, t] + dh, dc,", "dhs[:, t] + dh, 0 * dc,")], "cell-state carry is missing"),
    ("05_attention", "softmax", [("np.exp(scores - scores.max(axis=axis, keepdims=True))", "np.exp(scores)")],
     "not numerically stable"),
    ("05_attention", "attention_forward", [("/ np.sqrt(d)", "")], "not scaled"),
    ("05_attention", "attention_forward", [("np.where(mask, scores, -1e30)", "np.where(mask, -1e30, scores)")],
     "the mask is inverted"),
    ("05_attention", "attention_backward", [("(dA - (A * dA).sum(axis=-1, keepdims=True))", "dA")],
     "keeps only the diagonal"),
]


@pytest.mark.parametrize("assignment,name,replacements,diagnosis", BUGS, ids=lambda v: v if isinstance(v, str) else "")
def test_each_common_mistake_is_named(assignment, name, replacements, diagnosis):
    message = run(assignment, name, mutate(SOURCES[assignment], replacements))
    assert message is not None, "the buggy submission passed"
    assert diagnosis in message
    assert "See the book, chapter" in message or "Sum the bias" in message


ALTERNATIVES = [  # other correct implementations: they must pass
    ("05_attention", "attention_forward", [("np.where(mask, scores, -1e30)", "np.where(mask, scores, -np.inf)")]),
    ("02_vanishing_gradients", "sigmoid", [("out[pos] = 1 / (1 + np.exp(-x[pos]))",
                                             "out[pos] = np.exp(-np.logaddexp(0, -x[pos]))")]),
]


@pytest.mark.parametrize("assignment,name,replacements", ALTERNATIVES, ids=lambda v: v if isinstance(v, str) else "")
def test_other_correct_implementations_pass(assignment, name, replacements):
    assert run(assignment, name, mutate(SOURCES[assignment], replacements)) is None


def wrap(name, body):
    """The rnn solution with `name` replaced by a function that runs `body` first."""
    return SOURCES["01_rnn"] + f"\n\n_original = {name}\n\ndef {name}(*args):\n{body}\n    return _original(*args)\n"


@pytest.mark.parametrize("body,culprit", [
    ("    import torch\n    torch.zeros(1)", "torch"),
    ("    import rnnkit.reference as R\n    return R.rnn_step(*args[:3]), None", "rnnkit.reference"),
    ("    from rnnkit.grading import mistakes\n    mistakes.rnn_cell", None),
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


def test_modifying_an_input_in_place_is_reported():
    source = SOURCES["01_rnn"] + "\n\n_f = rnn_step_forward\ndef rnn_step_forward(x, h_prev, p):\n" \
                                 "    out = _f(x, h_prev, p)\n    h_prev *= 0\n    return out\n"
    assert "modified its input h_prev in place" in run("01_rnn", "rnn_step_forward", source)


def test_unimplemented_wrong_signature_and_wrong_return():
    stub = "def rnn_step_forward(x, h_prev, p):\n    raise NotImplementedError()\n"
    assert "not implemented yet" in run("01_rnn", "rnn_step_forward", stub)
    assert "must take the arguments (x, h_prev, p)" in run("01_rnn", "rnn_step_forward",
                                                            "def rnn_step_forward(x, p):\n    pass\n")
    assert "must return a tuple of 2 items" in run("01_rnn", "rnn_step_forward",
                                                  "import numpy as np\ndef rnn_step_forward(x, h_prev, p):\n"
                                                  "    return np.tanh(h_prev)\n")
    with pytest.raises(ValueError, match="name must be one of"):
        check("rnn_step", print)


def test_hidden_failures_write_the_diagnosis_to_stderr(monkeypatch):
    written = []
    monkeypatch.setattr(grading.guard, "report_failure", written.append)
    wrong = mutate(SOURCES["01_rnn"], [(' + p["bias_hh"]', "")])
    assert run("01_rnn", "rnn_step_forward", wrong) is not None
    assert written and written[0].startswith("rnnkit grading: ") and "b_hh is missing" in written[0]
    written.clear()
    assert run("01_rnn", "rnn_step_forward", wrong, visible=True) is not None
    assert not written  # a visible test shows its traceback; no need to repeat it on stderr


def test_the_watch_is_removed_after_each_check():
    assert run("01_rnn", "rnn_step_forward") is None
    assert sys.getprofile() is None and threading.getprofile() is None


def test_a_backward_check_names_a_broken_forward_first():
    stub = mutate(SOURCES["01_rnn"], [("def rnn_step_forward(x, h_prev, p):", "def rnn_step_forward(x, h_prev, p):\n"
                                                                                "    raise NotImplementedError()")])
    message = run("01_rnn", "rnn_step_backward", stub)
    assert "cannot be checked until rnn_step_forward is right" in message and "not implemented yet" in message


def test_outputs_judged_elsewhere_against_precomputed_answers():
    ns = namespace(SOURCES["03_gru"])
    expected = grading.answers("gru_backward", 77)
    grading.judge("gru_backward", grading.outputs("gru_backward", ns["gru_backward"], ns["gru_forward"], 77),
                  expected, 77)
    wrong = namespace(mutate(SOURCES["03_gru"], [("dhs[:, t] + dh", "dhs[:, t]")]))
    got = grading.outputs("gru_backward", wrong["gru_backward"], wrong["gru_forward"], 77)
    with pytest.raises(GradingError, match="gru_backward is wrong .*differ from the reference"):
        grading.judge("gru_backward", got, expected, 77)
    cheat = namespace(SOURCES["01_rnn"] + "\nimport torch\ndef rnn_forward(xs, h0, p):\n    torch.zeros(1)\n")
    with pytest.raises(GradingError, match="earns 0"):
        grading.outputs("rnn_forward", cheat["rnn_forward"], None, 1)


def test_importing_the_grader_does_not_import_torch():
    import subprocess
    code = "import sys, rnnkit.grading, rnnkit.gradcheck; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_every_section_the_grader_cites_is_a_heading_of_the_book():
    import re
    headings = set()
    for chapter in (ROOT / "book").glob("*.md"):
        headings |= {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", chapter.read_text(), re.M)}
    for name, task in TASKS.items():
        for section in re.findall(r"'([^']+)'", task.section):
            assert section in headings, f"{name} cites the section {section!r}, which the book does not have"
