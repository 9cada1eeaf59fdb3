"""CMU 11-785 HW3P1 (2020) `mytorch` GRU cell, adapted to the 03_gru interface.

Source: YESAndy/11785-intro-to-DL, mytorch/gru_cell.py (class GRU_Cell: forward, backward),
commit 4e63861c196a3197f9b9bf21d7bb6ac68590554e.
That year's writeup defined a GRU without biases, with the reset gate before the product and the
update gate weighting the candidate:
    z = σ(W_zh h + W_zx x), r = σ(W_rh h + W_rx x), h~ = tanh(W_h (r ⊙ h) + W_x x), h' = (1 − z) ⊙ h + z ⊙ h~.
The cell works on one sample (x (D,), h (H,)); backward(delta) takes delta of shape (1, H).

Adaptation, as a student would: the author's class is kept (comments trimmed). Its `activation.py`
is not in the stored repository; the cell calls Sigmoid/Tanh.derivative() on the stored state, the
11-785 handout's interface, so the handout's classes as filled in
jingxian0320/11785-Deep-Learning-Homework (mytorch/activation.py) stand in for it.
gru_step_forward runs one cell per sample, loading the blocks of p by gate name (W_rx = weight_ih[:H],
W_zx = weight_ih[H:2H], W_x = weight_ih[2H:], likewise weight_hh); the cells are the cache.
gru_step_backward calls each cell's backward(dh_next[n:n+1]) and sums the cells' weight gradients
into PyTorch's stacked layout. The author's cell has no biases: p's biases are not used and their
gradients are returned as zeros. The arithmetic, and any bug in it, is the author's.
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


class GRU_Cell:
    """docstring for GRU_Cell"""

    def __init__(self, in_dim, hidden_dim):
        self.d = in_dim
        self.h = hidden_dim
        h = self.h
        d = self.d
        self.x = 0

        self.Wzh = np.random.randn(h, h)
        self.Wrh = np.random.randn(h, h)
        self.Wh = np.random.randn(h, h)

        self.Wzx = np.random.randn(h, d)
        self.Wrx = np.random.randn(h, d)
        self.Wx = np.random.randn(h, d)

        self.dWzh = np.zeros((h, h))
        self.dWrh = np.zeros((h, h))
        self.dWh = np.zeros((h, h))

        self.dWzx = np.zeros((h, d))
        self.dWrx = np.zeros((h, d))
        self.dWx = np.zeros((h, d))

        self.z_act = Sigmoid()
        self.r_act = Sigmoid()
        self.h_act = Tanh()

    def init_weights(self, Wzh, Wrh, Wh, Wzx, Wrx, Wx):
        self.Wzh = Wzh
        self.Wrh = Wrh
        self.Wh = Wh
        self.Wzx = Wzx
        self.Wrx = Wrx
        self.Wx = Wx

    def __call__(self, x, h):
        return self.forward(x, h)

    def forward(self, x, h):
        self.x = x
        self.hidden = h

        self.z = self.z_act.forward(self.Wzh.dot(h) + self.Wzx.dot(x))
        self.r = self.r_act.forward(self.Wrh.dot(h) + self.Wrx.dot(x))
        self.h_state = self.Wh.dot(self.r * h) + self.Wx.dot(x)
        self.h_tilda = self.h_act.forward(self.h_state)
        h_t = (1 - self.z) * h + self.z * self.h_tilda

        assert self.x.shape == (self.d,)
        assert self.hidden.shape == (self.h,)

        assert self.r.shape == (self.h,)
        assert self.z.shape == (self.h,)
        assert self.h_tilda.shape == (self.h,)
        assert h_t.shape == (self.h,)

        return h_t

    def backward(self, delta):
        # ht = (1-zt) * h_{t-1} + zt * ht_curly
        dh = delta * (1 - self.z)
        dzt = delta * (self.h_tilda - self.hidden)
        dh_tilda = delta * self.z

        # ht_curly = tanh(Wh(rt * h_{t-1}) + WxXt)
        drt = (dh_tilda * self.h_act.derivative()).dot(self.Wh) * self.hidden
        dh += (dh_tilda * self.h_act.derivative()).dot(self.Wh) * self.r
        self.dWh += (dh_tilda * self.h_act.derivative()).reshape(self.h, 1).dot((self.r * self.hidden).reshape(1, self.h))
        self.dWx += (dh_tilda * self.h_act.derivative()).reshape(self.h, 1).dot(self.x.reshape(1, self.d))
        dx = (dh_tilda * self.h_act.derivative()).dot(self.Wx)

        # zt = alpha(Wzx Xt + Wzh h_{t-1} + bz)p;
        dh += (dzt * self.z_act.derivative()).dot(self.Wzh)
        self.dWzh += (dzt * self.z_act.derivative()).reshape(self.h, 1).dot(self.hidden.reshape(1, self.h))
        self.dWzx += (dzt * self.z_act.derivative()).reshape(self.h, 1).dot(self.x.reshape(1, self.d))
        dx += (dzt * self.z_act.derivative()).dot(self.Wzx)
        # dbz?

        # rt = alpha(Wrx Xt + Wrh h_{t-1} + br)
        dh += (drt * self.r_act.derivative()).dot(self.Wrh)
        self.dWrh += (drt * self.r_act.derivative()).reshape(self.h, 1).dot(self.hidden.reshape(1, self.h))
        self.dWrx += (drt * self.r_act.derivative()).reshape(self.h, 1).dot(self.x.reshape(1, self.d))
        dx += (drt * self.r_act.derivative()).dot(self.Wrx)
        # dbz?

        assert dx.shape == (1, self.d)
        assert dh.shape == (1, self.h)

        return dx, dh


# ---- adapters to the course's interface: one cell per sample, PyTorch's stacked layout ----

def gru_step_forward(x, h_prev, p):
    N, D = x.shape
    H = h_prev.shape[1]
    Wrx, Wzx, Wx = np.split(p["weight_ih"], 3)  # PyTorch's gate order r, z, n
    Wrh, Wzh, Wh = np.split(p["weight_hh"], 3)
    cells, h_next = [], np.zeros((N, H))
    for n in range(N):
        cell = GRU_Cell(D, H)
        cell.init_weights(Wzh, Wrh, Wh, Wzx, Wrx, Wx)
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
        g = {"weight_ih": np.concatenate([cell.dWrx, cell.dWzx, cell.dWx]),
             "weight_hh": np.concatenate([cell.dWrh, cell.dWzh, cell.dWh])}
        grads = g if grads is None else {k: grads[k] + g[k] for k in g}
    H = cache[0].h
    grads["bias_ih"] = np.zeros(3 * H)  # the author's GRU has no biases
    grads["bias_hh"] = np.zeros(3 * H)
    return dx, dh_prev, grads


# How each tag was verified (scratch script, seeds 0..2, sizes of the hidden tests, every gate order
# and every combination of reset_before, z_swapped, b_hn_outside tried): h_next and all gradients
# equal only rnnkit.grading.mistakes' GRU with flags {"reset_before", "z_swapped"} on p with all
# biases zeroed (bias gradients compared with zeros), to 1e-15.
EXPECTED = {
    "gru_step_forward": ["no_biases", "reset_before", "z_swapped"],
    "gru_step_backward": ["no_biases", "reset_before", "z_swapped"],
}
