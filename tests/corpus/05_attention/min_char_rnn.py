"""Andrej Karpathy's min-char-rnn softmax, adapted to the 05_attention interface (softmax only).

Source: Karpathy's gist "min-char-rnn.py" (gist.github.com/karpathy/d4dee566867f8291f086, BSD
license), read in the verbatim copy Anirudh-Swaminathan/ece_285_fa19_project,
learning_stuff/min_char_rnn.py, commit 4bc54ab81678d021e059fe3b3ba6fee503c20520, lossFun:
    ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t])) # probabilities for next chars
on one column vector of scores, without subtracting the maximum.

Adaptation, as a student would: the sum runs along `axis` (keepdims) instead of over the whole
column. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def softmax(scores, axis=-1):
    return np.exp(scores) / np.sum(np.exp(scores), axis=axis, keepdims=True)


# How each tag was verified (scratch script): right to 1e-16 for moderate scores; for the hidden
# test's scores of scale 800, np.exp overflows (RuntimeWarning) and the result has inf / inf = nan.
EXPECTED = {
    "softmax": ["softmax_unstable"],
}
