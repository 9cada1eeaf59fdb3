"""Deep Learning from Scratch 2 (Koki Saitoh, O'Reilly Japan) numerics, adapted to 02_vanishing_gradients.

Sources (oreilly-japan/deep-learning-from-scratch-2, MIT license, Copyright (c) 2018 Koki Saitoh):
- sigmoid: common/functions.py, commit 5473be8cd112c446c62c77535766280d445c17a7.
- hidden_jacobian: ch06/rnn_gradient_graph.py (the book's demonstration of exploding and vanishing
  gradients: dh = np.dot(dh, Wh.T) repeated T times). The book says there that it leaves tanh out
  of the backward pass on purpose, to look at the matrix product alone.
- clip_grad_norm: common/util.py clip_grads(grads, max_norm), commit 05c9f7d3d15bb2ccd446a8feaa3b9db4c1350c1f;
  the author scales a list of gradient arrays in place (`grad *= rate`) and returns nothing.

Adaptation, as a student would:
- sigmoid: unchanged.
- hidden_jacobian: the one step of the demonstration, dh_prev = dh_next @ Wh.T with the book's
  Wh = p["weight_hh"].T, makes the per-sample Jacobian (dh_prev = dh_next @ J) the matrix
  Wh.T = p["weight_hh"]; it is returned for each of the N samples.
- clip_grad_norm: the author's body over grads.values(), returning the dict and total_norm.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def hidden_jacobian(h_next, p):
    N, H = h_next.shape
    Wh = p["weight_hh"].T  # the book's layout: h_next = tanh(h_prev @ Wh + ...)
    # rnn_gradient_graph.py: dh = np.dot(dh, Wh.T), so one step's Jacobian is Wh.T
    return np.array([Wh.T for _ in range(N)])


def clip_grad_norm(grads, max_norm):
    total_norm = 0
    for grad in grads.values():
        total_norm += np.sum(grad ** 2)
    total_norm = np.sqrt(total_norm)

    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads.values():
            grad *= rate
    return grads, total_norm


# How each tag was verified (scratch script):
# - sigmoid_overflow: np.exp(-x) overflows for x <= -710 (RuntimeWarning: overflow encountered in
#   exp); the values themselves are right (1 / inf = 0).
# - jacobian_no_tanh_grad: the output equals W_hh for every sample, i.e. the reference Jacobian
#   diag(1 − h_t²) W_hh with the tanh' factor left out (to 1e-15 on the hidden sizes).
# - modifies_input: after a call with total norm > max_norm, the caller's arrays are scaled
#   (`grad *= rate` in place); the returned values equal torch's clip_grad_norm_ to 1e-15.
EXPECTED = {
    "sigmoid": ["sigmoid_overflow"],
    "hidden_jacobian": ["jacobian_no_tanh_grad"],
    "clip_grad_norm": ["modifies_input"],
}
