"""CMU 11-785 HW3P1 `mytorch` GRU cell, adapted to the 03_gru interface.

Source: yijing-sie/RNN-and-LSTM, mytorch/gru_cell.py (class GRUCell: forward, backward),
commit f6b51d3d6ac3d1cde9a43334711f156b561e2799.
This writeup follows PyTorch: six weight blocks and six biases (bir, biz, bin, bhr, bhz, bhn), reset
after the product, h' = (1 − z) ⊙ n + z ⊙ h. The cell works on one sample (x (D,), h (H,));
backward(delta) takes delta (1, H), sets self.dW.. / self.db.. and returns dx (1, D), dh (1, H).

Adaptation, as a student would: the author's class is kept (docstrings trimmed). Its `activation.py`
is not in the stored repository; the cell calls Sigmoid/Tanh.derivative() on the stored state, the
11-785 handout's interface, so the handout's classes as filled in
jingxian0320/11785-Deep-Learning-Homework (mytorch/activation.py) stand in for it.
gru_step_forward runs one cell per sample, loading the blocks of p by gate name (r, z, n =
PyTorch's stacking order); the cells are the cache. gru_step_backward calls each cell's
backward(dh_next[n:n+1]) and sums the cells' gradients into PyTorch's stacked layout (the author's
bias gradients have shape (1, H) and are flattened). The arithmetic, and any bug in it, is the author's.
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

        self.bir = np.random.randn(h)
        self.biz = np.random.randn(h)
        self.bin = np.random.randn(h)

        self.bhr = np.random.randn(h)
        self.bhz = np.random.randn(h)
        self.bhn = np.random.randn(h)

        self.dWrx = np.zeros((h, d))
        self.dWzx = np.zeros((h, d))
        self.dWnx = np.zeros((h, d))

        self.dWrh = np.zeros((h, h))
        self.dWzh = np.zeros((h, h))
        self.dWnh = np.zeros((h, h))

        self.dbir = np.zeros((h))
        self.dbiz = np.zeros((h))
        self.dbin = np.zeros((h))

        self.dbhr = np.zeros((h))
        self.dbhz = np.zeros((h))
        self.dbhn = np.zeros((h))

        self.r_act = Sigmoid()
        self.z_act = Sigmoid()
        self.h_act = Tanh()

    def init_weights(self, Wrx, Wzx, Wnx, Wrh, Wzh, Wnh, bir, biz, bin, bhr, bhz, bhn):
        self.Wrx = Wrx
        self.Wzx = Wzx
        self.Wnx = Wnx
        self.Wrh = Wrh
        self.Wzh = Wzh
        self.Wnh = Wnh
        self.bir = bir
        self.biz = biz
        self.bin = bin
        self.bhr = bhr
        self.bhz = bhz
        self.bhn = bhn

    def __call__(self, x, h):
        return self.forward(x, h)

    def forward(self, x, h):
        self.x = x
        self.hidden = h

        self.r1 = self.Wrx @ x
        self.r2 = self.Wrh @ h
        self.rsum = self.r1 + self.r2 + self.bir + self.bhr
        self.r = self.r_act(self.rsum)
        self.z1 = self.Wzx @ x
        self.z2 = self.Wzh @ h
        self.zsum = self.z1 + self.z2 + self.bhz + self.biz
        self.z = self.z_act(self.zsum)
        self.n1 = self.Wnx @ x
        self.n2 = self.Wnh @ h
        self.n11 = self.n2 + self.bhn
        self.n12 = self.r*self.n11
        self.nsum = self.n12+self.n1+self.bin
        self.n = self.h_act(self.nsum)
        self.h11 = (1-self.z)*self.n
        self.h12 = self.z*h
        h_t = self.h11+self.h12

        assert self.x.shape == (self.d,)
        assert self.hidden.shape == (self.h,)

        assert self.r.shape == (self.h,)
        assert self.z.shape == (self.h,)
        assert self.n.shape == (self.h,)
        assert h_t.shape == (self.h,) # h_t is the final output of you GRU cell.

        return h_t

    def backward(self, delta):
        dz = delta*self.hidden
        dh = delta*self.z
        dn = delta*(1 - self.z)
        dz = dz - delta*self.n
        dn_sum = dn*self.h_act.derivative()
        self.dbin = dn_sum
        dr = dn_sum*self.n11
        dn11 = dn_sum*self.r
        self.dbhn = dn11
        dh = dh + dn11@self.Wnh
        self.dWnh = dn11.reshape(self.h, 1)@self.hidden.reshape(1, self.h)
        self.dWnx = dn_sum.reshape(self.h, 1)@self.x.reshape(1, self.d)
        dx = dn_sum@self.Wnx
        dz_sum = dz*self.z_act.derivative()
        self.dbhz = dz_sum
        self.dbiz = dz_sum
        self.dWzh = dz_sum.reshape(self.h, 1)@self.hidden.reshape(1, self.h)
        dh += dz_sum@self.Wzh
        self.dWzx = dz_sum.reshape(self.h, 1)@self.x.reshape(1, self.d)
        dx += dz_sum@self.Wzx
        dr_sum = dr*self.r_act.derivative()
        self.dbhr = dr_sum
        self.dbir = dr_sum
        self.dWrh = dr_sum.reshape(self.h, 1)@self.hidden.reshape(1, self.h)
        dh += dr_sum@self.Wrh
        self.dWrx = dr_sum.reshape(self.h, 1)@self.x.reshape(1, self.d)
        dx += dr_sum@self.Wrx
        dx = dx.reshape(1, self.d)
        dh.reshape(1, self.h)

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
             "bias_ih": np.concatenate([np.ravel(cell.dbir), np.ravel(cell.dbiz), np.ravel(cell.dbin)]),
             "bias_hh": np.concatenate([np.ravel(cell.dbhr), np.ravel(cell.dbhz), np.ravel(cell.dbhn)])}
        grads = g if grads is None else {k: grads[k] + g[k] for k in g}
    return dx, dh_prev, grads


# Verified: both pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "gru_step_forward": [],
    "gru_step_backward": [],
}
