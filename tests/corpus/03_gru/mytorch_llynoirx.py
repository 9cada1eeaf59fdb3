"""CMU 11-785 HW3P1 (2024) `mytorch` GRU cell, adapted to the 03_gru interface.

Source: Llynoirx/gru-architecture, mytorch/gru_cell.py (class GRUCell: forward, backward),
commit 00bde4142543d9c2c0e9948949e7314651744fed (as stored by the search index).
This writeup follows PyTorch: six weight blocks and six biases, reset after the product,
h' = (1 − z) ⊙ n + z ⊙ h. The cell works on one sample (x (D,), h (H,)); backward(delta) takes
delta (1, H), accumulates self.dW.. / self.db.. and returns dx (D,), dh_prev_t (H,).

Adaptation, as a student would: the author's class is kept (docstrings trimmed). Its activations
(mytorch/nn/activation.py) are not in the stored repository; the cell only calls their forward,
so minimal Sigmoid/Tanh with the handout's forward (1/(1+e^-x), np.tanh) stand in for them.
gru_step_forward runs one cell per sample, loading the blocks of p by gate name (r, z, n =
PyTorch's stacking order); the cells are the cache. gru_step_backward calls each cell's
backward(dh_next[n:n+1]) and sums the cells' gradients into PyTorch's stacked layout.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class Sigmoid:
    def forward(self, Z):
        self.A = 1 / (1 + np.exp(-Z))
        return self.A


class Tanh:
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A


class GRUCell(object):
    """GRU Cell class."""

    def __init__(self, input_size, hidden_size):
        self.d = input_size
        self.h = hidden_size
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

    def __call__(self, x, h_prev_t):
        return self.forward(x, h_prev_t)

    def forward(self, x, h_prev_t):
        self.x = x
        self.hidden = h_prev_t

        self.n_state = np.dot(self.Wnh, h_prev_t) + self.bnh

        self.r = self.r_act.forward(np.dot(self.Wrx, x) + self.brx + np.dot(self.Wrh, h_prev_t) + self.brh)
        self.z = self.z_act.forward(np.dot(self.Wzx, x) + self.bzx + np.dot(self.Wzh, h_prev_t) + self.bzh)
        self.n = self.h_act.forward(np.dot(self.Wnx, x) + self.bnx + self.r*(np.dot(self.Wnh, h_prev_t) + self.bnh))
        h_t = (1-self.z)*self.n + self.z*h_prev_t

        assert self.x.shape == (self.d,)
        assert self.hidden.shape == (self.h,)

        assert self.r.shape == (self.h,)
        assert self.z.shape == (self.h,)
        assert self.n.shape == (self.h,)
        assert h_t.shape == (self.h,) # h_t is the final output of you GRU cell.

        return h_t

    def backward(self, delta):
        # delta = delta.reshape(1, -1)  # (1, hidden_dim)
        self.x = self.x.reshape(1, -1)
        self.hidden = self.hidden.reshape(1, -1)
        self.r = self.r.reshape(1, -1)
        self.z = self.z.reshape(1, -1)
        self.n = self.n.reshape(1, -1)

        dx = np.zeros_like(self.x, dtype=np.float64)
        dh_prev_t = np.zeros_like(self.hidden, dtype=np.float64)
        dn = np.zeros_like(self.n, dtype=np.float64)
        dz = np.zeros_like(self.z, dtype=np.float64)
        dr = np.zeros_like(self.r, dtype=np.float64)

        dz += delta * (self.hidden - self.n)
        dn += delta * (1 - self.z)
        dh_prev_t += delta * self.z

        dn_actftn = dn * (1-self.n**2)
        dn_actftn_r = dn_actftn * self.r

        self.dWnx += np.dot(dn_actftn.T, self.x)
        dx += np.dot(dn_actftn, self.Wnx)
        self.dbnx += np.sum(dn_actftn, axis=0)
        dr += dn_actftn * self.n_state.T

        self.dWnh += np.dot(dn_actftn_r.T, self.hidden)
        dh_prev_t += np.dot(dn_actftn_r, self.Wnh)
        self.dbnh += np.sum(dn_actftn_r, axis=0)

        dz_actftn = dz * self.z * (1-self.z)

        dx += np.dot(dz_actftn, self.Wzx)
        self.dWzx += np.dot(dz_actftn.T, self.x)
        self.dWzh += np.dot(dz_actftn.T, self.hidden)
        dh_prev_t += np.dot(dz_actftn, self.Wzh)
        self.dbzx += np.sum(dz_actftn, axis=0)
        self.dbzh += np.sum(dz_actftn, axis=0)

        dr_actftn = dr * self.r * (1-self.r)
        dx += np.dot(dr_actftn, self.Wrx)
        self.dWrx += np.dot(dr_actftn.T, self.x)
        self.dWrh += np.dot(dr_actftn.T, self.hidden)
        dh_prev_t += np.dot(dr_actftn, self.Wrh)
        self.dbrx += np.sum(dr_actftn, axis=0)
        self.dbrh += np.sum(dr_actftn, axis=0)

        # Ensure correct output shapes
        dx = dx.reshape(-1)
        dh_prev_t = dh_prev_t.reshape(-1)
        assert dx.shape == (self.d,)
        assert dh_prev_t.shape == (self.h,)

        return dx, dh_prev_t


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
        dx[n], dh_prev[n] = cell.backward(dh_next[n:n + 1])
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
