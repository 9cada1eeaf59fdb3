"""CMU 11-785 HW4P1 `mytorch` scaled dot-product attention, adapted to the 05_attention interface.

Source: sid-jo/idl-hw4, commit a50a89e24656fb2767292fece2cc2eb61a5f7a5f (no license stated):
mytorch/nn/scaled_dot_product_attention.py (class ScaledDotProductAttention: forward, backward) and
mytorch/nn/activation.py (class Softmax: forward, backward).
11-785's convention for the mask is the opposite of this course's: "1/True indicates a position to
ignore". The author replaces the scores where the mask is True by -self.eps (-1e10, np.where), and
in backward also zeroes the scores' gradient there (np.where(self.mask, 0.0, ...)).

Adaptation, as a student would: the author's classes are kept (the handout's docstrings and TODO
comments trimmed). softmax(scores, axis) is Softmax(dim=axis).forward(scores); attention_forward
builds a ScaledDotProductAttention, runs forward(q, k, v, mask) and keeps the object as the cache;
attention_backward returns cache.backward(dout). The mask is passed on as given, in the course's
convention (True = may attend), as a student reusing this code would.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class Softmax:
    """
    A generic Softmax activation function that can be used for any dimension.
    """
    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, Z):
        if self.dim > len(Z.shape) or self.dim < -len(Z.shape):
            raise ValueError("Dimension to apply softmax to is greater than the number of dimensions in Z")

        # TODO: Implement forward pass
        Z_max = np.max(Z, axis=self.dim, keepdims=True)
        exp_Z = np.exp(Z - Z_max)
        sum_exp = np.sum(exp_Z, axis=self.dim, keepdims=True)
        self.A = exp_Z / sum_exp

        return self.A

    def backward(self, dLdA):
        sum_term = np.sum(self.A * dLdA, axis=self.dim, keepdims=True)
        dLdZ = self.A * (dLdA - sum_term)

        return dLdZ


class ScaledDotProductAttention:
    """
    Scaled Dot Product Attention
    """
    def __init__(self):
        self.eps = 1e10 # DO NOT MODIFY
        self.softmax = Softmax(dim=-1)

    def forward(self, Q, K, V, mask=None):
        """
        :param mask: Boolean mask matrix of shape (N, ..., H, L, S) or broadcastable shape where 1/True indicates a position to ignore
        """
        self.Q = Q
        self.K = K
        self.V = V
        self.mask = mask
        self.d_k = K.shape[-1]

        # Calculate attention scores
        scaled_dot_product = np.matmul(Q, np.swapaxes(K, -1, -2)) / np.sqrt(self.d_k)

        # Apply mask before softmax if provided
        if mask is not None:
            scaled_dot_product = np.where(mask, -self.eps, scaled_dot_product)

        # Compute attention scores:
        # # Think about which dimension you should apply Softmax
        self.attention_scores = self.softmax.forward(scaled_dot_product)

        # Calculate final output
        output = np.matmul(self.attention_scores, V)

        # Return final output
        return output

    def backward(self, d_output):
        # Calculate gradients for V
        d_V = np.matmul(np.swapaxes(self.attention_scores, -1, -2), d_output)

        # Calculate gradients for attention scores
        d_attention_scores = np.matmul(d_output, np.swapaxes(self.V, -1, -2))
        d_scaled_dot_product = self.softmax.backward(d_attention_scores)
        if self.mask is not None:
            d_scaled_dot_product = np.where(self.mask, 0.0, d_scaled_dot_product)

        # Scale gradients by sqrt(d_k)
        d_scaled_dot_product = d_scaled_dot_product / np.sqrt(self.d_k)

        # Calculate gradients for Q and K
        d_Q = np.matmul(d_scaled_dot_product, self.K)
        d_K = np.matmul(np.swapaxes(d_scaled_dot_product, -1, -2), self.Q)

        # Return gradients for Q, K, V
        return d_Q, d_K, d_V


# ---- adapters to the course's interface ----

def softmax(scores, axis=-1):
    return Softmax(dim=axis).forward(scores)


def attention_forward(q, k, v, mask=None):
    attention = ScaledDotProductAttention()
    return attention.forward(q, k, v, mask), attention


def attention_backward(dout, cache):
    return cache.backward(dout)


# How each tag was verified (scratch script, 5 draws, no mask / causal (Tq, Tk) / random (N, Tq, Tk) masks):
# - softmax passes; without a mask, attention_forward and attention_backward equal the reference.
# - mask_inverted: with a mask, out and every gradient equal rnnkit.grading.mistake_models.attention
#   with {MASK_INVERTED} to 1.4e-15 (the author's zeroed score gradient where the mask is True is
#   what the replaced scores give).
EXPECTED = {
    "softmax": [],
    "attention_forward": ["mask_inverted"],
    "attention_backward": ["mask_inverted"],
}
