"""CMU 11-785 HW3P1 (2020) `mytorch` GRU cell, adapted to the 03_gru interface.

Source: jingxian0320/11785-Deep-Learning-Homework, mytorch/gru_cell.py (class GRU_Cell: forward,
backward) and mytorch/activation.py (classes Sigmoid, Tanh),
commit 831da9608f0ad93cbb72d95f7f17cbe024742b29.
That year's writeup defined a GRU without biases, with the reset gate before the product and the
update gate weighting the candidate:
    z = σ(W_zh h + W_zx x), r = σ(W_rh h + W_rx x), h~ = tanh(W_h (r ⊙ h) + W_x x), h' = (1 − z) ⊙ h + z ⊙ h~.
The cell works on one sample (x of shape (D,), h of shape (H,)); backward(delta) takes delta of
shape (1, H), accumulates self.dW.. and returns dx (1, D), dh (1, H).

Adaptation, as a student would: the author's classes are kept (comments trimmed). gru_step_forward
runs one cell per sample of the batch, loading the blocks of p by gate name (W_rx = weight_ih[:H],
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

    """
    Sigmoid non-linearity
    """

    def __init__(self):
        super(Sigmoid, self).__init__()

    def forward(self, x):
        # Might we need to store something before returning?
        self.state = 1/(1 + np.exp(-x))
        return self.state

    def derivative(self, state = None):
        if state is not None:
            self.state = state
        return self.state * (1-self.state)


class Tanh(Activation):

    """
    Tanh non-linearity
    """

    def __init__(self):
        super(Tanh, self).__init__()

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
        self.x_t=0

        self.Wzh = np.random.randn(h,h)
        self.Wrh = np.random.randn(h,h)
        self.Wh  = np.random.randn(h,h)

        self.Wzx = np.random.randn(h,d)
        self.Wrx = np.random.randn(h,d)
        self.Wx  = np.random.randn(h,d)

        self.dWzh = np.zeros((h,h))
        self.dWrh = np.zeros((h,h))
        self.dWh  = np.zeros((h,h))

        self.dWzx = np.zeros((h,d))
        self.dWrx = np.zeros((h,d))
        self.dWx  = np.zeros((h,d))

        self.z_act = Sigmoid()
        self.r_act = Sigmoid()
        self.h_act = Tanh()

    def init_weights(self, Wzh, Wrh, Wh, Wzx, Wrx, Wx):
        self.Wzh = Wzh
        self.Wrh = Wrh
        self.Wh = Wh
        self.Wzx = Wzx
        self.Wrx = Wrx
        self.Wx  = Wx

    def __call__(self, x, h):
        return self.forward(x,h)

    def forward(self, x, h):
        self.x = x
        self.hidden = h

        self.r = self.r_act(np.dot(x, self.Wrx.T) + np.dot(h, self.Wrh.T))
        self.z = self.z_act(np.dot(x, self.Wzx.T) + np.dot(h, self.Wzh.T))
        self.h_tilda = self.h_act(np.dot(x, self.Wx.T) + np.dot(self.r * h, self.Wh.T))
        h_t = (1 - self.z) * h + self.z * self.h_tilda

        assert self.x.shape == (self.d, )
        assert self.hidden.shape == (self.h, )

        assert self.r.shape == (self.h, )
        assert self.z.shape == (self.h, )
        assert self.h_tilda.shape == (self.h, )
        assert h_t.shape == (self.h, )

        return h_t

    def backward(self, delta):
        dx = np.zeros((1, self.d))
        dh = np.zeros((1, self.h))

        dh_tilda = delta * self.z
        dh += delta * (1 - self.z)
        dz = delta * (- self.hidden + self.h_tilda)

        dh_tilda_b_act = dh_tilda * self.h_act.derivative(state = self.h_tilda)

        dx += np.dot(dh_tilda_b_act, self.Wx)
        self.dWx += np.dot(dh_tilda_b_act.T, self.x.reshape(1,self.d))
        self.dWh += np.dot(dh_tilda_b_act.T, (self.r * self.hidden).reshape(1,self.h))
        drh = np.dot(dh_tilda_b_act, self.Wh)
        dr = drh * self.hidden
        dh += drh * self.r

        dz_b_act = self.z_act.derivative(state = self.z) * dz
        dx += np.dot(dz_b_act, self.Wzx)
        self.dWzx += np.dot(dz_b_act.T, self.x.reshape(1,self.d))
        dh += np.dot(dz_b_act, self.Wzh)
        self.dWzh += np.dot(dz_b_act.T, self.hidden.reshape(1,self.h))

        dr_b_act = self.r_act.derivative(state = self.r) * dr
        dx += np.dot(dr_b_act, self.Wrx)
        self.dWrx += np.dot(dr_b_act.T, self.x.reshape(1,self.d))
        dh += np.dot(dr_b_act, self.Wrh)
        self.dWrh += np.dot(dr_b_act.T, self.hidden.reshape(1,self.h))

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
# and every combination of reset_before, z_swapped, b_hn_outside tried): h_next and every
# gradient equal rnnkit.grading.mistakes' GRU with flags {"reset_before", "z_swapped"} run on p with
# all biases set to zero (bias gradients compared with zeros), to 1e-15. Dropping either
# flag, or keeping the biases, leaves differences of order 1.
# - no_biases: b_ih and b_hh are never read; the output does not change when they are zeroed.
# - reset_before: r multiplies h before W_h (Cho et al. 2014).
# - z_swapped: h' = (1 − z) ⊙ h + z ⊙ h~.
EXPECTED = {
    "gru_step_forward": ["no_biases", "reset_before", "z_swapped"],
    "gru_step_backward": ["no_biases", "reset_before", "z_swapped"],
}
