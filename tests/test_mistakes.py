"""rnnkit.grading.mistakes and mistake_models: every named mistake is in a table the grader
uses, and every mistake a graded function is compared with gives another answer than the
reference on the hidden sizes (a mistake model that silently equals the reference fails)."""

import numpy as np
import pytest

from rnnkit.grading import comparison, mistake_models, mistakes
from rnnkit.grading.mistakes import Mistake
from rnnkit.grading.specs import SPECS

TABLES = [*mistakes.CELL_FORWARD.values(), *mistakes.CELL_BACKWARD.values(), mistakes.DW_HH_TRANSPOSED,
          mistakes.BIAS_GRAD_AVERAGED, mistakes.SEQUENCE, mistakes.BPTT, mistakes.LSTM_BPTT,
          mistakes.ATTENTION_FORWARD, mistakes.ATTENTION_BACKWARD]


def test_every_mistake_is_named_in_a_table():
    assert {m for table in TABLES for m in table.values()} == set(Mistake)


def test_every_table_is_compared_with_some_function():
    used = {d for s in SPECS.values() for d in s.mistakes}
    assert [d for table in TABLES for d in table if d not in used] == []


def differs(spec, model, inputs):
    """Whether `model` gives another answer than the reference on `inputs`."""
    right = spec.reference(inputs)
    try:
        return bool(comparison.wrong_outputs(spec, model(inputs), right, ""))
    except comparison.GradingError:  # another structure or shape: another answer
        return True


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_mistake_differs_from_the_reference_on_the_hidden_sizes(name):
    spec = SPECS[name]
    same = [description for description, model in spec.mistakes.items()
            if not any(differs(spec, model, spec.make(np.random.default_rng(i), size))
                       for i, size in enumerate(spec.hidden))]
    assert not same, f"{name}: these mistakes equal the reference on every hidden size: {same}"


def test_a_model_without_mistakes_is_the_reference():
    spec = SPECS["gru_backward"]
    inputs = spec.make(np.random.default_rng(0), spec.hidden[1])
    hs, (dxs, dstates, dp) = mistake_models.run_sequence("gru", inputs["xs"], [inputs["h0"]], inputs["p"],
                                                         [inputs["dhs"]])
    assert not comparison.wrong_outputs(spec, [dxs, *dstates, dp], spec.reference(inputs), "")
