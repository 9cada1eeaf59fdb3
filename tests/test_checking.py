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


# (assignment, function, [(old, new)]): every kind of finding, each of which observe() must see
# without torch and verdict() must word as check() does
CROSS_PROCESS = [
    ("03_gru", "gru_backward", []),
    ("03_gru", "gru_backward", [("dhs[:, t] + dh", "dhs[:, t]")]),
    ("03_gru", "gru_backward", [("r * gh[:, 2 * H:]", "gh[:, 2 * H:]")]),
    ("03_gru", "gru_backward", [("def gru_forward(xs, h0, p):", "def gru_forward(xs, h0, p):\n    raise KeyError('x')")]),
    ("03_gru", "gru_forward", [("n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])",  # Cho et al. with Chung's z
                                'n = np.tanh(gi[:, 2 * H:] + (r * h_prev) @ p["weight_hh"][2 * H:].T + p["bias_hh"][2 * H:])'),
                               ("h_next = (1 - z) * n + z * h_prev", "h_next = z * n + (1 - z) * h_prev")]),
    ("03_gru", "gru_forward", [("np.stack(hs, axis=1), caches", "np.stack(hs, axis=1).astype(np.float32), caches")]),
    ("01_rnn", "rnn_step_backward", [('"bias_ih": da.sum(axis=0)', '"bias_ih": list(da.sum(axis=0))')]),
    ("01_rnn", "rnn_step_backward", [('"bias_ih": da.sum(axis=0)', '"bias_ih": da')]),  # a wrong shape
    ("02_vanishing_gradients", "clip_grad_norm", [("return {k: g * scale for k, g in grads.items()}, total",
                                                   "for g in grads.values():\n            g *= scale\n"
                                                   "        return grads, total")]),
    ("02_vanishing_gradients", "sigmoid", [("pos = x >= 0", "pos = x >= -np.inf")]),
    ("05_attention", "attention_backward", [("/ np.sqrt(q.shape[-1])", "")]),
]


@pytest.mark.parametrize("visible", [False, True])
@pytest.mark.parametrize("assignment,name,bug", CROSS_PROCESS, ids=lambda v: v if isinstance(v, str) else "")
def test_observed_in_one_process_and_judged_in_another_the_message_is_the_checks(visible, assignment, name, bug):
    ns = namespace(mutate(SOURCES[assignment], bug))
    forward = ns[SPECS[name].forward] if SPECS[name].forward else None
    try:
        check(name, ns[name], forward, visible=visible, seed=None if visible else 77)
        expected = None
    except GradingError as error:
        expected = str(error)
    assert (expected is None) == (not bug)
    seed = checking.VISIBLE_SEED if visible else 77
    sent = json.dumps(encode(grading.observe(name, ns[name], forward, seed, visible=visible)))
    assert grading.verdict(name, decode(json.loads(sent)), seed, visible=visible) == expected
    assert grading.verdict(name, decode(json.loads(sent)), seed, visible=visible) == expected  # deterministic


def test_an_input_modified_in_place_does_not_stop_the_comparison():
    wrong = mutate(SOURCES["02_vanishing_gradients"], [
        ("return {k: g * scale for k, g in grads.items()}, total",
         "for g in grads.values():\n            np.clip(g, -max_norm, max_norm, out=g)\n        return grads, total")])
    message = run("02_vanishing_gradients", "clip_grad_norm", wrong)
    assert "modified its input grads in place" in message and "each entry is clipped" in message
    assert message.splitlines()[-1] == "Diagnosis: clip_per_element; modified_input"


def test_a_float32_answer_within_tolerance_is_wrong():
    wrong = mutate(SOURCES["01_rnn"], [("return hs, caches", "return hs.astype(np.float32), caches")])
    message = run("01_rnn", "rnn_forward", wrong)
    assert message and "hs is float32, not float64" in message and "Wrong: hs." in message
    assert message.splitlines()[-1] == "Diagnosis: not_float64"


def test_a_list_instead_of_an_array_is_a_finding_of_its_own_and_its_values_are_still_compared():
    wrong = mutate(SOURCES["01_rnn"], [('"bias_ih": da.sum(axis=0)', '"bias_ih": list(da.mean(axis=0))')])
    message = run("01_rnn", "rnn_step_backward", wrong)
    assert "grads['bias_ih'] must be a NumPy array, got list" in message
    assert "averaged over the batch" in message
    assert message.splitlines()[-1] == "Diagnosis: averaged_over_batch; not_array"  # only b_ih: a factor, named


def test_an_object_of_the_students_is_never_made_an_array_outside_the_watch():
    source = SOURCES["01_rnn"] + """

class Lazy:
    def __array__(self, dtype=None, copy=None):
        open(LOG, "a").write("converted")
        return np.zeros((1,))

def rnn_step_forward(x, h_prev, p):
    return [Lazy()], None
"""
    import tempfile
    with tempfile.NamedTemporaryFile() as log:
        message = run("01_rnn", "rnn_step_forward", source.replace("LOG", repr(log.name)))
        assert "h_next must be a NumPy array, got list" in message and open(log.name).read() == ""


def test_every_message_ends_with_the_kinds_of_what_was_found():
    stub = "def rnn_step_forward(x, h_prev, p):\n    raise NotImplementedError()\n"
    assert run("01_rnn", "rnn_step_forward", stub).splitlines()[-1] == "Diagnosis: not_implemented"
    assert run("01_rnn", "rnn_step_forward", "def rnn_step_forward(x, p):\n    pass\n").endswith(
        "Diagnosis: wrong_signature")
    wrong = mutate(SOURCES["01_rnn"], [(' + p["bias_hh"]', "")])
    assert run("01_rnn", "rnn_step_backward", wrong).splitlines()[-1] == "Diagnosis: forward_wrong"


def test_observed_data_with_a_size_or_an_output_left_out_does_not_pass():
    ns = namespace(SOURCES["01_rnn"])
    observed = grading.observe("rnn_step_backward", ns["rnn_step_backward"], ns["rnn_step_forward"], 3)
    assert grading.verdict("rnn_step_backward", observed, 3) is None
    assert "not observed on every input size" in grading.verdict("rnn_step_backward", observed[:1], 3)
    observed[1][1]["outputs"] = observed[1][1]["outputs"][:2]
    assert "not observed whole" in grading.verdict("rnn_step_backward", observed, 3)
    observed[1][1] = {"problem": "raised", "finding": "no such kind"}
    assert grading.verdict("rnn_step_backward", observed, 3).endswith("Diagnosis: raised")


def test_a_forbidden_call_is_seen_without_a_right_answer():
    cheat = namespace(SOURCES["01_rnn"] + "\nimport torch\ndef rnn_forward(xs, h0, p):\n    torch.zeros(1)\n")
    observed = grading.observe("rnn_forward", cheat["rnn_forward"], None, 1)
    assert all("earns 0" in runs[1]["problem"] for runs in observed)


def test_importing_the_grader_does_not_import_torch():
    import subprocess
    code = "import sys, rnnkit.grading, rnnkit.gradcheck; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_observing_every_graded_function_needs_no_torch():
    import subprocess
    code = ("import sys, rnnkit.grading as g; from rnnkit.grading.specs import SPECS\n"
            "for name, spec in SPECS.items():\n"
            "    fn = lambda *args: 1 / 0\n"
            "    g.observe(name, fn, fn if spec.forward else None, 1)\n"
            "assert 'torch' not in sys.modules, 'observe imported torch'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

