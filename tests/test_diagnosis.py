"""rnnkit.grading.diagnosis: each common mistake is named, alone or with others, a factor by what
it means, with the section of the book to read."""

import re

import numpy as np
import pytest

from notebooks import ROOT, SOURCES, mutate, run
from rnnkit.grading import book, checking, findings, forms
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


CHO_CHUNG = [("n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])",
              'n = np.tanh(gi[:, 2 * H:] + (r * h_prev) @ p["weight_hh"][2 * H:].T + p["bias_hh"][2 * H:])'),
             ("h_next = (1 - z) * n + z * h_prev", "h_next = z * n + (1 - z) * h_prev")]
KERAS_ORDER = [("r = _sigmoid(gi[:, :H] + gh[:, :H])", "r = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])"),
               ("z = _sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])", "z = _sigmoid(gi[:, :H] + gh[:, :H])")]


def test_combined_mistakes_are_each_named_and_a_published_form_says_how_it_differs():
    message = run("03_gru", "gru_forward", mutate(SOURCES["03_gru"], CHO_CHUNG))
    assert "Most likely mistakes" not in message and "Cho et al.'s published GRU" in message
    assert "a different model with the same parameters" in message and "'Other published GRUs'" in message
    assert message.splitlines()[-1] == "Diagnosis: reset_before + z_swapped"
    message = run("03_gru", "gru_step_forward", mutate(SOURCES["03_gru"], CHO_CHUNG[:1] + KERAS_ORDER))
    assert "reset_after=False" in message and "linear_before_reset=0" in message
    assert message.splitlines()[-1] == "Diagnosis: reset_before + gate_order_zrn"
    no_biases = [('+ p["bias_hh"][2 * H:])', ")"), ('.T + p["bias_ih"]', ".T"), ('.T + p["bias_hh"]', ".T")]
    message = run("03_gru", "gru_step_forward", mutate(SOURCES["03_gru"], CHO_CHUNG + KERAS_ORDER + no_biases))
    assert "Most likely mistakes, which together give exactly your outputs:" in message
    assert message.count("\n  ") == 3 and "the biases are left out" in message, message  # as DLFS2 writes it
    assert message.splitlines()[-1] == "Diagnosis: no_biases + reset_before + z_swapped + gate_order_zrn"


def test_a_mask_mistake_is_found_on_the_sizes_that_have_a_mask():
    wrong = mutate(SOURCES["05_attention"], [("/ np.sqrt(d)", ""), ("scores = np.where(mask, scores, -1e30)", "pass")])
    message = run("05_attention", "attention_forward", wrong)
    assert "(input size (2, 1, 4, 3, 2, 'none')" in message  # reported on the first size, which has no mask
    assert message.splitlines()[-1] == "Diagnosis: no_scale + mask_ignored"


def observed(name, change, sizes=None):
    """What observe() would send for a function whose outputs are the right ones changed by
    change(outputs, inputs), on the sizes `sizes` (all by default), right elsewhere."""
    spec, runs = SPECS[name], []
    for i, size in enumerate(spec.hidden):
        inputs = spec.make(np.random.default_rng(3 + i), size)
        outs = spec.reference(inputs)
        before = {"outputs": SPECS[spec.forward].reference(inputs)} if spec.forward else None
        runs.append([before, {"outputs": change(outs, inputs) if sizes is None or i in sizes else outs}])
    return runs


def scaled(label, by):
    def change(outs, inputs):
        outs = list(outs)
        outs[label] = outs[label] * by(inputs)
        return outs
    return change


@pytest.mark.parametrize("name,label,by,words,kind", [
    ("rnn_backward", 0, lambda i: 1 / i["xs"].shape[1], "divided by T = 5, the number of steps", "averaged_over_time"),
    ("rnn_step_backward", 1, lambda i: 1 / i["x"].shape[0], "divided by N = 3, the batch size", "averaged_over_batch"),
    ("attention_backward", 0, lambda i: np.sqrt(i["q"].shape[-1]), "the 1/√d scale is missing", "times_sqrt_d"),
    ("attention_backward", 2, lambda i: 1 / np.sqrt(i["q"].shape[-1]), "applied once too often", "over_sqrt_d"),
    ("attention_backward", 2, lambda i: 2.0, "twice the right answer", "doubled"),
])
def test_a_uniform_factor_is_named_by_what_it_means(name, label, by, words, kind):
    message = checking.verdict(name, observed(name, scaled(label, by)), 3)
    assert words in message and findings.keys(message) == [kind], message


def test_two_meanings_of_a_factor_are_told_apart_by_other_sizes_or_both_said():
    # d = 4 on the second size: twice the answer is also √d times it there, and only there
    message = checking.verdict("attention_backward", observed("attention_backward", scaled(0, lambda i: 2.0)), 3)
    assert "twice" in message and "√d" not in message
    only_there = observed("attention_backward", scaled(0, lambda i: 2.0), sizes={1})
    message = checking.verdict("attention_backward", only_there, 3)
    assert "twice the right answer" in message and "√d = 2 times the right answer (d = 4)" in message


def cited_sections():
    """(function or form, chapter page, heading) of every section a message can cite."""
    for name, spec in SPECS.items():
        for page, heading in book.citations(book.see_the_book(spec)):
            yield name, page, heading
    for form in forms.FORMS:
        for page, heading in book.citations(form.section):
            yield form.label, page, heading


def test_every_section_the_grader_cites_is_a_heading_of_the_book():
    headings = {}
    for chapter in (ROOT / "book").glob("*.md"):
        headings[f"book/{chapter.stem}"] = {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", chapter.read_text(), re.M)}
    cited = list(cited_sections())
    assert len(cited) >= len(SPECS)
    for who, page, heading in cited:
        assert heading in headings[page], f"{who} cites {heading!r} in {page}, which has no such heading"


def test_a_cited_section_is_a_link_to_its_heading():
    assert book.citations("See the book, chapter 3, Gated recurrent units (book/03_gru), section 'The equations' "
                          "(the loop: chapter 1, 'Backpropagation through time'); chapter 3, 'Other published GRUs'.") == [
        ("book/03_gru", "The equations"), ("book/01_rnn", "Backpropagation through time"),
        ("book/03_gru", "Other published GRUs")]
    assert book.link("https://example.org/rnn/", "book/04_lstm", "Two states: a memory and an output") == \
        "https://example.org/rnn/book/04_lstm.html#two-states-a-memory-and-an-output"
