"""A NumPy scaled dot-product attention script, adapted to the 05_attention interface (forward only).

Source: andyluken/transformers, SelfAttention.py, commit f8a45f887ee3dac33ed972c3364840a28aaae481
(functions softmax and scaled_dot_product_attention, and the script's construction of a causal
mask). The author works on one sequence, q (L, d_k), k (L, d_k), v (L, d_v), with an additive mask
(0 where a query may attend, -inf where not), built from a 0/1 matrix by
    mask[mask == 0] = -np.infty
    mask[mask == 1] = 0
The softmax exponentiates without subtracting the maximum. There is no backward pass.

Adaptation, as a student would: the author's two functions are kept; attention_forward runs them
once per sequence of the batch, and turns the course's boolean mask (True = may attend) into the
author's additive mask with the author's own two lines (NumPy 2 spells np.infty np.inf). `k.T`
is kept: it is a 2-D transpose inside the per-sequence call. No cache is kept (None).
The arithmetic, and any bug in it, is the author's.
"""
import math

import numpy as np


def softmax(x):
    return (np.exp(x).T / np.sum(np.exp(x), axis=-1)).T


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = q.shape[-1]
    scaled = np.matmul(q, k.T) / math.sqrt(d_k)
    if mask is not None:
        scaled = scaled + mask
    attention = softmax(scaled)
    out = np.matmul(attention, v)
    return out, attention


def attention_forward(q, k, v, mask=None):
    N, Tq, _ = q.shape
    out = np.zeros((N, Tq, v.shape[2]))
    if mask is not None:
        additive = np.broadcast_to(mask, (N, Tq, k.shape[1])).astype(float)
        additive[additive == 0] = -np.inf  # the author: -np.infty
        additive[additive == 1] = 0
    for n in range(N):
        out[n], _ = scaled_dot_product_attention(q[n], k[n], v[n], None if mask is None else additive[n])
    return out, None


# Verified: passes rnnkit.grading.check with hidden seeds 11 and 12 (scores are small in the hidden
# tests, so the unshifted exponentials do not overflow; masked entries give exp(-inf) = 0).
EXPECTED = {
    "attention_forward": [],
}
