"""Dive into Deep Learning (d2l.ai) gradient clipping, adapted to the 02_vanishing_gradients interface.

Source (the repository's LICENSE: CC BY-SA 4.0): d2l-ai/d2l-en, chapter_recurrent-neural-networks/rnn-scratch.md, function
grad_clipping(model, theta) (MXNet version, "Save to the d2l package"),
commit 00822f4eef486dfbb7d79e153897c37b7065fd52:
    norm = math.sqrt(sum((p.grad ** 2).sum().asscalar() for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm
It scales the parameters' gradients in place, without an epsilon, and returns nothing.

Adaptation, as a student would: the parameters' .grad arrays become the values of grads
(.asscalar() is dropped: numpy's sum is already a scalar), theta is max_norm, and the function
returns the dict and the norm. The arithmetic, and any bug in it, is the author's.
"""
import math

import numpy as np


def clip_grad_norm(grads, max_norm):
    theta = max_norm
    params = list(grads.values())
    norm = math.sqrt(sum((g ** 2).sum() for g in params))
    if norm > theta:
        for g in params:
            g[:] *= theta / norm
    return grads, norm


# How each tag was verified (scratch script, seeds 0..2, sizes of the hidden tests):
# - modifies_input: when norm > max_norm, `g[:] *= ...` scales the caller's arrays.
# - clip_no_eps: on copies, the output equals the grader's "no_eps" model (torch's clip_grad_norm_
#   without its 1e-6) to 1e-15 relative and differs from the reference where max_norm is small.
EXPECTED = {
    "clip_grad_norm": ["modifies_input", "clip_no_eps"],
}
