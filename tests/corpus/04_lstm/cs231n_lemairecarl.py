"""CS231n (2016) assignment 3 LSTM, adapted to the 04_lstm interface.

Source: lemairecarl/cs231n_perso_3, cs231n/rnn_layers.py,
commit 4bff780de2670e3b751c984d49156d4ddb9bb5ae (Python 2 code).
Original functions: sigmoid (CS231n's provided stable sigmoid), lstm_step_forward(x, prev_h, prev_c,
Wx, Wh, b), lstm_step_backward(dnext_h, dnext_c, cache), lstm_forward(x, h0, Wx, Wh, b),
lstm_backward(dh, cache); CS231n's layout Wx (D, 4H), Wh (H, 4H), b (4H,), gates stacked i, f, o, g.
The author squeezes prev_h on entry and keeps the states and the carried gradients in arrays of
T + 1 steps.

Adaptation, as a student would: the author's functions are kept under a leading underscore, bodies
unchanged (two-space indentation made four) except: Python 3's `//` for the author's
`H = Wx.shape[1] / 4`; _lstm_forward takes c0 and stores it as step 0 of its cell states (the
author started from zeros, CS231n having no c0); _lstm_backward also returns dprev_c[:, 0] (dc0).
Adapters pass Wx = p["weight_ih"].T, Wh = p["weight_hh"].T, b = p["bias_ih"] + p["bias_hh"]; the
author's code reads the column blocks as i, f, o, g (PyTorch stacks i, f, g, o), which is kept.
Gradients return as {"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}.
The arithmetic, and any bug in it, is the author's.
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
    prev_h = np.squeeze(prev_h)  # (N, 1, H) --> (N, H)
    N, H = prev_h.shape

    a = x.dot(Wx) + prev_h.dot(Wh) + b  # --> (N, 4H)
    a_ifo = a[:, :3 * H]
    i_f_o = sigmoid(a_ifo)
    i, f, o = np.split(i_f_o, (H, 2*H), axis=1)
    a_g = a[:, 3 * H:]
    g = np.tanh(a_g)
    assert i.shape == f.shape == o.shape == g.shape == (N, H)

    next_c = f * prev_c + i * g
    tanh_next_c = np.tanh(next_c)
    next_h = o * tanh_next_c

    cache = (
        x, Wx,
        prev_h, Wh,
        prev_c, tanh_next_c,
        i, f, o, g
    )
    return next_h, next_c, cache


def _lstm_step_backward(dnext_h, dnext_c, cache):
    N, H = dnext_h.shape
    (
        x, Wx,
        prev_h, Wh,
        prev_c, tanh_next_c,
        i, f, o, g
    ) = cache

    # Gradients wrt i, f, o, g, prev_c
    dnexth_do = tanh_next_c
    dnexth_dnextc = o * (1.0 - tanh_next_c ** 2)  # tanh(x)' = (1 - tanh(x)**2)
    dnextc_df, dnextc_dprevc = prev_c, f
    dnextc_di, dnextc_dg = g, i

    # Combine the two upstream gradients of next_c
    dnext_c += dnext_h * dnexth_dnextc

    # Gradient wrt to prev_c
    dprev_c = dnext_c * dnextc_dprevc

    # Gradients wrt a
    dai = dnext_c * dnextc_di * (i * (1.0 - i))  # (N, H)
    daf = dnext_c * dnextc_df * (f * (1.0 - f))
    dag = dnext_c * dnextc_dg * (1.0 - g ** 2)
    dao = dnext_h * dnexth_do * (o * (1.0 - o))
    da = np.concatenate((dai, daf, dao, dag), axis=1)  # --> (N, 4H)

    # Gradients wrt x, Wx, prev_h, Wh, b
    dWx = x.T.dot(da)        # (D, N) (N, 4H) --> (D, 4H)
    dx = da.dot(Wx.T)        # (N, 4H) (4H, D) --> (N, D)
    dWh = prev_h.T.dot(da)   # (H, N) (N, 4H) --> (H, 4H)
    dprev_h = da.dot(Wh.T)   # (N, 4H) (4H, H) --> (N, H)
    db = np.sum(da, axis=0)  # (N, 4H) --> (4H,)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def _lstm_forward(x, h0, c0, Wx, Wh, b):
    N, T, D = x.shape
    H = Wx.shape[1] // 4  # the author (Python 2): Wx.shape[1] / 4
    prev_h = np.empty((N, T + 1, H))
    prev_c = np.zeros_like(prev_h)
    prev_h[:, 0, :] = h0
    prev_c[:, 0, :] = c0  # the course passes c0; the author's step 0 cell state stayed zero
    cache = [None] * T
    for t in range(T):
        prev_h[:, t + 1, :], prev_c[:, t + 1, :], cache[t] = _lstm_step_forward(x[:, t, :], prev_h[:, t, :],
                                                                               prev_c[:, t, :], Wx, Wh, b)
    h = prev_h[:, 1:, :]
    return h, cache


def _lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    dprev_h = np.zeros((N, T + 1, H))
    dprev_c = np.zeros_like(dprev_h)
    dprev_h[:, 1:, :] = dh
    dWx = np.zeros((D, 4*H))
    dWh = np.zeros((H, 4*H))
    db = np.zeros(4*H)
    for t in range(T - 1, -1, -1):
        dx_t, dprev_h_t, dprev_c_t, dWx_t, dWh_t, db_t = _lstm_step_backward(dprev_h[:, t + 1, :],
                                                                            dprev_c[:, t + 1, :], cache[t])
        dx[:, t, :] = dx_t
        dprev_h[:, t, :] += dprev_h_t
        dprev_c[:, t, :] += dprev_c_t
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dprev_h[:, 0, :]
    return dx, dh0, dprev_c[:, 0, :], dWx, dWh, db  # dprev_c[:, 0] (dc0) added to the author's return


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
