"""CS231n assignment 3 vanilla RNN, adapted to the 01_rnn interface.

Source: Burton2000/CS231n-2017, assignment3/cs231n/rnn_layers.py,
commit 23587971eff6452488ab66eb0afbd50b9b274b14 (as stored by the search index).
Original functions: rnn_step_forward(x, prev_h, Wx, Wh, b), rnn_step_backward(dnext_h, cache),
rnn_forward(x, h0, Wx, Wh, b), rnn_backward(dh, cache); CS231n's layout Wx (D, H), Wh (H, H), b (H,).

Adaptation, as a student would: the author's four functions are kept, renamed with a leading
underscore, their bodies unchanged (the TODO banners dropped). Thin adapters pass
Wx = p["weight_ih"].T, Wh = p["weight_hh"].T and the single bias b = p["bias_ih"] + p["bias_hh"],
and return the gradients as {"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _rnn_step_forward(x, prev_h, Wx, Wh, b):
    x_Wx = np.dot(x, Wx)
    prev_h_Wh = np.dot(prev_h, Wh)

    # Calculate next hidden state = tanh(x*Wx + prev_H*Wh + b)
    next_h = np.tanh(x_Wx + prev_h_Wh + b)

    cache = (Wx, Wh, b, x, prev_h, next_h)
    return next_h, cache


def _rnn_step_backward(dnext_h, cache):
    # Grab our cached variables needed for backprop.
    Wx, Wh, b, x, prev_h, next_h = cache

    # Backprop dnext_h through the tanh function first, derivative of tanh is 1-tanh^2.
    dtanh = (1 - np.square(next_h)) * dnext_h

    # Backprop dtanh to calculate the other derivates (no complicated derivatives here).
    db = np.sum(dtanh, axis=0)
    dWh = np.dot(prev_h.T, dtanh)
    dprev_h = np.dot(dtanh, Wh.T)
    dWx = np.dot(x.T, dtanh)
    dx = np.dot(dtanh, Wx.T)
    return dx, dprev_h, dWx, dWh, db


def _rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    N, H = h0.shape

    # Initialise h for holding our calculated hidden states.
    h = np.zeros([N, T, H])
    cache = []
    # Our initial hidden state
    prev_h = h0

    # RNN forward for T time steps.
    for t_step in range(T):
        cur_x = x[:, t_step, :]
        h[:, t_step, :], cache_temp = _rnn_step_forward(cur_x, prev_h, Wx, Wh, b)
        prev_h = h[:, t_step, :].copy()
        cache.append(cache_temp)
    return h, cache


def _rnn_backward(dh, cache):
    Wx, Wh, b, x, prev_h, next_h = cache[0]
    N, T, H = dh.shape
    D, H = Wx.shape

    # Initialise gradients.
    dx = np.zeros([N, T, D])
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros_like(b)
    dprev_h = np.zeros_like(prev_h)

    # Backprop in time - start at last calculated time step and work back.
    for t_step in reversed(range(T)):
        # Add the upstream gradient to previous calculated dh
        cur_dh = dprev_h + dh[:, t_step, :]

        # Calculate gradients at this time step.
        dx[:, t_step, :], dprev_h, dWx_temp, dWh_temp, db_temp = _rnn_step_backward(cur_dh, cache[t_step])

        # Add gradient contributions from each time step.
        dWx += dWx_temp
        dWh += dWh_temp
        db += db_temp

    # dh0 is the last hidden state gradient calculated.
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


# Verified: all four pass rnnkit.grading.check with hidden seeds 11 and 12 (tests/test_corpus.py).
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": [],
    "rnn_forward": [],
    "rnn_backward": [],
}
