import numpy as np
import pytest
import torch
from torch import nn

from rnnkit.data import CharVocab
from rnnkit.models import CharLM, Seq2Seq, SequenceModel, count_parameters

CELLS = ["rnn", "gru", "lstm"]


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_model_shapes(cell):
    x = np.random.default_rng(0).random((5, 7, 3))
    assert SequenceModel(cell, 3, 8, 2)(x).shape == (5, 2)
    assert SequenceModel(cell, 3, 8, 2, per_step=True)(x).shape == (5, 7, 2)
    tokens = np.random.default_rng(0).integers(0, 6, size=(5, 7))
    assert SequenceModel(cell, 4, 8, 3, embed=6)(tokens).shape == (5, 3)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_float64_and_float32_inputs_are_cast_to_the_model_dtype(dtype):
    model = SequenceModel("gru", 3, 8, 2, dtype=dtype)
    x = np.random.default_rng(0).random((2, 4, 3))  # float64
    assert model(x).dtype == dtype
    assert model(torch.as_tensor(x, dtype=torch.float32)).dtype == dtype


def test_seed_fixes_weights_without_touching_global_rng():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a, b, c = (SequenceModel("lstm", 3, 8, 2, seed=s) for s in (1, 1, 2))
    assert torch.rand(1) == expected
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.rnn.weight_hh_l0, c.rnn.weight_hh_l0)


@pytest.mark.parametrize("cell", CELLS)
def test_lengths_read_the_state_at_each_true_length(cell):
    model = SequenceModel(cell, 2, 6, 3, dtype=torch.float64)
    x = torch.rand(3, 5, 2, dtype=torch.float64)
    lengths = [5, 2, 4]
    packed = model(x, lengths)
    for i, n in enumerate(lengths):
        torch.testing.assert_close(packed[i], model(x[i:i + 1, :n])[0])


def test_forget_bias_sets_the_forget_slice_only():
    H = 5
    model = SequenceModel("lstm", 3, H, 1, forget_bias=1.0)
    plain = SequenceModel("lstm", 3, H, 1)
    total = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0  # gate order i, f, g, o
    torch.testing.assert_close(total[H:2 * H], torch.ones(H))
    for gate in (0, 2, 3):
        s = slice(gate * H, (gate + 1) * H)
        torch.testing.assert_close(total[s], (plain.rnn.bias_ih_l0 + plain.rnn.bias_hh_l0)[s])
    with pytest.raises(ValueError, match="forget_bias"):
        SequenceModel("gru", 3, H, 1, forget_bias=1.0)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_gate_activations_rebuild_the_hidden_states(cell):
    model = SequenceModel(cell, 3, 4, 1, per_step=True, dtype=torch.float64)
    x = torch.rand(2, 6, 3, dtype=torch.float64)
    g = model.gate_activations(x)
    hs = model.rnn(x)[0].detach().numpy()
    assert all(v.shape == (2, 6, 4) for v in g.values())
    h, c = np.zeros((2, 4)), np.zeros((2, 4))
    for t in range(6):
        if cell == "gru":
            h = (1 - g["z"][:, t]) * g["n"][:, t] + g["z"][:, t] * h
        else:
            c = g["f"][:, t] * c + g["i"][:, t] * g["g"][:, t]
            h = g["o"][:, t] * np.tanh(c)
        np.testing.assert_allclose(h, hs[:, t], atol=1e-12)


@pytest.mark.parametrize("cls, G", [(nn.RNN, 1), (nn.GRU, 3), (nn.LSTM, 4)])
def test_count_parameters_matches_formula(cls, G):
    D, H = 7, 5
    assert count_parameters(cls(D, H)) == G * H * (D + H + 2)
    model = SequenceModel({1: "rnn", 3: "gru", 4: "lstm"}[G], D, H, 3)
    assert count_parameters(model) == G * H * (D + H + 2) + 3 * H + 3


def test_char_lm_shapes_and_generation_is_seeded():
    vocab = CharVocab("hello world")
    model = CharLM(vocab.size, 16, cell="gru")
    logits, state = model(torch.zeros(2, 5, dtype=torch.long))
    assert logits.shape == (2, 5, vocab.size) and state.shape == (1, 2, 16)
    a = model.generate("he", 20, vocab, temperature=1.0, seed=0)
    assert a.startswith("he") and len(a) == 22 and set(a) <= set(vocab.chars)
    assert a == model.generate("he", 20, vocab, temperature=1.0, seed=0)
    greedy = model.generate("he", 10, vocab, temperature=0)
    assert greedy == model.generate("he", 10, vocab, temperature=0, seed=5)
    with pytest.raises(ValueError, match="prefix"):
        model.generate("", 3, vocab)


@pytest.mark.parametrize("attention", [None, "additive", "dot"])
def test_seq2seq_shapes_and_weights(attention):
    model = Seq2Seq(6, 8, attention=attention)
    src, tgt = torch.randint(1, 6, (3, 5)), torch.randint(1, 6, (3, 4))
    logits, weights = model(src, tgt)
    assert logits.shape == (3, 4, 6)
    tokens, greedy_weights = model.decode(src, 4)
    assert tokens.shape == (3, 4) and tokens.dtype == torch.int64
    if attention is None:
        assert weights is None and greedy_weights is None
    else:
        assert weights.shape == greedy_weights.shape == (3, 4, 5)
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4))
        assert (weights >= 0).all()


def test_seq2seq_teacher_forcing_matches_greedy_when_fed_its_own_guesses():
    model = Seq2Seq(6, 8, attention="dot", dtype=torch.float64)
    src = torch.randint(1, 6, (2, 5))
    tokens, weights = model.decode(src, 4)
    logits, forced = model(src, tokens)
    torch.testing.assert_close(logits.argmax(-1), tokens)
    torch.testing.assert_close(forced, weights)


@pytest.mark.parametrize("call, name", [
    (lambda: SequenceModel("elman", 3, 4, 1), "cell"),
    (lambda: SequenceModel("rnn", 0, 4, 1), "input_size"),
    (lambda: SequenceModel("rnn", 3, 4, 1)(np.zeros((2, 5, 4))), "x"),
    (lambda: SequenceModel("rnn", 3, 4, 1)(np.zeros((2, 5), dtype=np.int64)), "x"),
    (lambda: SequenceModel("rnn", 3, 4, 1)(torch.zeros(2, 5, 3), [5, 5, 5]), "lengths"),
    (lambda: SequenceModel("rnn", 3, 4, 1, embed=5)(np.zeros((2, 5))), "x"),
    (lambda: Seq2Seq(5, 4, attention="cosine"), "attention"),
    (lambda: Seq2Seq(5, 4)(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 3)), "tgt"),
    (lambda: CharLM(0, 4), "vocab_size"),
    (lambda: CharLM(5, 4)(np.array([[0, 5]])), "x"),
    (lambda: Seq2Seq(5, 4).decode(np.array([[-1, 2]]), 2), "src"),
])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


@pytest.mark.parametrize("attention", [None, "additive", "dot"])
def test_seq2seq_steps_over_the_true_previous_tokens_are_teacher_forcing(attention):
    model = Seq2Seq(7, 5, attention=attention, dtype=torch.float64, seed=2)
    src, tgt = torch.tensor([[1, 2, 3, 4], [6, 5, 4, 3]]), torch.tensor([[4, 3, 2], [1, 1, 6]])
    forced, _ = model(src, tgt)  # (2, 3, 7): step t reads the true token t - 1, bos first
    state, previous, steps = model.start(src), torch.zeros(2, dtype=torch.int64), []
    for t in range(3):
        logits, state, weights = model.step(previous, state)
        assert (weights is None) == (attention is None)
        steps.append(logits)
        previous = tgt[:, t]
    torch.testing.assert_close(torch.stack(steps, 1), forced, rtol=0, atol=0)
