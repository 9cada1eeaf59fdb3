"""CS231n (2016) assignment 3 vanilla RNN, adapted to the 01_rnn interface.

Source: lemairecarl/cs231n_perso_3, cs231n/rnn_layers.py,
commit 4bff780de2670e3b751c984d49156d4ddb9bb5ae (Python 2 code).
Original functions: rnn_step_forward(x, prev_h, Wx, Wh, b), rnn_step_backward(dnext_h, cache),
rnn_forward(x, h0, Wx, Wh, b), rnn_backward(dh, cache); layout Wx (D, H), Wh (H, H), b (H,).
The author writes tanh' as cosh(a)^-2 of the cached pre-activation, and keeps h0 and the
carried gradient in arrays of T + 1 steps.

Adaptation, as a student would: the author's functions are kept under a leading underscore,
bodies unchanged (two-space indentation made four); adapters pass Wx = p["weight_ih"].T,
Wh = p["weight_hh"].T, b = p["bias_ih"] + p["bias_hh"] and return {"weight_ih": dWx.T,
"weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _rnn_step_forward(x, prev_h, Wx, Wh, b):
    inside = x.dot(Wx) + prev_h.dot(Wh) + b
    next_h = np.tanh(inside)

    cache = x, prev_h, Wx, Wh, inside
    return next_h, cache


def _rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, inside = cache
    dtanh = dnext_h * np.power(np.cosh(inside), -2)  # (N, H)
    dx = dtanh.dot(Wx.T)       # (N, D) <-- (N, H) * (D, H).T
    dprev_h = dtanh.dot(Wh.T)  # (N, H) <-- (N, H) * (H, H) assume transpose
    dWx = x.T.dot(dtanh)       # (D, H) <-- (N, D).T * (N, H)
    dWh = prev_h.T.dot(dtanh)  # (H, H) <-- (N, H).T * (N, H)
    db = np.sum(dtanh, axis=0)
    return dx, dprev_h, dWx, dWh, db


def _rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = Wx.shape[1]
    prev_h = np.empty((N, T + 1, H))
    prev_h[:, 0, :] = h0
    cache = [None] * T
    for t in range(T):
        prev_h[:, t + 1, :], cache[t] = _rnn_step_forward(x[:, t, :], prev_h[:, t, :], Wx, Wh, b)
    h = prev_h[:, 1:, :]
    return h, cache


def _rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    dprev_h = np.zeros((N, T + 1, H))
    dprev_h[:, 1:, :] = dh
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    for t in range(T - 1, -1, -1):
        dx_t, dprev_h_t, dWx_t, dWh_t, db_t = _rnn_step_backward(dprev_h[:, t + 1, :], cache[t])
        dx[:, t, :] = dx_t
        dprev_h[:, t, :] += dprev_h_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h[:, 0, :]
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


# Verified: all four pass rnnkit.grading.check with hidden seeds 11 and 12 (cosh(a)^-2 = 1 - tanh(a)^2).
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": [],
    "rnn_forward": [],
    "rnn_backward": [],
}
