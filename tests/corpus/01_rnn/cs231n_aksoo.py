"""CS231n assignment 3 vanilla RNN, adapted to the 01_rnn interface.

Source: AKSoo/CS231n-2017, assignment3/cs231n/rnn_layers.py,
commit 1cf6afb9ce19229e2a57b9e7ae3f8faba558fd78.
Original functions: rnn_step_forward(x, prev_h, Wx, Wh, b), rnn_step_backward(dnext_h, cache),
rnn_forward(x, h0, Wx, Wh, b), rnn_backward(dh, cache); layout Wx (D, H), Wh (H, H), b (H,).
The author works time-major inside the sequence functions (x.transpose(1, 0, 2)).

Adaptation, as a student would: the author's functions are kept under a leading underscore,
bodies unchanged; adapters pass Wx = p["weight_ih"].T, Wh = p["weight_hh"].T,
b = p["bias_ih"] + p["bias_hh"] and return {"weight_ih": dWx.T, "weight_hh": dWh.T,
"bias_ih": db, "bias_hh": db}. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _rnn_step_forward(x, prev_h, Wx, Wh, b):
    f = prev_h.dot(Wh) + x.dot(Wx) + b
    next_h = np.tanh(f)

    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache


def _rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache

    df = dnext_h * (1 - next_h**2) # N,H

    db = np.sum(df, axis=0)
    dx = df.dot(Wx.T)
    dprev_h = df.dot(Wh.T)
    dWx = x.T.dot(df)
    dWh = prev_h.T.dot(df)

    return dx, dprev_h, dWx, dWh, db


def _rnn_forward(x, h0, Wx, Wh, b):
    x = x.transpose(1, 0, 2)
    T = x.shape[0]
    N, H = h0.shape

    h = np.zeros((T, N, H))
    cache = [None] * T

    prev_h = h0
    for t in range(T):
        h[t], cache[t] = _rnn_step_forward(x[t], prev_h, Wx, Wh, b)
        prev_h = h[t]

    h = h.transpose(1, 0, 2)
    return h, cache


def _rnn_backward(dh, cache):
    dh = dh.transpose(1, 0, 2)
    T, N, H = dh.shape
    D = cache[0][0].shape[1]

    dx = np.zeros((T, N, D))
    dcurr_h = np.zeros((N, H))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)

    for t in reversed(range(T)):
        dx[t], dcurr_h, dcurr_Wx, dcurr_Wh, dcurr_b = _rnn_step_backward(
                dcurr_h + dh[t], cache[t])
        dWx += dcurr_Wx
        dWh += dcurr_Wh
        db += dcurr_b

    dx = dx.transpose(1, 0, 2)
    dh0 = dcurr_h
    return dx, dh0, dWx, dWh, db


# ---- adapters to the course's interface (PyTorch layout) ----

def _grads(dWx, dWh, db):
    return {"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}


def rnn_step_forward(x, h_prev, p):
    return _rnn_step_forward(x, h_prev, p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"])


def rnn_step_backward(dh_next, cache):
    dx, dh_prev, dWx, dWh, db = _rnn_step_backward(dh_next, cache)
    return dx, dh_prev, _grads(dWx, dWh, db)


def rnn_forward(xs, h0, p):
    return _rnn_forward(xs, h0, p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"])


def rnn_backward(dhs, cache):
    dxs, dh0, dWx, dWh, db = _rnn_backward(dhs, cache)
    return dxs, dh0, _grads(dWx, dWh, db)


# Verified: all four pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": [],
    "rnn_forward": [],
    "rnn_backward": [],
}
