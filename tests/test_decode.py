"""rnnkit.decode: greedy and beam search against exhaustive search, and on the Seq2Seq model."""

import itertools

import numpy as np
import pytest
import torch

from rnnkit import decode, models


def markov(seed, V=3):
    """A random bigram model over V tokens; token V is the start. State None."""
    table = torch.softmax(torch.randn(V + 1, V, generator=torch.Generator().manual_seed(seed),
                                      dtype=torch.float64) * 2, -1).log()  # (V + 1, V)
    return lambda tokens, state: (table[tokens], state)


def history_model(seed, V=3):
    """A model whose next-token distribution depends on the whole prefix, carried in its state."""
    weights = torch.randn(8, V, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2

    def step(tokens, state):  # state: (B, 8) features of the prefix so far
        state = torch.tanh(state * 1.3 + torch.nn.functional.one_hot(tokens, 8).double())
        return torch.log_softmax(state @ weights, -1), state
    return step, torch.zeros(1, 8, dtype=torch.float64)


def exhaustive(step, state, V, steps, bos):
    """Every sequence and its log-probability, likeliest first."""
    scored = [(decode.log_prob(step, state, seq, bos=bos), seq) for seq in itertools.product(range(V), repeat=steps)]
    return sorted(scored, reverse=True)


@pytest.mark.parametrize("seed", range(5))
def test_a_beam_wide_enough_to_keep_every_prefix_is_exact_search(seed):
    step, state = history_model(seed)
    results = decode.beam_search(step, state, bos=3, steps=4, width=3 ** 3)
    best = exhaustive(step, state, 3, 4, bos=3)
    assert [tuple(t.tolist()) for t, _ in results[:5]] == [seq for _, seq in best[:5]]
    for tokens, score in results:  # the states followed their prefixes through the reordering
        assert score == pytest.approx(decode.log_prob(step, state, tokens, bos=3), abs=1e-12)
    assert [s for _, s in results] == sorted((s for _, s in results), reverse=True)


@pytest.mark.parametrize("seed", range(5))
def test_width_one_is_greedy_and_wider_beams_search_more(seed):
    step, state = history_model(seed)
    tokens, score = decode.greedy(step, state, bos=3, steps=5)
    (beam_tokens, beam_score), = decode.beam_search(step, state, bos=3, steps=5, width=1)
    assert torch.equal(tokens, beam_tokens) and score == pytest.approx(beam_score, abs=1e-12)
    assert score == pytest.approx(decode.log_prob(step, state, tokens, bos=3), abs=1e-12)
    best = exhaustive(step, state, 3, 5, bos=3)[0][0]
    assert score <= best + 1e-12 and decode.beam_search(step, state, bos=3, steps=5, width=3)[0][1] <= best + 1e-12


def test_greedy_misses_what_a_beam_of_two_finds():
    #                   a     b     c          rows: the previous token a, b, c, start
    table = torch.tensor([[0.4, 0.3, 0.3], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]]).log()
    step = lambda tokens, state: (table[tokens], state)
    tokens, score = decode.greedy(step, None, bos=3, steps=3)
    assert tokens.tolist() == [0, 0, 0] and np.exp(score) == pytest.approx(0.5 * 0.4 * 0.4)
    (beam, beam_score), _ = decode.beam_search(step, None, bos=3, steps=3, width=2)
    assert beam.tolist() == [1, 2, 2] and np.exp(beam_score) == pytest.approx(0.4 * 0.8 * 0.4)
    assert exhaustive(step, None, 3, 3, bos=3)[0][1] == (1, 2, 2)


def test_beam_search_on_seq2seq_agrees_with_its_greedy_decode_and_teacher_forcing():
    model = models.Seq2Seq(6, 8, attention="dot", dtype=torch.float64, seed=1).eval()
    src = torch.tensor([[1, 4, 2, 5, 3]])

    def step(tokens, state):
        logits, state, _ = model.step(tokens, state)
        return torch.log_softmax(logits, -1), state

    with torch.no_grad():
        tokens, score = decode.greedy(step, model.start(src), bos=0, steps=5)
        assert torch.equal(tokens, model.decode(src, 5)[0][0])
        results = decode.beam_search(step, model.start(src), bos=0, steps=5, width=4)
        for beam_tokens, beam_score in results:  # teacher forcing scores the same sequence the same
            logits, _ = model(src, beam_tokens[None])
            forced = torch.log_softmax(logits[0], -1).gather(1, beam_tokens[:, None]).sum().item()
            assert beam_score == pytest.approx(forced, abs=1e-10)
    assert results[0][1] >= score - 1e-12


def test_bad_arguments():
    step = markov(0)
    with pytest.raises(ValueError, match="width must be an int >= 1, got 0"):
        decode.beam_search(step, None, bos=3, steps=2, width=0)
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        decode.greedy(step, None, bos=3, steps=0)
    with pytest.raises(ValueError, match=r"step must return log_probs of shape \(1, V\), one row per prefix, got \(3,\)"):
        decode.greedy(lambda tokens, state: (torch.zeros(3), state), None, bos=0, steps=1)
    with pytest.raises(ValueError, match="tokens must be a 1-D sequence"):
        decode.log_prob(step, None, [], bos=3)
