"""Dive into Deep Learning (d2l.ai) LSTM from scratch, adapted to the 04_lstm interface (forward only).

Source (the repository's LICENSE: CC BY-SA 4.0): d2l-ai/d2l-en, chapter_recurrent-modern/lstm.md (function `lstm`, MXNet numpy version),
commit 0a2c7487392e71df931d1458b93f21f4a50dc3f5:
    I = npx.sigmoid(np.dot(X, W_xi) + np.dot(H, W_hi) + b_i)   (F, O likewise)
    C_tilda = np.tanh(np.dot(X, W_xc) + np.dot(H, W_hc) + b_c)
    C = F * C + I * C_tilda;  H = O * np.tanh(C)
Separate parameters per gate, one bias each. d2l has no hand-written backward (autograd computes
it), so only the forward functions are adapted.

Adaptation, as a student would: mxnet.np is numpy; npx.sigmoid has no numpy counterpart and is
written 1 / (1 + np.exp(-x)). Parameters are loaded by gate name from PyTorch's blocks (i, f, g, o):
W_xi = W_ii.T, W_hi = W_hi.T, b_i = b_ii + b_hi, and so on, with the candidate c taken from PyTorch's
g block. The batch-first xs is read time-major as the author does; the states H are collected
where the author collects the output layer's Y, and the output layer is dropped. lstm_step_forward
is the loop body; d2l keeps no cache (None). The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _sigmoid(x):  # npx.sigmoid
    return 1 / (1 + np.exp(-x))


def lstm(inputs, state, params):
    [W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c] = params
    (H, C) = state
    outputs = []
    for X in inputs:
        I = _sigmoid(np.dot(X, W_xi) + np.dot(H, W_hi) + b_i)
        F = _sigmoid(np.dot(X, W_xf) + np.dot(H, W_hf) + b_f)
        O = _sigmoid(np.dot(X, W_xo) + np.dot(H, W_ho) + b_o)
        C_tilda = np.tanh(np.dot(X, W_xc) + np.dot(H, W_hc) + b_c)
        C = F * C + I * C_tilda
        H = O * np.tanh(C)
        outputs.append(H)  # the author: Y = np.dot(H, W_hq) + b_q; outputs.append(Y)
    return outputs, (H, C)


def _params(p):
    W = dict(zip("ifgo", np.split(p["weight_ih"], 4)))
    U = dict(zip("ifgo", np.split(p["weight_hh"], 4)))
    b = dict(zip("ifgo", np.split(p["bias_ih"] + p["bias_hh"], 4)))
    return [W["i"].T, U["i"].T, b["i"], W["f"].T, U["f"].T, b["f"],
            W["o"].T, U["o"].T, b["o"], W["g"].T, U["g"].T, b["g"]]


def lstm_step_forward(x, h_prev, c_prev, p):
    outputs, (H, C) = lstm([x], (h_prev, c_prev), _params(p))
    return H, C, None


def lstm_forward(xs, h0, c0, p):
    outputs, _ = lstm(xs.transpose(1, 0, 2), (h0, c0), _params(p))
    return np.stack(outputs, axis=1), None


# Verified: both pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "lstm_step_forward": [],
    "lstm_forward": [],
}
