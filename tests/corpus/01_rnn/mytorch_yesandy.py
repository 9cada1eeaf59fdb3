"""CMU 11-785 HW3P1 `mytorch` RNN cell, adapted to the 01_rnn interface.

Source: YESAndy/11785-intro-to-DL, mytorch/rnn_cell.py (class RNN_Cell: forward, backward),
commit 4e63861c196a3197f9b9bf21d7bb6ac68590554e. The author writes the products with np.einsum
and averages the parameter gradients over the batch with np.average, as 11-785's writeup asks.

Adaptation, as a student would: the author's class is kept (zero_grad trimmed). Its `activation.py`
is not in the stored repository; backward calls Tanh.derivative(state=h), the 11-785 handout's
signature, so the handout's Tanh as filled in jingxian0320/11785-Deep-Learning-Homework
(mytorch/activation.py) stands in for it. rnn_step_forward builds a cell, loads p with init_weights
and keeps the cell with its inputs and output as the cache; rnn_step_backward calls
cell.backward(dh_next, h_next, x, h_prev) and returns the cell's accumulated gradients.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class Tanh(object):
    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        self.state = np.tanh(x)
        return self.state

    def derivative(self, state = None):
        if state is not None:
            self.state = state
        return 1 - (self.state * self.state)


class RNN_Cell(object):
    def __init__(self, input_size, hidden_size):
        self.input_size = input_size
        self.hidden_size = hidden_size

        # Activation function for
        self.activation = Tanh()

        # hidden dimension and input dimension
        h = self.hidden_size
        d = self.input_size

        # Weights and biases
        self.W_ih = np.random.randn(h, d)
        self.W_hh = np.random.randn(h, h)
        self.b_ih = np.random.randn(h)
        self.b_hh = np.random.randn(h)

        # Gradients
        self.dW_ih = np.zeros((h, d))
        self.dW_hh = np.zeros((h, h))

        self.db_ih = np.zeros(h)
        self.db_hh = np.zeros(h)

    def init_weights(self, W_ih, W_hh, b_ih, b_hh):
        self.W_ih = W_ih
        self.W_hh = W_hh
        self.b_ih = b_ih
        self.b_hh = b_hh

    def __call__(self, x, h):
        return self.forward(x, h)

    def forward(self, x, h):
        h_prime = self.activation(
            np.einsum('ijk,jk->ij', x.reshape(x.shape[0], 1, x.shape[1]), self.W_ih)
            + np.einsum('ijk,jk->ij', h.reshape(h.shape[0], 1, h.shape[1]), self.W_hh)
            + self.b_ih + self.b_hh)

        return h_prime

    def backward(self, delta, h, h_prev_l, h_prev_t):
        batch_size = delta.shape[0]

        # 0) Done! Step backward through the tanh activation function.
        # Note, because of BPTT, we had to externally save the tanh state, and
        # have modified the tanh activation function to accept an optionally input.
        dz = self.activation.derivative(state=h) * delta

        # 1) Compute the averaged gradients of the weights and biases
        self.dW_ih += np.average(
            np.einsum('ijk,ijk->ijk', dz.reshape(batch_size, self.hidden_size, 1),
                      h_prev_l.reshape(batch_size, 1, self.input_size)),
            axis=0)
        self.dW_hh += np.average(
            np.einsum('ijk,ijk->ijk', dz.reshape(batch_size, self.hidden_size, 1),
                      h_prev_t.reshape(batch_size, 1, self.hidden_size)),
            axis=0)
        self.db_ih += np.average(dz, axis=0)
        self.db_hh += np.average(dz, axis=0)

        # 2) Compute dx, dh
        dx = np.einsum('ijk,kj->ij', dz.reshape(batch_size, 1, self.hidden_size), self.W_ih)
        dh = np.einsum('ijk,kj->ij', dz.reshape(batch_size, 1, self.hidden_size), self.W_hh)

        # 3) Return dx, dh
        return dx, dh


# ---- adapters to the course's interface ----

def rnn_step_forward(x, h_prev, p):
    cell = RNN_Cell(x.shape[1], h_prev.shape[1])
    cell.init_weights(p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    h_next = cell(x, h_prev)
    return h_next, (cell, x, h_prev, h_next)


def rnn_step_backward(dh_next, cache):
    cell, x, h_prev, h_next = cache
    dx, dh_prev = cell.backward(dh_next, h_next, x, h_prev)
    return dx, dh_prev, {"weight_ih": cell.dW_ih, "weight_hh": cell.dW_hh,
                         "bias_ih": cell.db_ih, "bias_hh": cell.db_hh}


# How each tag was verified (scratch script, seeds 0..4, sizes of the hidden tests):
# - rnn_step_forward: the einsum products broadcast the size-1 axis and equal x @ W.T (passes).
# - rnn_step_backward weights_grad_mean + bias_grad_mean: dx, dh_prev equal the reference to 1e-15;
#   every parameter gradient equals the reference's divided by N to 1e-15.
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": ["weights_grad_mean", "bias_grad_mean"],
}
