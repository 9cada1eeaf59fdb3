import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rnnkit import plots  # noqa: E402
from rnnkit.train import History  # noqa: E402


def history(scale):
    return History(loss=[scale / (k + 1) for k in range(20)], grad_norm=[1.0] * 20,
                   metric=[0.5, 0.9], metric_step=[10, 20])


def test_training_curves_one_line_per_history_and_legend():
    fig = plots.training_curves({"rnn": history(1.0), "gru": history(2.0)}, log=True)
    (ax,) = fig.axes
    assert isinstance(fig, Figure) and [l.get_label() for l in ax.lines] == ["rnn", "gru"]
    assert ax.get_yscale() == "log" and ax.get_legend() is not None
    np.testing.assert_allclose(ax.lines[1].get_ydata(), history(2.0).loss)


def test_training_curves_smoothing_and_metric_on_given_axes():
    fig, ax = plt.subplots()
    assert plots.training_curves(history(1.0), smooth=5, ax=ax) is fig
    assert len(ax.lines[0].get_ydata()) == 16 and ax.get_legend() is None
    plots.training_curves(history(1.0), key="metric", ax=ax)
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [10, 20])
    plt.close(fig)


def test_new_figures_are_not_left_open_in_pyplot():
    before = plt.get_fignums()
    plots.grad_norms_over_time(np.ones(5))
    assert plt.get_fignums() == before


def test_grad_norms_over_time():
    fig = plots.grad_norms_over_time({"rnn": np.logspace(-6, 0, 10), "gru": np.ones(10)})
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(1, 11))
    with pytest.raises(ValueError, match="> 0"):
        plots.grad_norms_over_time({"rnn": np.zeros(3)})


def test_gate_heatmap_puts_time_across():
    gates = np.random.default_rng(0).random((12, 4))
    fig = plots.gate_heatmap(gates, title="update gate z")
    ax = fig.axes[0]
    assert len(ax.images) == 1 and ax.images[0].get_array().shape == (4, 12)
    assert ax.get_title() == "update gate z" and len(fig.axes) == 2  # plus the colorbar


def test_attention_heatmap_labels():
    weights = np.full((3, 4), 0.25)
    fig = plots.attention_heatmap(weights, list("abcd"), ["x", "y", "z"])
    ax = fig.axes[0]
    assert ax.images[0].get_array().shape == (3, 4)
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abcd")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]


@pytest.mark.parametrize("call, name", [
    (lambda: plots.gate_heatmap(np.zeros(5)), "gates"),
    (lambda: plots.gate_heatmap(np.full((2, 2), np.nan)), "gates"),
    (lambda: plots.attention_heatmap(np.zeros((2, 3)), x_labels=["a", "b"]), "x_labels"),
    (lambda: plots.attention_heatmap(np.zeros((2, 3, 1))), "weights"),
    (lambda: plots.grad_norms_over_time(np.ones((2, 2))), "norms_by_label"),
    (lambda: plots.training_curves(history(1.0), key="accuracy"), "key"),
    (lambda: plots.training_curves(history(1.0), smooth=0), "smooth"),
    (lambda: plots.training_curves({"a": [1.0, 2.0]}), "histories"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()
