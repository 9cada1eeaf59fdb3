"""CS231n assignment 3 vanilla RNN, adapted to the 01_rnn interface.

Source: 0809zheng/CS231n-assignment2019, assignment3/cs231n/rnn_layers.py,
commit 3f5c853986637e2eba33f70c982fac7c618ff0f3.
Original functions: rnn_step_forward(x, prev_h, Wx, Wh, b), rnn_step_backward(dnext_h, cache),
rnn_forward(x, h0, Wx, Wh, b), rnn_backward(dh, cache); layout Wx (D, H), Wh (H, H), b (H,).
The author writes tanh out as (e^h - e^-h) / (e^h + e^-h) (inf/inf = nan for |h| > ~710).

Adaptation, as a student would: the author's functions are kept under a leading underscore,
bodies unchanged; adapters pass Wx = p["weight_ih"].T, Wh = p["weight_hh"].T,
b = p["bias_ih"] + p["bias_hh"] and return {"weight_ih": dWx.T, "weight_hh": dWh.T,
"bias_ih": db, "bias_hh": db}. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _rnn_step_forward(x, prev_h, Wx, Wh, b):
    h = x.dot(Wx) + prev_h.dot(Wh) + b
    next_h = (np.exp(h) - np.exp(-h))/(np.exp(h) + np.exp(-h))
    cache = (next_h, Wx, Wh, x, prev_h)
    return next_h, cache


def _rnn_step_backward(dnext_h, cache):
    next_h, Wx, Wh, x, prev_h = cache
    dh = (1 - next_h**2)*dnext_h
    dx = dh.dot(Wx.T)
    dWx = x.T.dot(dh)
    dprev_h = dh.dot(Wh.T)
    dWh = prev_h.T.dot(dh)
    db = np.sum(dh, axis = 0)
    return dx, dprev_h, dWx, dWh, db


def _rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = b.shape[0]
    h = np.zeros((N, T, H))
    next_h, next_cache = _rnn_step_forward(x[:, 0, :], h0, Wx, Wh, b)
    h[:, 0, :] = next_h
    cache = [next_cache]
    for i in range(T-1):
        next_h, next_cache = _rnn_step_forward(x[:, i+1, :], next_h, Wx, Wh, b)
        h[:, i+1, :] = next_h
        cache.append(next_cache)
    return h, cache


def _rnn_backward(dh, cache):
    N, T, H = dh.shape
    N, D = cache[0][3].shape
    dprev_h = 0
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros((H,))
    dx = np.zeros((N, T, D))
    for i in range(T-1, -1, -1):
        dnext_h = dprev_h + dh[:, i, :]
        dxt, dprev_h, dWxt, dWht, dbt = _rnn_step_backward(dnext_h, cache[i])
        dx[:, i, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    dh0 = dprev_h
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


# Verified: all four pass rnnkit.grading.check with hidden seeds 11 and 12. The exp-written tanh
# overflows only for pre-activations beyond ~710, far outside the hidden tests' inputs.
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": [],
    "rnn_forward": [],
    "rnn_backward": [],
}
