"""CS231n assignment 3 LSTM, adapted to the 04_lstm interface.

Source: AKSoo/CS231n-2017, assignment3/cs231n/rnn_layers.py,
commit 1cf6afb9ce19229e2a57b9e7ae3f8faba558fd78.
Original functions: sigmoid (CS231n's provided stable sigmoid), lstm_step_forward(x, prev_h, prev_c,
Wx, Wh, b), lstm_step_backward(dnext_h, dnext_c, cache), lstm_forward(x, h0, Wx, Wh, b),
lstm_backward(dh, cache); CS231n's layout Wx (D, 4H), Wh (H, 4H), b (4H,), gates stacked i, f, o, g.

Adaptation, as a student would: the author's functions are kept under a leading underscore, bodies
unchanged except two changes the course's signatures force: _lstm_forward takes c0 and starts from it
(`prev_c = c0` where the author wrote `prev_c = np.zeros((N, H))`), and _lstm_backward also returns
the dc it carries back to step 0 (dc0). Adapters pass Wx = p["weight_ih"].T, Wh = p["weight_hh"].T,
b = p["bias_ih"] + p["bias_hh"]; the author's code reads the column blocks as i, f, o, g (PyTorch
stacks i, f, g, o), which is kept. Gradients return as {"weight_ih": dWx.T, "weight_hh": dWh.T,
"bias_ih": db, "bias_hh": db}. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def sigmoid(x):
    """
    A numerically stable version of the logistic sigmoid function.
    """
    pos_mask = (x >= 0)
    neg_mask = (x < 0)
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def _lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = np.split(x.dot(Wx) + prev_h.dot(Wh) + b, 4, axis = 1)
    i = sigmoid(a[0])
    f = sigmoid(a[1])
    o = sigmoid(a[2])
    g = np.tanh(a[3])

    next_c = f * prev_c + i * g
    next_c_act = np.tanh(next_c)
    next_h = o * next_c_act

    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c_act)
    return next_h, next_c, cache


def _lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c_act = cache

    do = dnext_h * next_c_act # N,H
    dnext_c_act = dnext_h * o
    dnext_c += dnext_c_act * (1 - next_c_act**2)

    df = dnext_c * prev_c # N,H
    dprev_c = dnext_c * f
    di = dnext_c * g # N,H
    dg = dnext_c * i # N,H

    da = []
    da.append(di * i * (1 - i))
    da.append(df * f * (1 - f))
    da.append(do * o * (1 - o))
    da.append(dg * (1 - g*g))
    da = np.hstack(da) # N,4H

    dx = da.dot(Wx.T)
    dWx = x.T.dot(da)
    dprev_h = da.dot(Wh.T)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis=0)

    return dx, dprev_h, dprev_c, dWx, dWh, db


def _lstm_forward(x, h0, c0, Wx, Wh, b):
    x = x.transpose(1, 0, 2)
    T = x.shape[0]
    N, H = h0.shape

    h = np.zeros((T, N, H))
    cache = [None] * T

    prev_c = c0  # the author: prev_c = np.zeros((N, H)) (CS231n's LSTM has no c0)
    prev_h = h0
    for t in range(T):
        h[t], prev_c, cache[t] = _lstm_step_forward(x[t], prev_h, prev_c, Wx, Wh, b)
        prev_h = h[t]

    h = h.transpose(1, 0, 2)
    return h, cache


def _lstm_backward(dh, cache):
    dh = dh.transpose(1, 0, 2)
    T, N, H = dh.shape
    D = cache[0][0].shape[1]

    dx = np.zeros((T, N, D))
    dcurr_h = np.zeros((N, H))
    dcurr_c = np.zeros((N, H))
    dWx = np.zeros((D, 4*H))
    dWh = np.zeros((H, 4*H))
    db = np.zeros(4*H)

    for t in reversed(range(T)):
        dx[t], dcurr_h, dcurr_c, dcurr_Wx, dcurr_Wh, dcurr_b = _lstm_step_backward(
                dcurr_h + dh[t], dcurr_c, cache[t])
        dWx += dcurr_Wx
        dWh += dcurr_Wh
        db += dcurr_b

    dh0 = dcurr_h
    dx = dx.transpose(1, 0, 2)
    return dx, dh0, dcurr_c, dWx, dWh, db  # dcurr_c (dc0) added to the author's return


# ---- adapters to the course's interface (PyTorch layout) ----

def _params(p):
    return p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"]


def _grads(dWx, dWh, db):
    return {"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}


def lstm_step_forward(x, h_prev, c_prev, p):
    return _lstm_step_forward(x, h_prev, c_prev, *_params(p))


def lstm_step_backward(dh_next, dc_next, cache):
    dx, dh_prev, dc_prev, dWx, dWh, db = _lstm_step_backward(dh_next, dc_next, cache)
    return dx, dh_prev, dc_prev, _grads(dWx, dWh, db)


def lstm_forward(xs, h0, c0, p):
    return _lstm_forward(xs, h0, c0, *_params(p))


def lstm_backward(dhs, cache):
    dxs, dh0, dc0, dWx, dWh, db = _lstm_backward(dhs, cache)
    return dxs, dh0, dc0, _grads(dWx, dWh, db)


# How each tag was verified (scratch script, seeds 0..4, sizes of the hidden tests):
# - gate_order_ifog: every output equals rnnkit.grading.mistakes with flags {"gate_order_ifog"}
#   to 1e-15, and differs from the reference.
# - modifies_input: `dnext_c += ...` adds into the caller's dc_next; after one call the caller's
#   array differs from a copy taken before (lstm_backward passes its own arrays, so only the step).
EXPECTED = {
    "lstm_step_forward": ["gate_order_ifog"],
    "lstm_step_backward": ["gate_order_ifog", "modifies_input"],
    "lstm_forward": ["gate_order_ifog"],
    "lstm_backward": ["gate_order_ifog"],
}
