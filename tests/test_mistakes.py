"""rnnkit.grading.mistakes, forms and mistake_models: the contract every mistake model keeps.

Every named mistake is in a table a graded function uses; every model (a mistake, or a published
form) gives another answer than the reference on the hidden sizes, so a mistyped or dead flag
cannot hide; a model without mistakes is the reference; and every model, handed to the grader as
a student's outputs, is diagnosed as itself: each diagnosis can be reached."""

import numpy as np
import pytest

from rnnkit.grading import checking, comparison, findings, forms, mistake_models, mistakes
from rnnkit.grading.mistakes import Mistake
from rnnkit.grading.specs import SPECS

TABLES = [*mistakes.CELL_FORWARD.values(), *mistakes.CELL_BACKWARD.values(), mistakes.DW_HH_TRANSPOSED,
          mistakes.AVERAGED, mistakes.SEQUENCE, mistakes.BPTT, mistakes.LSTM_BPTT, mistakes.SIGMOID,
          mistakes.JACOBIAN, mistakes.CLIP, mistakes.SOFTMAX, mistakes.ATTENTION_FORWARD,
          mistakes.ATTENTION_BACKWARD, mistakes.MASK_ADDED]
SEEDS = (0, 1)
UNITS = [(name, unit) for name, spec in sorted(SPECS.items()) for unit in spec.units]


def test_every_mistake_is_named_in_a_table():
    assert {m for table in TABLES for m in table} == set(Mistake)


def test_every_mistake_and_published_form_is_compared_with_some_function():
    used = {m for s in SPECS.values() for unit in s.units for m in unit}
    assert set(Mistake) - used == set()
    assert {f for s in SPECS.values() for f in s.forms} == set(forms.FORMS)


def test_a_published_form_is_made_of_mistakes_that_can_be_made_together():
    for form in forms.FORMS:
        assert len(form.mistakes) > 1 and mistakes.compatible(form.mistakes), form.label


def differs(spec, outputs, inputs):
    """Whether `outputs` are another answer than the reference on `inputs`."""
    return bool(comparison.compare(spec, outputs, spec.reference(inputs)).failed)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_mistake_model_differs_from_the_reference_on_the_hidden_sizes(name):
    spec = SPECS[name]
    cases = [spec.make(np.random.default_rng(seed + i), size) for seed in SEEDS for i, size in enumerate(spec.hidden)]
    same = [findings.key(unit) for unit in spec.units if not any(differs(spec, spec.model(c, unit), c) for c in cases)]
    assert not same, f"{name}: these models equal the reference on every hidden size: {same}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_model_without_mistakes_is_the_reference(name):
    spec = SPECS[name]
    for i, size in enumerate(spec.hidden):
        inputs = spec.make(np.random.default_rng(i), size)
        assert not differs(spec, spec.model(inputs, frozenset()), inputs), size


def test_a_flag_that_is_not_a_mistake_is_refused_instead_of_giving_the_reference():
    spec = SPECS["gru_step_forward"]
    inputs = spec.make(np.random.default_rng(0), spec.hidden[0])
    with pytest.raises(TypeError, match="Mistake"):
        spec.model(inputs, frozenset({"reset_before"}))
    with pytest.raises(TypeError, match="Mistake"):
        mistake_models.clip_grad_norm({"g": np.ones(3)}, 1.0, {"clip_no_eps"})


def observed_as_student(spec, unit, seed):
    """What observe() would send back for a student whose function is the model of `unit` (and
    whose forward pass, for a backward function, is right)."""
    observed = []
    for i, size in enumerate(spec.hidden):
        inputs = spec.make(np.random.default_rng(seed + i), size)
        before = {"outputs": SPECS[spec.forward].reference(inputs)} if spec.forward else None
        observed.append([before, {"outputs": spec.model(inputs, unit)}])
    return observed


@pytest.mark.parametrize("name,unit", UNITS, ids=[f"{n}-{findings.key(u)}" for n, u in UNITS])
def test_every_diagnosis_can_be_reached(name, unit):
    message = checking.verdict(name, observed_as_student(SPECS[name], unit, 5), 5)
    assert message is not None
    assert findings.keys(message)[0] == findings.key(unit), message
