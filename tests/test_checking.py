"""rnnkit.grading.checking: correct implementations pass, broken ones fail with a message that
says why, and outputs run in one process are judged in another."""

import json
import sys

import pytest

import rnnkit.grading as grading
from rnnkit.grading import checking
from rnnkit.grading.encoding import decode, encode
from notebooks import SOURCES, mutate, namespace, run
from rnnkit.grading import GradingError, check
from rnnkit.grading.specs import SPECS


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_solution_passes(name, capsys):
    assert run(SPECS[name].assignment.id, name) is None
    assert run(SPECS[name].assignment.id, name, visible=True) is None
    assert f"{name}: correct on" in capsys.readouterr().out


ALTERNATIVES = [  # other correct implementations: they must pass
    ("05_attention", "attention_forward", [("np.where(mask, scores, -1e30)", "np.where(mask, scores, -np.inf)")]),
    ("02_vanishing_gradients", "sigmoid", [("out[pos] = 1 / (1 + np.exp(-x[pos]))",
                                             "out[pos] = np.exp(-np.logaddexp(0, -x[pos]))")]),
]


@pytest.mark.parametrize("assignment,name,replacements", ALTERNATIVES, ids=lambda v: v if isinstance(v, str) else "")
def test_other_correct_implementations_pass(assignment, name, replacements):
    assert run(assignment, name, mutate(SOURCES[assignment], replacements)) is None


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


def test_a_backward_check_names_a_broken_forward_first():
    stub = mutate(SOURCES["01_rnn"], [("def rnn_step_forward(x, h_prev, p):", "def rnn_step_forward(x, h_prev, p):\n"
                                                                                "    raise NotImplementedError()")])
    message = run("01_rnn", "rnn_step_backward", stub)
    assert "cannot be checked until rnn_step_forward is right" in message and "not implemented yet" in message


@pytest.mark.parametrize("visible", [False, True])
@pytest.mark.parametrize("bug", [[], [("dhs[:, t] + dh", "dhs[:, t]")], [("r * gh[:, 2 * H:]", "gh[:, 2 * H:]")],
                                 [("def gru_forward(xs, h0, p):", "def gru_forward(xs, h0, p):\n    raise KeyError('x')")]])
def test_observed_in_one_process_and_judged_in_another_the_message_is_the_checks(visible, bug):
    ns = namespace(mutate(SOURCES["03_gru"], bug))
    try:
        check("gru_backward", ns["gru_backward"], ns["gru_forward"], visible=visible, seed=None if visible else 77)
        expected = None
    except GradingError as error:
        expected = str(error)
    seed = checking.VISIBLE_SEED if visible else 77
    sent = json.dumps(encode(grading.observe("gru_backward", ns["gru_backward"], ns["gru_forward"], seed,
                                             visible=visible)))
    assert grading.verdict("gru_backward", decode(json.loads(sent)), seed, visible=visible) == expected


def test_a_forbidden_call_is_seen_without_a_right_answer():
    cheat = namespace(SOURCES["01_rnn"] + "\nimport torch\ndef rnn_forward(xs, h0, p):\n    torch.zeros(1)\n")
    observed = grading.observe("rnn_forward", cheat["rnn_forward"], None, 1)
    assert all("earns 0" in runs[1]["problem"] for runs in observed)


def test_importing_the_grader_does_not_import_torch():
    import subprocess
    code = "import sys, rnnkit.grading, rnnkit.gradcheck; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0

