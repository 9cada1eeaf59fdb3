"""Andrej Karpathy's min-char-rnn, adapted to the 01_rnn interface (sequence functions).

Source: Karpathy's gist "min-char-rnn.py" (gist.github.com/karpathy/d4dee566867f8291f086, BSD
license), read in the verbatim copy Anirudh-Swaminathan/ece_285_fa19_project,
learning_stuff/min_char_rnn.py, commit 4bc54ab81678d021e059fe3b3ba6fee503c20520 (function lossFun).
One sequence, column vectors, PyTorch's (out, in) layout: Wxh (H, D), Whh (H, H), one bias bh (H, 1):
    hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t-1]) + bh)
and the backward loop of lossFun (dhraw, dbh, dWxh, dWhh, dhnext).

Adaptation, as a student would: lossFun's forward and backward loops are kept line for line and
run once per sequence of the batch (the author's code takes one sequence as column vectors), the
parameter gradients summed over the batch; Wxh = p["weight_ih"], Whh = p["weight_hh"],
bh = p["bias_ih"] + p["bias_hh"] as a column. The input xs[n, t] replaces the author's one-hot
vector; the upstream dhs[n, t] replaces the output layer's np.dot(Why.T, dy); one line is added,
dx = np.dot(Wxh.T, dhraw) (the author's inputs are one-hot and get no gradient), by analogy with
dhnext; the output layer, the loss and the final clipping (see 02_vanishing_gradients/min_char_rnn.py)
are dropped. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def rnn_forward(xs, h0, p):
    Wxh, Whh, bh = p["weight_ih"], p["weight_hh"], (p["bias_ih"] + p["bias_hh"])[:, None]
    N, T, D = xs.shape
    H = h0.shape[1]
    out = np.zeros((N, T, H))
    caches = []
    for n in range(N):
        x_n, hs = {}, {}
        hs[-1] = np.copy(h0[n][:, None])
        # forward pass
        for t in range(T):
            x_n[t] = xs[n, t][:, None]  # the author: one-hot encoding of inputs[t]
            hs[t] = np.tanh(np.dot(Wxh, x_n[t]) + np.dot(Whh, hs[t-1]) + bh) # hidden state
            out[n, t] = hs[t][:, 0]
        caches.append((x_n, hs))
    return out, (caches, Wxh, Whh, bh)


def rnn_backward(dhs, cache):
    caches, Wxh, Whh, bh = cache
    N, T, H = dhs.shape
    dxs = np.zeros((N, T, Wxh.shape[1]))
    dh0 = np.zeros((N, H))
    grads = {"weight_ih": 0, "weight_hh": 0, "bias_ih": 0, "bias_hh": 0}
    for n, (x_n, hs) in enumerate(caches):
        # backward pass: compute gradients going backwards
        dWxh, dWhh = np.zeros_like(Wxh), np.zeros_like(Whh)
        dbh = np.zeros_like(bh)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(T)):
            dh = dhs[n, t][:, None] + dhnext # backprop into h (the author: np.dot(Why.T, dy) + dhnext)
            dhraw = (1 - hs[t] * hs[t]) * dh # backprop through tanh nonlinearity
            dbh += dhraw
            dWxh += np.dot(dhraw, x_n[t].T)
            dWhh += np.dot(dhraw, hs[t-1].T)
            dxs[n, t] = np.dot(Wxh.T, dhraw)[:, 0]  # added (the author's inputs are one-hot)
            dhnext = np.dot(Whh.T, dhraw)
        dh0[n] = dhnext[:, 0]
        for key, g in (("weight_ih", dWxh), ("weight_hh", dWhh), ("bias_ih", dbh[:, 0]), ("bias_hh", dbh[:, 0])):
            grads[key] = grads[key] + g
    return dxs, dh0, grads


# Verified: both pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "rnn_forward": [],
    "rnn_backward": [],
}
