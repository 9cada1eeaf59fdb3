"""CS231n (2016) assignment 3 LSTM, adapted to the 04_lstm interface.

Source: Anner-deJong/CS231n_2016, assignment3/cs231n/rnn_layers.py,
commit 36f4057d110ea37ee290f2d13fd0ac3d29d24f28 (Python 2 code).
Original functions: sigmoid (CS231n's provided stable sigmoid), lstm_step_forward(x, prev_h, prev_c,
Wx, Wh, b), lstm_step_backward(dnext_h, dnext_c, cache), lstm_forward(x, h0, Wx, Wh, b),
lstm_backward(dh, cache); CS231n's layout Wx (D, 4H), Wh (H, 4H), b (4H,), gates stacked i, f, o, g.
The sequence cache is a dict holding each step's cache and a 'size' entry.

Adaptation, as a student would: the author's functions are kept under a leading underscore, bodies
unchanged (two-space indentation made four) except two changes the course's signatures force:
_lstm_forward takes c0 (the author built `c0 = np.zeros_like(h0)`), and _lstm_backward also returns
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
    # retrieving shapes
    _, H = prev_h.shape

    # calculate activated gates
    unact  = np.dot(x,Wx) + np.dot(prev_h,Wh) + b
    act_i  = sigmoid(unact[:, 0*H:1*H])
    act_f  = sigmoid(unact[:, 1*H:2*H])
    act_o  = sigmoid(unact[:, 2*H:3*H])
    act_g  = np.tanh(unact[:, 3*H:4*H])

    # calculate next values
    next_c = np.multiply(act_f, prev_c)     +     np.multiply(act_i, act_g)
    next_h = np.multiply(act_o, np.tanh(next_c))

    cache  = x, prev_h, Wx, Wh, act_i, act_f, act_o, act_g, prev_c, next_c
    return next_h, next_c, cache


def _lstm_step_backward(dnext_h, dnext_c, cache):
    # retrieve cache, shapes, initialisation
    x, prev_h, Wx, Wh, act_i, act_f, act_o, act_g, prev_c, next_c = cache
    N, H     = dnext_h.shape
    d_unact  = np.zeros((N, 4*H))

    # derivative cell state
    dnext_c += (dnext_h * act_o)  *  (1.0 - np.tanh(next_c)**2)
    dprev_c  = dnext_c * act_f

    # derivative (un)activation functions
    d_unact[:, 3*H:4*H] = dnext_c * act_i           *      (1.0 - act_g**2)  # derivative act_g
    d_unact[:, 2*H:3*H] = dnext_h * np.tanh(next_c) * act_o * (1.0 - act_o)  # derivative act_o
    d_unact[:, 1*H:2*H] = dnext_c * prev_c          * act_f * (1.0 - act_f)  # derivative act_f
    d_unact[:, 0*H:1*H] = dnext_c * act_g           * act_i * (1.0 - act_i)  # derivative act_i

    # derivative main input
    db      = np.sum(d_unact, axis=0)
    dWh     = np.dot(prev_h.transpose(), d_unact )
    dWx     = np.dot(     x.transpose(), d_unact )
    dprev_h = np.dot(d_unact,     Wh.transpose() )
    dx      = np.dot(d_unact,     Wx.transpose() )
    return dx, dprev_h, dprev_c, dWx, dWh, db


def _lstm_forward(x, h0, c0, Wx, Wh, b):
    # shapes
    N, T, D =  x.shape
    _, H    = h0.shape

    # initialisation
    cache   = {}
    # the author: c0 = np.zeros_like(h0) (CS231n's LSTM has no c0); the course passes c0
    h       = np.zeros((N, T, H))
    c       = np.zeros((N, T, H))

    # iteration 0
    h[:, 0, :], c[:, 0, :], cache[0] = _lstm_step_forward(x[:, 0, :], h0, c0, Wx, Wh, b)

    # for loop running over iteration 1 to T
    for t in range(1, T):
        h[:, t, :], c[:, t, :], cache[t] = _lstm_step_forward(x[:, t, :], h[:, t-1, :], c[:, t-1, :], Wx, Wh, b)

    # store sizes in cache
    cache['size'] = (N, T, H, D)
    return h, cache


def _lstm_backward(dh, cache):
    # retrieving shapes
    (N, T, H, D) = cache['size']

    # initializing
    dprev_h = np.zeros((  N,    H))
    dprev_c = np.zeros((  N,    H))
    dx      = np.zeros((  N, T, D))
    dWx     = np.zeros((  D, 4* H))
    dWh     = np.zeros((  H, 4* H))
    db      = np.zeros((4*H,     ))

    # for loop over t states
    for t in reversed(range(0, T)):
        dnext_h = dprev_h + dh[:, t, :]
        dnext_c = dprev_c
        dx[:,t,:], dprev_h, dprev_c, d_Wx, d_Wh, d_b = _lstm_step_backward(dnext_h, dnext_c, cache[t])
        dWx    += d_Wx
        dWh    += d_Wh
        db     += d_b

    # initial hidden state derivatives
    dh0 = dprev_h
    return dx, dh0, dprev_c, dWx, dWh, db  # dprev_c (dc0) added to the author's return


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
#   array differs from a copy taken before.
EXPECTED = {
    "lstm_step_forward": ["gate_order_ifog"],
    "lstm_step_backward": ["gate_order_ifog", "modifies_input"],
    "lstm_forward": ["gate_order_ifog"],
    "lstm_backward": ["gate_order_ifog"],
}
