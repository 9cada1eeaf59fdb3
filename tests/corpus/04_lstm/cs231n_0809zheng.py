"""CS231n assignment 3 LSTM, adapted to the 04_lstm interface.

Source: 0809zheng/CS231n-assignment2019, assignment3/cs231n/rnn_layers.py,
commit 3f5c853986637e2eba33f70c982fac7c618ff0f3.
Original functions: sigmoid (CS231n's provided stable sigmoid), lstm_step_forward(x, prev_h, prev_c,
Wx, Wh, b), lstm_step_backward(dnext_h, dnext_c, cache), lstm_forward(x, h0, Wx, Wh, b),
lstm_backward(dh, cache); CS231n's layout Wx (D, 4H), Wh (H, 4H), b (4H,), gates stacked i, f, o, g.
The author writes tanh as sigmoid(2x) - sigmoid(-2x).

Adaptation, as a student would: the author's functions are kept under a leading underscore, bodies
unchanged except two changes the course's signatures force: _lstm_forward takes c0 and starts from it
(`ct = c0` where the author wrote `ct = 0`, CS231n having no c0), and _lstm_backward also returns the
dc it carries back to step 0 (dc0). Adapters pass Wx = p["weight_ih"].T, Wh = p["weight_hh"].T,
b = p["bias_ih"] + p["bias_hh"]; PyTorch stacks the gates i, f, g, o while the author's code reads
the column blocks as i, f, o, g, which is kept. Gradients return as {"weight_ih": dWx.T,
"weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}. The arithmetic, and any bug in it, is the author's.
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
    N, H = prev_h.shape
    a = x.dot(Wx) + prev_h.dot(Wh) + b

    tanh = lambda x: sigmoid(2*x)-sigmoid(-2*x)

    gate_i = sigmoid(a[:, 0:H])
    gate_f = sigmoid(a[:, H:2*H])
    gate_o = sigmoid(a[:, 2*H:3*H])
    gate_g = tanh(a[:, 3*H:])

    next_c = prev_c*gate_f + gate_i*gate_g
    next_h = tanh(next_c)*gate_o
    cache = (x, prev_h, prev_c, Wx, Wh, b, gate_i, gate_f, gate_o, gate_g, next_c, next_h)
    return next_h, next_c, cache


def _lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, b, gate_i, gate_f, gate_o, gate_g, next_c, next_h = cache
    tanh = lambda x: sigmoid(2*x)-sigmoid(-2*x)

    dgate_o = dnext_h*tanh(next_c)
    dtanhnext_c = dnext_h*gate_o
    dnext_c += dtanhnext_c*(1-tanh(next_c)**2)

    dgate_f = dnext_c*prev_c
    dprev_c = dnext_c*gate_f
    dgate_i = dnext_c*gate_g
    dgate_g = dnext_c*gate_i

    da1 = dgate_i*gate_i*(1-gate_i)
    da2 = dgate_f*gate_f*(1-gate_f)
    da3 = dgate_o*gate_o*(1-gate_o)
    da4 = dgate_g*(1-gate_g**2)

    da = np.hstack([da1, da2, da3, da4])
    dx = da.dot(Wx.T)
    dWx = x.T.dot(da)
    dprev_h = da.dot(Wh.T)
    dWh = prev_h.T.dot(da)
    db = np.sum(da, axis = 0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def _lstm_forward(x, h0, c0, Wx, Wh, b):
    N, T, D = x.shape
    N, H = h0.shape
    h = np.zeros((N, T, H))
    ht = h0
    ct = c0  # the author: ct = 0 (CS231n's LSTM has no c0)
    cache = []
    for i in range(T):
        ht, ct, next_cache = _lstm_step_forward(x[:, i, :], ht, ct, Wx, Wh, b)
        h[:, i, :] = ht
        cache.append(next_cache)
    return h, cache


def _lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4*H))
    dWh = np.zeros((H, 4*H))
    db = np.zeros((4*H,))
    dht = 0
    dct = 0

    for i in range(T-1, -1, -1):
        dht += dh[:, i, :]
        dxt, dht, dct, dWxt, dWht, dbt = _lstm_step_backward(dht, dct, cache[i])
        dx[:, i, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    dh0 = dht
    return dx, dh0, dct, dWx, dWh, db  # dct (dc0) added to the author's return


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
# - gate_order_ifog: every output (h, c, all gradients) equals rnnkit.grading.mistakes.lstm_cell /
#   run_sequence with flags {"gate_order_ifog"} to 1e-12, and differs from the reference.
# - modifies_input: `dnext_c += ...` adds into the caller's dc_next array; after one call the
#   caller's dc_next differs from a copy taken before (lstm_backward passes its own arrays).
EXPECTED = {
    "lstm_step_forward": ["gate_order_ifog"],
    "lstm_step_backward": ["gate_order_ifog", "modifies_input"],
    "lstm_forward": ["gate_order_ifog"],
    "lstm_backward": ["gate_order_ifog"],
}
