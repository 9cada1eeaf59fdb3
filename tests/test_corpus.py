"""The corpus of public implementations (tests/corpus), graded through the course's own checks.

Every function a corpus file lists in EXPECTED is checked with the hidden inputs of two fixed seeds:
a correct one ([] in EXPECTED) must pass, a wrong one must fail, and a wrong one should be failed
with a named mistake: a matching "Most likely mistake", or the grader's named checks for inputs
changed in place and for overflow. Where the grader does not do that yet, the test is an expected
failure (issue 9); improving the grader turns it into an unexpected pass, and its entry below can go.
"""
import functools
import re

import pytest

from corpus import files, load
from rnnkit.grading import GradingError, check
from rnnkit.grading.assignments import FUNCTIONS, assignment_of

SEEDS = (11, 12)
NAMED = ("Most likely mistake:", "modified its input", "is not numerically stable")

MODULES = {rel: load(rel) for rel in files()}
CASES = [(rel, name, tuple(tags)) for rel, module in MODULES.items() for name, tags in module.EXPECTED.items()]
CORRECT = [(rel, name) for rel, name, tags in CASES if not tags]
WRONG = [(rel, name) for rel, name, tags in CASES if tags]

# Wrong implementations that the grader passes today.
NOT_CAUGHT = {
    ("01_rnn/dlfs2.py", "rnn_forward"): "float32 output within tolerance passes",
    ("01_rnn/dlfs2.py", "rnn_backward"): "float32 dxs within tolerance passes",
}

# Wrong implementations the grader fails without naming a mistake ("None of the grader's common
# mistakes matches", or only generic hints).
NOT_NAMED = {
    ("01_rnn/mytorch_jingxian0320.py", "rnn_step_backward"): "weights and biases averaged over the batch",
    ("01_rnn/mytorch_sauravkambil.py", "rnn_step_backward"): "weights and biases averaged over the batch",
    ("01_rnn/mytorch_yesandy.py", "rnn_step_backward"): "weights and biases averaged over the batch",
    ("03_gru/dlfs2.py", "gru_step_forward"): "gate order z, r, n + no biases + reset before + z swapped",
    ("03_gru/dlfs2.py", "gru_step_backward"): "gate order z, r, n + no biases + reset before + z swapped",
    ("03_gru/dlfs2.py", "gru_forward"): "gate order z, r, n + no biases + reset before + z swapped (+ float32)",
    ("03_gru/dlfs2.py", "gru_backward"): "gate order z, r, n + no biases + reset before + z swapped (+ float32)",
    ("03_gru/mastro_batched_gru.py", "gru_forward"): "gate order z, r, n + reset before + z swapped",
    ("03_gru/mastro_batched_gru.py", "gru_backward"): "gate order z, r, n + reset before + z swapped, then derivatives of pre-activations",
    ("03_gru/mytorch_jingxian0320.py", "gru_step_forward"): "no biases + reset before + z swapped",
    ("03_gru/mytorch_jingxian0320.py", "gru_step_backward"): "no biases + reset before + z swapped",
    ("03_gru/mytorch_yesandy.py", "gru_step_forward"): "no biases + reset before + z swapped",
    ("03_gru/mytorch_yesandy.py", "gru_step_backward"): "no biases + reset before + z swapped",
    ("04_lstm/dlfs2.py", "lstm_step_forward"): "gate order f, g, i, o",
    ("04_lstm/dlfs2.py", "lstm_step_backward"): "gate order f, g, i, o",
    ("04_lstm/dlfs2.py", "lstm_forward"): "gate order f, g, i, o (+ float32)",
    ("04_lstm/dlfs2.py", "lstm_backward"): "gate order f, g, i, o (+ float32)",
    ("05_attention/dlfs2.py", "softmax"): "returns its input unchanged for 3-D arrays",
    ("05_attention/mytorch_hw4_smit25.py", "attention_forward"): "inverted mask added as -1e10 (a fully masked row stays unmasked)",
    ("05_attention/mytorch_hw4_smit25.py", "attention_backward"): "inverted mask added as -1e10 (a fully masked row stays unmasked)",
}


def _id(rel, name):
    return f"{rel}::{name}"


def _params(cases, known):
    return [pytest.param(rel, name, id=_id(rel, name),
                         marks=[pytest.mark.xfail(strict=False, reason=f"issue 9: {known[rel, name]}")]
                         if (rel, name) in known else [])
            for rel, name in cases]


@functools.cache
def outcomes(rel, name):
    """The grader's message for each seed, None where the function passed."""
    module = MODULES[rel]
    forward = getattr(module, FUNCTIONS[name].forward) if FUNCTIONS[name].forward else None
    messages = []
    for seed in SEEDS:
        try:
            check(name, getattr(module, name), forward, seed=seed)
            messages.append(None)
        except GradingError as error:
            messages.append(str(error))
    return messages


def test_each_file_says_where_it_comes_from_and_lists_functions_of_its_assignment():
    assert len(MODULES) >= 30
    for rel, module in MODULES.items():
        assignment = rel.split("/")[0]
        doc = module.__doc__ or ""
        assert "Source" in doc and "author" in doc, f"{rel}: the docstring must give the source and credit the author"
        assert module.EXPECTED, f"{rel}: EXPECTED is empty"
        for name, tags in module.EXPECTED.items():
            assert name in FUNCTIONS and assignment_of(name).id == assignment, f"{rel}: {name} is not graded in {assignment}"
            assert callable(getattr(module, name, None)), f"{rel}: {name} is listed but not defined"
            assert isinstance(tags, list) and all(re.fullmatch(r"[a-z0-9_.\-]+", t) for t in tags), f"{rel}: {name}'s tags"


def test_every_graded_function_has_public_implementations():
    covered = {name for _, name, _ in CASES}
    assert covered == set(FUNCTIONS)


def test_the_known_gaps_list_only_wrong_implementations_of_the_corpus():
    assert set(NOT_CAUGHT) <= set(WRONG) and set(NOT_NAMED) <= set(WRONG)


@pytest.mark.parametrize("rel, name", _params(CORRECT, {}))
def test_a_correct_implementation_passes(rel, name):
    assert outcomes(rel, name) == [None] * len(SEEDS), outcomes(rel, name)


@pytest.mark.parametrize("rel, name", _params(WRONG, NOT_CAUGHT))
def test_a_wrong_implementation_fails(rel, name):
    assert None not in outcomes(rel, name), f"{rel} {name} ({MODULES[rel].EXPECTED[name]}) passed"


@pytest.mark.parametrize("rel, name", _params(WRONG, {**NOT_CAUGHT, **NOT_NAMED}))
def test_a_wrong_implementation_is_failed_with_a_named_mistake(rel, name):
    for message in outcomes(rel, name):
        assert message is not None and any(marker in message for marker in NAMED), message
