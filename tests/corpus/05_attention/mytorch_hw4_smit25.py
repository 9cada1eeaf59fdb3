"""CMU 11-785 HW4P1 `mytorch` scaled dot-product attention, adapted to the 05_attention interface.

Source: smit25/Transformer-using-numpy, commit 554dd0fcc18fa2c2f36cc9a1759fb65d737f5062:
mytorch/nn/scaled_dot_product_attention.py (class ScaledDotProductAttention: forward, backward) and
mytorch/nn/activation.py (class Softmax: forward, backward).
11-785's convention for the mask is the opposite of this course's: "1/True indicates a position to
ignore"; the author adds -1e10 (self.eps, "DO NOT MODIFY") times the mask to the scores. The
Softmax backward builds each row's Jacobian in Python loops.

Adaptation, as a student would: the author's classes are kept (the handout's TODO comments and
unreachable `raise` lines trimmed). softmax(scores, axis) is Softmax(dim=axis).forward(scores);
attention_forward builds a ScaledDotProductAttention, runs forward(q, k, v, mask) and keeps the
object as the cache; attention_backward returns cache.backward(dout). The mask is passed on as
given, in the course's convention (True = may attend), as a student reusing this code would.
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

        # Compute the softmax in a numerically stable way
        # Apply it to the dimension specified by the `dim` parameter
        self.Z = Z
        self.z_shifted = Z - np.max(Z, axis = self.dim, keepdims = True)
        self.z_exp = np.exp(self.z_shifted)
        self.z_sum = np.sum(self.z_exp, axis = self.dim, keepdims = True)
        self.A = self.z_exp / self.z_sum  # Done
        return self.A

    def backward(self, dLdA):
        # Get the shape of the input
        shape = self.A.shape
        # Find the dimension along which softmax was applied
        C = shape[self.dim]

        # Reshape input to 2D
        if len(shape) > 2:
            self.A = np.swapaxes(self.A, self.dim, -1)
            new_A_shape = self.A.shape
            self.A = self.A.reshape(-1, shape[-1])
            dLdA = np.swapaxes(dLdA, self.dim, -1)
            dLdA = dLdA.reshape(-1, shape[-1])

        N = dLdA.shape[0]  # Done

        dLdZ = np.zeros((N, C))  # Done

        for i in range(N):
            J = np.zeros((C,C))  # Done

            for m in range(C):
                for n in range(C):
                    J[m, n] = (self.A[i, m] * (1 - self.A[i,m]) if m == n else -self.A[i, n] * self.A[i,m])  # Done

            dLdZ[i, :] = dLdA[i, :] @ J  # Done

        # Reshape back to original dimensions if necessary
        if len(shape) > 2:
            # Restore shapes to original
            self.A = self.A.reshape(new_A_shape)
            self.A = np.swapaxes(self.A, self.dim, -1)
            dLdZ = dLdZ.reshape(self.Z.shape)

        return dLdZ


class ScaledDotProductAttention:
    """
    Scaled Dot Product Attention
    """
    def __init__(self):
        self.eps = 1e10 # DO NOT MODIFY
        self.softmax = Softmax()

    def forward(self, Q, K, V, mask=None):
        """
        :param mask: Boolean mask matrix of shape (N, ..., H, L, S) or broadcastable shape where 1/True indicates a position to ignore
        """
        self.V = V
        self.Q = Q
        self.K = K

        # Calculate attention scores: (N, ..., H, L, S)
        # (N, ..., H, L, E) @ (N, ..., H, E, S) -> (N, ..., H, L, S)
        self.d_k = Q.shape[-1]
        scaled_dot_product = Q@np.swapaxes(K,-2,-1)/np.sqrt(self.d_k)

        # Apply mask before softmax if provided
        # If mask is not None, add -self.eps to the attention scores for positions to ignore
        if mask is not None:
            scaled_dot_product = scaled_dot_product + mask * (-self.eps)

        # Compute attention scores: Apply softmax along S dimension (N, ..., H, L, S)
        self.attention_scores = self.softmax.forward(scaled_dot_product)

        # Calculate output: (N, ..., H, L, Ev)
        # (N, ..., H, L, S) @ (N, ..., H, S, Ev) -> (N, ..., H, L, Ev)
        output = self.attention_scores@V

        # Return output
        return output

    def backward(self, d_output):
        # Calculate gradients for V: (N, ..., H, S, Ev)
        # (N, ..., H, L, S) @ (N, ..., H, S, Ev) -> (N, ..., H, L, Ev)
        # Use the transpose of stored softmax output to swap last two dimensions
        d_V = np.swapaxes(self.attention_scores, -2, -1) @ d_output

        # Calculate gradients for attention scores
        # (N, ..., H, L, Ev) @ (N, ..., H, Ev, S) -> (N, ..., H, L, S)
        d_attention_scores = d_output @ np.swapaxes(self.V, -2, -1)
        d_scaled_dot_product = self.softmax.backward(d_attention_scores)

        # Scale gradients by sqrt(d_k)
        d_scaled_dot_product = d_scaled_dot_product / np.sqrt(self.d_k)

        # Calculate gradients for Q and K
        # (N, ..., H, L, S) @ (N, ..., H, S, E) -> (N, ..., H, L, E)
        d_Q = d_scaled_dot_product @ self.K
        # (N, ..., H, L, S) @ (N, ..., H, L, E) -> (N, ..., H, S, E)
        d_K = np.swapaxes(d_scaled_dot_product, -2, -1) @ self.Q

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


# How each tag was verified (scratch script, seeds 0..4, sizes of the hidden tests):
# - softmax passes; without a mask, attention_forward and attention_backward equal the reference.
# - mask_inverted: with a mask, the output equals the reference run on ~mask wherever a query
#   keeps at least one key, i.e. rnnkit.grading.mistakes' {"mask_inverted"} on those rows.
# - mask_additive: -1e10 is added, not substituted; on a row where the course's mask allows every
#   key (so the inverted mask blocks them all), every score moves by the same -1e10 and the row
#   stays close to the unmasked softmax (rounded to ~2e-6 by the offset), where the grader's
#   mask_inverted model gives uniform weights. No model in the grader's table matches.
EXPECTED = {
    "softmax": [],
    "attention_forward": ["mask_inverted", "mask_additive"],
    "attention_backward": ["mask_inverted", "mask_additive"],
}
