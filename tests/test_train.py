import sys

import numpy as np
import pytest
import torch
from torch import nn

from rnnkit import data
from rnnkit.models import CharLM, Seq2Seq, SequenceModel
from rnnkit.train import History, accuracy, hidden_grad_norms, train


def adding_model(dtype=torch.float32):
    return SequenceModel("gru", 2, 16, 1, dtype=dtype, seed=0)


def test_short_run_learns_the_adding_problem():
    x, y = data.adding_problem(256, 10, seed=0)
    h = train(adding_model(), (x, y), loss_fn="mse", steps=150, batch_size=64, seed=0)
    assert isinstance(h, History) and len(h.loss) == len(h.grad_norm) == 150
    # predicting the mean scores 1/6; beating it means the model uses the markers
    assert np.mean(h.loss[:5]) > 0.5 and np.mean(h.loss[-10:]) < 0.05


def test_same_seed_same_history_other_seed_differs():
    x, y = data.adding_problem(64, 6, seed=0)
    run = lambda seed: train(adding_model(), (x, y), loss_fn="mse", steps=5, batch_size=16, seed=seed).loss
    assert run(0) == run(0) and run(0) != run(1)


def test_clipping_caps_the_applied_gradient_but_records_the_raw_norm():
    x, y = data.adding_problem(32, 6, seed=0)
    models = [adding_model(torch.float64), adding_model(torch.float64)]
    before = nn.utils.parameters_to_vector(models[0].parameters()).detach().clone()
    clipped = train(models[0], (x, y), loss_fn="mse", steps=1, optimizer="sgd", lr=0.1, clip=0.01)
    raw = train(models[1], (x, y), loss_fn="mse", steps=1, optimizer="sgd", lr=0.1)
    assert clipped.grad_norm == raw.grad_norm and raw.grad_norm[0] > 0.01
    step = nn.utils.parameters_to_vector(models[0].parameters()).detach() - before
    assert step.norm().item() == pytest.approx(0.1 * 0.01, rel=1e-4)  # SGD moves by lr * clip


def test_masked_cross_entropy_on_the_copy_task_and_eval_metric():
    x, y, mask = data.copy_task(64, 3, n_symbols=4, delay=2, seed=0)
    model = SequenceModel("gru", 8, 16, 6, embed=6, per_step=True)
    h = train(model, (x, y, mask), loss_fn="cross_entropy", steps=20, batch_size=32,
              eval_fn=lambda m: accuracy(m, x, y, mask=mask), eval_every=8)
    assert h.metric_step == [8, 16, 20] and all(0 <= a <= 1 for a in h.metric)


def test_iterable_data_char_lm_and_early_stop():
    text = data.char_corpus()
    vocab = data.CharVocab(text)
    model = CharLM(vocab.size, 16)
    h = train(model, data.char_batches(text, 20, 8, vocab=vocab), loss_fn="cross_entropy", steps=4)
    assert len(h.loss) == 4
    finite = [next(data.char_batches(text, 20, 8, vocab=vocab, seed=s)) for s in range(3)]
    assert len(train(model, finite, loss_fn="cross_entropy", steps=10).loss) == 3


def test_seq2seq_trains_with_teacher_forcing_and_scores_greedy():
    src, tgt = data.reverse_task(32, 4, n_symbols=5, seed=0)
    model = Seq2Seq(6, 16, attention="additive")
    h = train(model, (src, tgt), loss_fn="cross_entropy", steps=30)
    assert h.loss[-1] < h.loss[0]
    assert 0 <= accuracy(model, src, tgt) <= 1


def test_accuracy_counts_only_masked_positions():
    class Fixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return nn.functional.one_hot(torch.as_tensor(x), 3).double()  # predicts its input

    x = np.array([[0, 1, 2, 2]])
    y = np.array([[0, 1, 0, 0]])
    assert accuracy(Fixed(), x, y) == 0.5
    assert accuracy(Fixed(), x, y, mask=np.array([[True, True, False, False]])) == 1.0


def test_progress_bar_is_silent_off_a_terminal(capsys):
    x, y = data.adding_problem(16, 4, seed=0)
    train(adding_model(), (x, y), loss_fn="mse", steps=3)
    assert capsys.readouterr() == ("", "")
    train(adding_model(), (x, y), loss_fn="mse", steps=3, progress=True)
    out, err = capsys.readouterr()
    assert out.startswith("\r[") and "3/3" in out and out.endswith("\n") and err == ""


def test_progress_bar_shows_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    x, y = data.adding_problem(16, 4, seed=0)
    train(adding_model(), (x, y), loss_fn="mse", steps=2)
    out, err = capsys.readouterr()
    assert "2/2" in out and err == ""


def test_threads_are_restored():
    before = torch.get_num_threads()
    x, y = data.adding_problem(16, 4, seed=0)
    train(adding_model(), (x, y), loss_fn="mse", steps=1, threads=before + 1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_hidden_grad_norms_shape_and_last_step(cell):
    model = SequenceModel(cell, 2, 8, 1, dtype=torch.float64)
    x, y = data.adding_problem(8, 12, seed=0)
    norms = hidden_grad_norms(model, x, y, loss_fn="mse")
    assert norms.shape == (12,) and norms.dtype == np.float64 and (norms > 0).all()
    # the last state reaches the loss only through the head: compare with the fused layer
    hs, _ = model.rnn(torch.as_tensor(x))
    loss = ((model.head(hs[:, -1]).squeeze(-1) - torch.as_tensor(y)) ** 2).mean()
    (grad,) = torch.autograd.grad(loss, hs)
    assert norms[-1] == pytest.approx(grad[:, -1].norm().item(), rel=1e-10)


def test_hidden_grad_norms_vanish_with_small_recurrent_weights():
    model = SequenceModel("rnn", 2, 8, 1, dtype=torch.float64)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(0.1)
    x, y = data.adding_problem(8, 20, seed=0)
    norms = hidden_grad_norms(model, x, y, loss_fn="mse")
    assert norms[0] < 1e-8 * norms[-1] and (np.diff(norms) > 0).all()


@pytest.mark.parametrize("kwargs, name", [
    (dict(steps=0), "steps"),
    (dict(lr=-1.0), "lr"),
    (dict(clip=0.0), "clip"),
    (dict(optimizer="rmsprop"), "optimizer"),
    (dict(loss_fn="l1"), "loss_fn"),
    (dict(batch_size=100), "batch_size"),
    (dict(threads=0), "threads"),
])
def test_bad_arguments_name_the_argument(kwargs, name):
    x, y = data.adding_problem(16, 4, seed=0)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        train(adding_model(), (x, y), **{"loss_fn": "mse", **kwargs})


def test_mismatched_targets_are_not_broadcast():
    x, y = data.adding_problem(16, 4, seed=0)
    with pytest.raises(ValueError, match=r"y has shape \(16, 1, 1\)"):
        train(adding_model(), (x, y[:, None, None]), loss_fn="mse", steps=1)
    with pytest.raises(ValueError, match="data"):
        train(adding_model(), (x, y[:8]), loss_fn="mse", steps=1)
