"""CS231n assignment 3 vanilla RNN, adapted to the 01_rnn interface.

Source: 7forz/CS231n_assignments, assignment3/cs231n/rnn_layers.py,
commit 6e25462d2bb88081dcecf29d8cdd1a3b05049442 (no license stated).
Original functions: rnn_step_forward(x, prev_h, Wx, Wh, b), rnn_step_backward(dnext_h, cache),
rnn_forward(x, h0, Wx, Wh, b), rnn_backward(dh, cache); CS231n's layout Wx (D, H), Wh (H, H), b (H,).
The author's rnn_forward throws the step caches away and keeps (x, h0, Wh, Wx, b, h); rnn_backward
rebuilds each step's cache (prev_h, Wh, x_t, Wx, h_t) from the stored states, h0 for step 0.

Adaptation, as a student would: the author's four functions are kept, renamed with a leading
underscore (the calls between them renamed too), their bodies unchanged (the TODO banners dropped).
Thin adapters pass Wx = p["weight_ih"].T, Wh = p["weight_hh"].T and the single bias
b = p["bias_ih"] + p["bias_hh"], and return the gradients as
{"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _rnn_step_forward(x, prev_h, Wx, Wh, b):
    # tanh( b + W * prev_h + U * x )
    z = prev_h.dot(Wh) + x.dot(Wx) + b
    next_h = np.tanh(z)  # shape (N, H)
    cache = (prev_h, Wh, x, Wx, next_h)
    return next_h, cache


def _rnn_step_backward(dnext_h, cache):
    # dnext_h = dtanh(z) = 1-(tanh)^2(z)
    # z = prev_h.dot(Wh) + x.dot(Wx) + b
    prev_h, Wh, x, Wx, next_h = cache

    # gradient = local * upstream
    dz = (1 - next_h**2) * dnext_h  # shape (N, H)

    db = np.sum(dz, axis=0)

    dx = dz.dot(Wx.T)  # (N,H)*(H,D)=(N, D)
    dWx = (x.T).dot(dz)  # (D,N)*(N,H)=(D, H)

    dprev_h = dz.dot(Wh.T)   # (N, H)*(H,H)=(N, H)
    dWh = (prev_h.T).dot(dz)  # (H,N)*(N,H)=(H, H)
    return dx, dprev_h, dWx, dWh, db


def _rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    _, H = h0.shape
    h = np.zeros((N, T, H))

    # t=0, initial, input x of t=0, and h0
    h[:, 0, :], _ = _rnn_step_forward(x[:, 0, :], h0, Wx, Wh, b)

    # for other t, input previous h, and new x
    for t in range(1, T):
        h[:, t, :], _ = _rnn_step_forward(x[:, t, :], h[:, t-1, :], Wx, Wh, b)

    # function rnn_step_backward needs prev_h, Wh, x, Wx, next_h,
    # among which prev_h, next_h are included in h,
    # Wh, x, Wx are needed, too
    cache = (x, h0, Wh, Wx, b, h)
    return h, cache


def _rnn_backward(dh, cache):
    x, h0, Wh, Wx, b, h = cache  # x shape (N, T, D)
    _, H = h0.shape
    N, T, D = x.shape

    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, H))
    dWh = np.zeros((H, H))
    db = np.zeros(H)
    dprev_h = np.zeros((N, H))

    for t in range(T-1, -1, -1):   # [T-1, T-2, ..., 0]
        # def rnn_step_backward(dnext_h, cache=(prev_h, Wh, x, Wx, next_h))
        #     return dx, dprev_h, dWx, dWh, db
        if t>0:
            prev_h = h[:, t-1, :]
        else:
            prev_h = h0

        dnext_h = dh[:, t, :] + dprev_h  # WHY ?????????????????????????????????
        dx[:, t, :], dprev_h, _dWx, _dWh, _db = _rnn_step_backward(dnext_h,
                                            (prev_h, Wh, x[:, t, :], Wx, h[:, t, :]))  # input the cache
        dWx += _dWx
        dWh += _dWh
        db += _db
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
