"""rnnkit.grading.specs: every graded function of the course's specification has a spec, and
the registry and the specs name the same functions."""

from rnnkit.grading.assignments import FUNCTIONS, assignment_of
from rnnkit.grading.specs import SPECS


def test_every_graded_function_of_the_spec_has_a_check():
    spec = {"01_rnn": "rnn_step_forward rnn_step_backward rnn_forward rnn_backward",
            "02_vanishing_gradients": "sigmoid hidden_jacobian clip_grad_norm",
            "03_gru": "gru_step_forward gru_step_backward gru_forward gru_backward",
            "04_lstm": "lstm_step_forward lstm_step_backward lstm_forward lstm_backward",
            "05_attention": "softmax attention_forward attention_backward"}
    assert {n: assignment_of(n).id for n in FUNCTIONS} == {n: a for a, names in spec.items() for n in names.split()}


def test_every_graded_function_of_the_registry_has_a_spec_and_no_other():
    assert sorted(set(FUNCTIONS) - set(SPECS)) == [], "these graded functions need a spec in rnnkit/grading/specs.py"
    assert sorted(set(SPECS) - set(FUNCTIONS)) == [], "these specs are of no graded function of the registry"


def test_a_backward_checks_with_the_arguments_of_its_forward():
    for name, s in SPECS.items():
        assert s.forward is None or s.args[-1] == "cache", name
