"""CMU 11-785 HW3P1 `mytorch` GRU cell, adapted to the 03_gru interface.

Source: namburusiddhartha/Deep_Learning_11785_CMU, mytorch/gru_cell.py (class GRUCell: forward,
backward), commit ec5184a5523747d9545a0e5b88fb968bce72ce70.
This writeup follows PyTorch: six weight blocks and six biases, reset after the product,
h' = z ⊙ h + (1 − z) ⊙ n. The cell works on one sample (x (D,), h (H,)); backward(delta) takes
delta (1, H), sets self.dW.. / self.db.. and returns dx (1, D), dh (1, H).

Adaptation, as a student would: the author's class is kept (docstrings and the duplicate
init_weights trimmed). The repository's mytorch/activation.py is the HW1 version (backward());
the cell calls the HW3 handout's derivative() on the stored state, so the handout's Sigmoid/Tanh
as filled in jingxian0320/11785-Deep-Learning-Homework (mytorch/activation.py) stand in.
gru_step_forward runs one cell per sample, loading the blocks of p by gate name (r, z, n);
the cells are the cache. gru_step_backward calls each cell's backward(dh_next[n:n+1]) and sums
the cells' gradients into PyTorch's stacked layout (bias gradients flattened).
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class Activation(object):
    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)


class Sigmoid(Activation):
    def forward(self, x):
        self.state = 1/(1 + np.exp(-x))
        return self.state

    def derivative(self, state = None):
        if state is not None:
            self.state = state
        return self.state * (1-self.state)


class Tanh(Activation):
    def forward(self, x):
        self.state = np.tanh(x)
        return self.state

    def derivative(self, state = None):
        if state is not None:
            self.state = state
        return 1 - (self.state * self.state)


class GRUCell(object):
    """GRU Cell class."""

    def __init__(self, in_dim, hidden_dim):
        self.d = in_dim
        self.h = hidden_dim
        h = self.h
        d = self.d
        self.x_t = 0

        self.Wrx = np.random.randn(h, d)
        self.Wzx = np.random.randn(h, d)
        self.Wnx = np.random.randn(h, d)

        self.Wrh = np.random.randn(h, h)
        self.Wzh = np.random.randn(h, h)
        self.Wnh = np.random.randn(h, h)

        self.brx = np.random.randn(h)
        self.bzx = np.random.randn(h)
        self.bnx = np.random.randn(h)

        self.brh = np.random.randn(h)
        self.bzh = np.random.randn(h)
        self.bnh = np.random.randn(h)

        self.dWrx = np.zeros((h, d))
        self.dWzx = np.zeros((h, d))
        self.dWnx = np.zeros((h, d))

        self.dWrh = np.zeros((h, h))
        self.dWzh = np.zeros((h, h))
        self.dWnh = np.zeros((h, h))

        self.dbrx = np.zeros((h))
        self.dbzx = np.zeros((h))
        self.dbnx = np.zeros((h))

        self.dbrh = np.zeros((h))
        self.dbzh = np.zeros((h))
        self.dbnh = np.zeros((h))

        self.r_act = Sigmoid()
        self.z_act = Sigmoid()
        self.h_act = Tanh()

    def __call__(self, x, h):
        return self.forward(x, h)

    def init_weights(self, Wrx, Wzx, Wnx, Wrh, Wzh, Wnh, brx, bzx, bnx, brh, bzh, bnh):
        self.Wrx = Wrx
        self.Wzx = Wzx
        self.Wnx = Wnx

        self.Wrh = Wrh
        self.Wzh = Wzh
        self.Wnh = Wnh

        self.brx = brx
        self.bzx = bzx
        self.bnx = bnx

        self.brh = brh
        self.bzh = bzh
        self.bnh = bnh

    def forward(self, x, h):
        self.x = x
        self.hidden = h

        self.r0 = self.Wrx @ self.x + self.brx + self.Wrh @ self.hidden + self.brh
        self.r = self.r_act(self.r0)

        self.z0 = self.Wzx @ self.x + self.bzx + self.Wzh @ self.hidden + self.bzh
        self.z = self.z_act(self.z0)

        self.n0 = self.Wnh @ self.hidden + self.bnh
        self.n1 = self.Wnx @ self.x + self.bnx + self.r * (self.n0)
        self.n = self.h_act(self.n1)

        h_t = ((self.z) * self.hidden) + ((1 - self.z) * self.n)

        # This code should not take more than 10 lines.
        assert self.x.shape == (self.d,)
        assert self.hidden.shape == (self.h,)

        assert self.r.shape == (self.h,)
        assert self.z.shape == (self.h,)
        assert self.n.shape == (self.h,)
        assert h_t.shape == (self.h,) # h_t is the final output of you GRU cell.

        return h_t

    def backward(self, delta):
        # This code should not take more than 25 lines.
        x = np.expand_dims(self.x, 1)
        h = np.expand_dims(self.hidden, 1)

        self.dz = delta * np.expand_dims((self.hidden - self.n), 0)
        self.dn = delta * np.expand_dims((1 - self.z), 0)

        n0 = self.Wnh @ self.hidden + self.bnh
        n1 = self.Wnx @ self.x + self.bnx + self.r * (n0)
        self.dWnx = (self.dn * np.expand_dims(self.h_act.derivative(), 0)).T @ x.T
        self.dbnx = (self.dn * np.expand_dims(self.h_act.derivative(), 0))

        self.dr = self.dn * self.h_act.derivative() * (self.Wnh @ self.hidden + self.bnh)

        self.dh_t = delta * self.z + (self.dn * np.expand_dims(self.h_act.derivative(), 0) * self.r) @ self.Wnh + (self.dz * np.expand_dims(self.z_act.derivative(), 0)) @ self.Wzh + (self.dr * np.expand_dims(self.r_act.derivative(), 0)) @ self.Wrh

        self.dx = (self.dn * np.expand_dims(self.h_act.derivative(), 0)) @ self.Wnx + (self.dz * np.expand_dims(self.z_act.derivative(), 0)) @ self.Wzx + (self.dr * np.expand_dims(self.r_act.derivative(), 0)) @ self.Wrx


        self.dWnh = (self.dn * np.expand_dims(self.h_act.derivative(), 0) * self.r).T @ h.T
        self.dbnh = (self.dn * np.expand_dims(self.h_act.derivative(), 0) * self.r)

        self.dWzx = (self.dz * np.expand_dims(self.z_act.derivative(), 0)).T @ x.T
        self.dbzx = np.squeeze(self.dz * np.expand_dims(self.z_act.derivative(), 0))

        self.dWzh = (self.dz * np.expand_dims(self.z_act.derivative(), 0)).T @ h.T
        self.dbzh = np.squeeze(self.dz * np.expand_dims(self.z_act.derivative(), 0))

        self.dWrh = (self.dr * np.expand_dims(self.r_act.derivative(), 0)).T @ h.T
        self.dbrh = np.squeeze(self.dr * np.expand_dims(self.r_act.derivative(), 0))

        self.dWrx = (self.dr * np.expand_dims(self.r_act.derivative(), 0)).T @ x.T
        self.dbrx = np.squeeze(self.dr * np.expand_dims(self.r_act.derivative(), 0))

        dx = self.dx
        dh = self.dh_t

        assert dx.shape == (1, self.d)
        assert dh.shape == (1, self.h)

        return dx, dh


# ---- adapters to the course's interface: one cell per sample, PyTorch's stacked layout ----

def gru_step_forward(x, h_prev, p):
    N, D = x.shape
    H = h_prev.shape[1]
    blocks = [np.split(p[k], 3) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]  # r, z, n
    cells, h_next = [], np.zeros((N, H))
    for n in range(N):
        cell = GRUCell(D, H)
        cell.init_weights(*blocks[0], *blocks[1], *blocks[2], *blocks[3])
        h_next[n] = cell(x[n], h_prev[n])
        cells.append(cell)
    return h_next, cells


def gru_step_backward(dh_next, cache):
    dx = np.zeros((len(cache), cache[0].d))
    dh_prev = np.zeros((len(cache), cache[0].h))
    grads = None
    for n, cell in enumerate(cache):
        dx_n, dh_n = cell.backward(dh_next[n:n + 1])
        dx[n], dh_prev[n] = dx_n[0], dh_n[0]
        g = {"weight_ih": np.concatenate([cell.dWrx, cell.dWzx, cell.dWnx]),
             "weight_hh": np.concatenate([cell.dWrh, cell.dWzh, cell.dWnh]),
             "bias_ih": np.concatenate([np.ravel(cell.dbrx), np.ravel(cell.dbzx), np.ravel(cell.dbnx)]),
             "bias_hh": np.concatenate([np.ravel(cell.dbrh), np.ravel(cell.dbzh), np.ravel(cell.dbnh)])}
        grads = g if grads is None else {k: grads[k] + g[k] for k in g}
    return dx, dh_prev, grads


# Verified: both pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "gru_step_forward": [],
    "gru_step_backward": [],
}
