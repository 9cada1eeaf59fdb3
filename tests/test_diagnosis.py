"""rnnkit.grading.diagnosis: each common mistake is named, with the section of the book to read."""

import re

import pytest

from notebooks import ROOT, SOURCES, mutate, run
from rnnkit.grading.specs import SPECS

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
    ("02_vanishing_gradients", "clip_grad_norm", [("grads.items()}, total\n", "grads.items()}, total ** 2\n")] * 2,
     "the norm is squared"),  # a float output, as the docstring asks
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


def test_every_section_the_grader_cites_is_a_heading_of_the_book():
    headings = set()
    for chapter in (ROOT / "book").glob("*.md"):
        headings |= {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", chapter.read_text(), re.M)}
    for name, spec in SPECS.items():
        for section in re.findall(r"'([^']+)'", spec.section):
            assert section in headings, f"{name} cites the section {section!r}, which the book does not have"
