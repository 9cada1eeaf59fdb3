"""CS231n (2016) assignment 3 vanilla RNN, adapted to the 01_rnn interface.

Source: Anner-deJong/CS231n_2016, assignment3/cs231n/rnn_layers.py,
commit 36f4057d110ea37ee290f2d13fd0ac3d29d24f28 (Python 2 code).
Original functions: rnn_step_forward(x, prev_h, Wx, Wh, b), rnn_step_backward(dnext_h, cache),
rnn_forward(x, h0, Wx, Wh, b), rnn_backward(dh, cache); layout Wx (D, H), Wh (H, H), b (H,).
The author caches the pre-activation and recomputes tanh in the backward pass; the sequence
cache is a dict with a 'size' entry.

Adaptation, as a student would: the author's functions are kept under a leading underscore,
bodies unchanged (two-space indentation made four); adapters pass Wx = p["weight_ih"].T,
Wh = p["weight_hh"].T, b = p["bias_ih"] + p["bias_hh"] and return {"weight_ih": dWx.T,
"weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _rnn_step_forward(x, prev_h, Wx, Wh, b):
    unact  = np.dot(x,Wx) + np.dot(prev_h,Wh) + b
    next_h = np.tanh(unact)
    cache  = x, prev_h, Wx, Wh, unact
    return next_h, cache


def _rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, c = cache

    d_c     = np.multiply(dnext_h, 1.0 - np.tanh(c)**2)
    db      = np.sum(d_c, axis=0)
    dWh     = np.dot(prev_h.transpose(), d_c )
    dWx     = np.dot(     x.transpose(), d_c )
    dprev_h = np.dot(d_c,     Wh.transpose() )
    dx      = np.dot(d_c,     Wx.transpose() )
    return dx, dprev_h, dWx, dWh, db


def _rnn_forward(x, h0, Wx, Wh, b):
    N, T, D =  x.shape
    _, H    = h0.shape

    cache   = {}
    h       = np.zeros((N, T, H))

    h[:, 0, :], cache[0] = _rnn_step_forward(x[:, 0, :], h0, Wx, Wh, b)

    for t in range(1, T):
        h[:, t, :], cache[t] = _rnn_step_forward(x[:, t, :], h[:, t-1, :], Wx, Wh, b)

    cache['size'] = (N, T, H, D)
    return h, cache


def _rnn_backward(dh, cache):
    # retrieving shapes
    (N, T, H, D) = cache['size']

    # initializing
    dprev_h = np.zeros((N, H))
    dx      = np.zeros((N, T, D))
    dWx     = np.zeros((D, H))
    dWh     = np.zeros((H, H))
    db      = np.zeros((H,  ))

    # for loop over t states
    for t in reversed(range(0, T)):
        dnext_h  = dprev_h + dh[:, t, :]
        dx[:,t,:], dprev_h, d_Wx, d_Wh, d_b = _rnn_step_backward(dnext_h, cache[t])
        dWx += d_Wx
        dWh += d_Wh
        db  += d_b

    # initial hidden state derivatives
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


# Verified: all four pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": [],
    "rnn_forward": [],
    "rnn_backward": [],
}
