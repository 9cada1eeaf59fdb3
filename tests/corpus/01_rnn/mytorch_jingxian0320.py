"""CMU 11-785 HW3P1 `mytorch` RNN cell, adapted to the 01_rnn interface.

Source: jingxian0320/11785-Deep-Learning-Homework, mytorch/rnn_cell.py (class RNN_Cell: forward,
backward) and mytorch/activation.py (class Tanh), commit 831da9608f0ad93cbb72d95f7f17cbe024742b29.
11-785 already uses PyTorch's layout and names (W_ih (H, D), W_hh (H, H), b_ih, b_hh) and
batch-first steps; its backward(delta, h, h_prev_l, h_prev_t) accumulates the parameter gradients in
the cell (self.dW_ih, ...) and, as 11-785's writeup asks, averages them over the batch.

Adaptation, as a student would: the author's classes are kept (the handout's unused Identity, ReLU
and zero_grad dropped); rnn_step_forward builds a cell, loads p with init_weights and keeps the cell
with its inputs and output as the cache; rnn_step_backward calls cell.backward(dh_next, h_next, x,
h_prev) and returns the cell's dW_ih, dW_hh, db_ih, db_hh as the gradients.
The arithmetic, and any bug in it, is the author's (the batch average is 11-785's convention,
not this course's).
"""
import numpy as np


class Activation(object):
    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)


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
        h_prime = self.activation(np.dot(x, self.W_ih.T) + np.dot(h, self.W_hh.T) + self.b_ih + self.b_hh)
        return h_prime

    def backward(self, delta, h, h_prev_l, h_prev_t):
        batch_size = delta.shape[0]

        # 0) Done! Step backward through the tanh activation function.
        # Note, because of BPTT, we had to externally save the tanh state, and
        # have modified the tanh activation function to accept an optionally input.
        dz = self.activation.derivative(state=h) * delta

        # 1) Compute the averaged gradients of the weights and biases
        self.dW_ih += np.dot(dz.T, h_prev_l) / batch_size
        self.dW_hh += np.dot(dz.T, h_prev_t) / batch_size
        self.db_ih += np.sum(dz, axis=0) / batch_size
        self.db_hh += np.sum(dz, axis=0) / batch_size

        # 2) Compute dx, dh
        dx = np.dot(dz, self.W_ih)
        dh = np.dot(dz, self.W_hh)

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
# - rnn_step_backward weights_grad_mean + bias_grad_mean: dx and dh_prev equal the reference to
#   1e-15; every parameter gradient equals the reference's divided by N (batch size) to 1e-15, and the
#   grader's bias-only mistake (biases / N, weights summed) does not match the weights.
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": ["weights_grad_mean", "bias_grad_mean"],
}
