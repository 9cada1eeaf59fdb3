"""Dive into Deep Learning (d2l.ai) GRU from scratch, adapted to the 03_gru interface (forward only).

Source (the repository's LICENSE: CC BY-SA 4.0): d2l-ai/d2l-en, chapter_recurrent-modern/gru.md (function `gru`, MXNet numpy version),
commit 080d777ac2c1e4cc19afc12906c5279d29709838:
    Z = npx.sigmoid(np.dot(X, W_xz) + np.dot(H, W_hz) + b_z)
    R = npx.sigmoid(np.dot(X, W_xr) + np.dot(H, W_hr) + b_r)
    H_tilda = np.tanh(np.dot(X, W_xh) + np.dot(R * H, W_hh) + b_h)
    H = Z * H + (1 - Z) * H_tilda
One bias per gate, the reset gate before the product (the book's equation, after Cho et al. 2014).
d2l has no hand-written backward (autograd computes it), so only the forward functions are adapted.

Adaptation, as a student would: mxnet.np is numpy (np.dot, np.tanh are the same operations);
npx.sigmoid has no numpy counterpart and is written 1 / (1 + np.exp(-x)). Parameters are loaded by
gate name from PyTorch's blocks (r, z, n): W_xr = W_ir.T, W_hr = W_hr.T, b_r = b_ir + b_hr, likewise
z, and W_xh = W_in.T, W_hh = W_hn.T, b_h = b_in + b_hn. The batch-first xs is read time-major as the
author does; the states H are collected where the author collects the output layer's Y, and the
output layer is dropped. gru_step_forward is the loop body; d2l keeps no cache (None).
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _sigmoid(x):  # npx.sigmoid
    return 1 / (1 + np.exp(-x))


def gru(inputs, state, params):
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h = params
    H, = state
    outputs = []
    for X in inputs:
        Z = _sigmoid(np.dot(X, W_xz) + np.dot(H, W_hz) + b_z)
        R = _sigmoid(np.dot(X, W_xr) + np.dot(H, W_hr) + b_r)
        H_tilda = np.tanh(np.dot(X, W_xh) + np.dot(R * H, W_hh) + b_h)
        H = Z * H + (1 - Z) * H_tilda
        outputs.append(H)  # the author: Y = np.dot(H, W_hq) + b_q; outputs.append(Y)
    return outputs, (H,)


def _params(p):
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(p["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(p["bias_hh"], 3)
    return (W_iz.T, W_hz.T, b_iz + b_hz, W_ir.T, W_hr.T, b_ir + b_hr, W_in.T, W_hn.T, b_in + b_hn)


def gru_step_forward(x, h_prev, p):
    outputs, (H,) = gru([x], (h_prev,), _params(p))
    return H, None


def gru_forward(xs, h0, p):
    outputs, _ = gru(xs.transpose(1, 0, 2), (h0,), _params(p))
    return np.stack(outputs, axis=1), None


# How each tag was verified (scratch script, seeds 0..2, sizes of the hidden tests, every gate order
# and every combination of reset_before, z_swapped, b_hn_outside tried, with and without biases):
# the output equals only rnnkit.grading.mistakes' GRU with {"reset_before"} to 1e-15.
EXPECTED = {
    "gru_step_forward": ["reset_before"],
    "gru_forward": ["reset_before"],
}
