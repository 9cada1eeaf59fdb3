"""CMU 11-785 HW3P1 `mytorch` RNN cell, adapted to the 01_rnn interface.

Source: sauravkambil/Creating-RNNs-GRUs-and-CTC-Decoding-Using-Numpy, mytorch/rnn_cell.py
(class RNNCell: forward, backward), commit 965ed7a621720bcbbc3a697018b8817538704a21.
11-785 already uses PyTorch's layout and names and batch-first steps; backward(delta, h_t, h_prev_l,
h_prev_t) accumulates the parameter gradients in the cell, averaged over the batch (weights divided
by batch_size, biases by np.mean). The author leaves debugging prints in backward.

Adaptation, as a student would: the author's class is kept (zero_grad and comments trimmed); its
`activation.py` is not in the stored repository, and only Tanh.forward is used, so a minimal Tanh
(np.tanh, as in the course handout) stands in for it. rnn_step_forward builds a cell, loads p with
init_weights and keeps the cell with its inputs and output as the cache; rnn_step_backward calls
cell.backward(dh_next, h_next, x, h_prev) and returns the cell's accumulated gradients.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class Tanh:
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A


class RNNCell(object):
    """RNN Cell class."""

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

    def __call__(self, x, h_prev_t):
        return self.forward(x, h_prev_t)

    def forward(self, x, h_prev_t):
        """
        ht = tanh(Wihxt + bih + Whhht−1 + bhh)
        """
        h_t = self.activation.forward(np.dot(x, self.W_ih.T) + self.b_ih + np.dot(h_prev_t, self.W_hh.T) + self.b_hh)
        return h_t

    def backward(self, delta, h_t, h_prev_l, h_prev_t):
        batch_size = delta.shape[0]
        # 0) Step backward through the tanh activation function.
        dz = delta * (1 - np.square(h_t))

        # 1) Compute the averaged gradients of the weights and biases
        self.dW_ih += np.dot(dz.T, h_prev_l) / batch_size
        self.dW_hh += np.dot(dz.T, h_prev_t) / batch_size
        print(self.dW_ih[0])
        print(self.dW_ih.shape)
        print(self.dW_hh[0])
        print(self.dW_hh.shape)

        self.db_ih += np.mean(dz, axis=0)
        self.db_hh += np.mean(dz, axis=0)

        # 2) Compute dx, dh_prev_t
        dx = np.dot(dz, self.W_ih)
        dh_prev_t = np.dot(dz, self.W_hh)

        # 3) Return dx, dh_prev_t
        return dx, dh_prev_t


# ---- adapters to the course's interface ----

def rnn_step_forward(x, h_prev, p):
    cell = RNNCell(x.shape[1], h_prev.shape[1])
    cell.init_weights(p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    h_next = cell(x, h_prev)
    return h_next, (cell, x, h_prev, h_next)


def rnn_step_backward(dh_next, cache):
    cell, x, h_prev, h_next = cache
    dx, dh_prev = cell.backward(dh_next, h_next, x, h_prev)
    return dx, dh_prev, {"weight_ih": cell.dW_ih, "weight_hh": cell.dW_hh,
                         "bias_ih": cell.db_ih, "bias_hh": cell.db_hh}


# How each tag was verified (scratch script, seeds 0..4, sizes of the hidden tests):
# - rnn_step_backward weights_grad_mean + bias_grad_mean: dx, dh_prev equal the reference to 1e-15;
#   every parameter gradient equals the reference's divided by N to 1e-15. (The prints are harmless.)
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": ["weights_grad_mean", "bias_grad_mean"],
}
