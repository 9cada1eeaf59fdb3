"""Decoding from a model that predicts one token at a time: greedy, beam search, and scoring.

All three drive a `step` function, ``step(tokens, state) -> (log_probs, state)``: `tokens` (B,)
int64 are the last tokens of B prefixes, `log_probs` (B, V) the log-probabilities of the next
token after each prefix (apply ``log_softmax`` to logits), and `state` is whatever the model carries
from one step to the next: a tensor, or a tuple of tensors and None, whose first dimension indexes
the prefixes. Decoding starts from a single prefix: the token `bos`, and a `state` whose first
dimension is 1. Every output has exactly `steps` tokens; there is no end-of-sequence token.
"""

import torch

from rnnkit.models import _positive


def greedy(step, state, *, bos, steps):
    """Append the likeliest next token, `steps` times -> (tokens (steps,) int64, log-probability)."""
    _positive("steps", steps)
    token, tokens, total = torch.tensor([bos]), [], 0.0
    for _ in range(steps):
        log_probs, state = step(token, state)  # (1, V)
        _check(log_probs, 1)
        token = log_probs.argmax(-1)  # (1,)
        total += log_probs[0, token].item()
        tokens.append(token)
    return torch.cat(tokens), total


def beam_search(step, state, *, bos, steps, width):
    """Keep the `width` likeliest prefixes at every step; return the final ones, likeliest first.

    A prefix is scored by its log-probability, the sum of its tokens' log-probabilities. All
    hypotheses have `steps` tokens, so the scores need no length normalisation. Returns a list of
    at most `width` pairs (tokens (steps,) int64, log-probability); ``width=1`` is `greedy`.
    """
    _positive("steps", steps), _positive("width", width)
    prefixes = torch.zeros(1, 0, dtype=torch.int64)  # (B, t)
    scores = torch.zeros(1, dtype=torch.float64)  # (B,): log-probability of each prefix
    last = torch.tensor([bos])
    for _ in range(steps):
        log_probs, state = step(last, state)  # (B, V)
        _check(log_probs, len(scores))
        V = log_probs.shape[1]
        candidates = (scores[:, None] + log_probs.double()).flatten()  # (B * V,): every extension
        scores, index = candidates.topk(min(width, len(candidates)))  # sorted, likeliest first
        beam, last = index // V, index % V  # which prefix each survivor extends, and by what
        prefixes = torch.cat([prefixes[beam], last[:, None]], dim=1)
        state = _select(state, beam)
    return [(tokens, score.item()) for tokens, score in zip(prefixes, scores)]


def log_prob(step, state, tokens, *, bos):
    """log p(tokens) under the model: each step reads the true previous token (teacher forcing)."""
    tokens = torch.as_tensor(tokens, dtype=torch.int64)
    if tokens.ndim != 1 or len(tokens) < 1:
        raise ValueError(f"tokens must be a 1-D sequence of at least one token, got shape {tuple(tokens.shape)}")
    previous = torch.cat([torch.tensor([bos]), tokens[:-1]])
    total = 0.0
    for t in range(len(tokens)):
        log_probs, state = step(previous[t:t + 1], state)  # (1, V)
        _check(log_probs, 1)
        total += log_probs[0, tokens[t]].item()
    return total


def _select(state, index):
    """The prefixes `index` of a state: a tensor, None, or a tuple of them (first dimension B)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(_select(s, index) for s in state)
    return state[index]


def _check(log_probs, B):
    if not isinstance(log_probs, torch.Tensor) or log_probs.ndim != 2 or log_probs.shape[0] != B:
        shape = tuple(log_probs.shape) if isinstance(log_probs, torch.Tensor) else type(log_probs).__name__
        raise ValueError(f"step must return log_probs of shape ({B}, V), one row per prefix, got {shape}")
