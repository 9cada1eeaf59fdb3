"""CS231n's provided "numerically stable" sigmoid, adapted to the 02_vanishing_gradients interface.

Source: CS231n assignment 3 starter code (course staff), function sigmoid in cs231n/rnn_layers.py,
read in Burton2000/CS231n-2017, assignment3/cs231n/rnn_layers.py,
commit 23587971eff6452488ab66eb0afbd50b9b274b14 (the same function appears verbatim in every
student copy read for this corpus: 0809zheng, AKSoo, Anner-deJong, lemairecarl).
It fills e^{-x} for x >= 0 and e^{x} for x < 0 through boolean masks, so no exponent is positive.

Adaptation: none; the function is copied as is. The arithmetic, and any bug in it, is the authors'.
"""
import numpy as np


def sigmoid(x):
    """
    A numerically stable version of the logistic sigmoid function.
    """
    pos_mask = (x >= 0)
    neg_mask = (x < 0)
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


# Verified: passes rnnkit.grading.check with hidden seeds 11 and 12 (inputs up to ±1e308, no warning).
EXPECTED = {
    "sigmoid": [],
}
