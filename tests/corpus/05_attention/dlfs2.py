"""Deep Learning from Scratch 2 (Koki Saitoh, O'Reilly Japan) attention, adapted to 05_attention.

Sources (oreilly-japan/deep-learning-from-scratch-2, MIT license, commit
5473be8cd112c446c62c77535766280d445c17a7): ch08/attention_layer.py (classes WeightSum,
AttentionWeight, Attention, TimeAttention), common/layers.py (class Softmax),
common/functions.py (softmax).
The book's attention is a dot product of each decoder state with the encoder states, softmax over
the encoder steps, and a weighted sum of the same encoder states: no 1/√d scale, no mask, and the
encoder states serve as both keys and values. functions.softmax handles 1-D and 2-D arrays
(axis 1) and returns anything else unchanged.

Adaptation, as a student would:
- softmax(scores, axis): the author's function with `axis=1` replaced by `axis=axis`; its 1-D and
  2-D branches kept, and with them its silence for other ranks.
- attention: queries q are the decoder states, k the encoder states the weights are computed
  from, v the encoder states that are summed. Attention.forward/backward take k and v separately
  (the author passes hs to both layers), backward returns dk and dv apart instead of their sum,
  and TimeAttention sizes its output (N, Tq, dv) (the author's np.empty_like(hs_dec) assumes
  dv = d) and accumulates dk and dv. mask is accepted and not used: the author has none.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def softmax(scores, axis=-1):
    x = scores
    if x.ndim == 2:
        x = x - x.max(axis=axis, keepdims=True)
        x = np.exp(x)
        x /= x.sum(axis=axis, keepdims=True)
    elif x.ndim == 1:
        x = x - np.max(x)
        x = np.exp(x) / np.sum(np.exp(x))

    return x


def _softmax(x):  # functions.softmax as the layers call it (axis 1)
    return softmax(x, axis=1)


class Softmax:
    def __init__(self):
        self.params, self.grads = [], []
        self.out = None

    def forward(self, x):
        self.out = _softmax(x)
        return self.out

    def backward(self, dout):
        dx = self.out * dout
        sumdx = np.sum(dx, axis=1, keepdims=True)
        dx -= self.out * sumdx
        return dx


class WeightSum:
    def __init__(self):
        self.params, self.grads = [], []
        self.cache = None

    def forward(self, hs, a):
        N, T, H = hs.shape
        ar = a.reshape(N, T, 1)
        t = hs * ar
        c = np.sum(t, axis=1)

        self.cache = (hs, ar)
        return c

    def backward(self, dc):
        hs, ar = self.cache
        N, T, H = hs.shape
        dt = dc.reshape(N, 1, H).repeat(T, axis=1)
        dar = dt * hs
        dhs = dt * ar
        da = np.sum(dar, axis=2)

        return dhs, da


class AttentionWeight:
    def __init__(self):
        self.params, self.grads = [], []
        self.softmax = Softmax()
        self.cache = None

    def forward(self, hs, h):
        N, T, H = hs.shape

        hr = h.reshape(N, 1, H)  # .repeat(T, axis=1)
        t = hs * hr
        s = np.sum(t, axis=2)
        a = self.softmax.forward(s)

        self.cache = (hs, hr)
        return a

    def backward(self, da):
        hs, hr = self.cache
        N, T, H = hs.shape

        ds = self.softmax.backward(da)
        dt = ds.reshape(N, T, 1).repeat(H, axis=2)
        dhs = dt * hr
        dhr = dt * hs
        dh = np.sum(dhr, axis=1)

        return dhs, dh


class Attention:
    def __init__(self):
        self.params, self.grads = [], []
        self.attention_weight_layer = AttentionWeight()
        self.weight_sum_layer = WeightSum()
        self.attention_weight = None

    def forward(self, hs_k, hs_v, h):  # the author: forward(self, hs, h), hs for both
        a = self.attention_weight_layer.forward(hs_k, h)
        out = self.weight_sum_layer.forward(hs_v, a)
        self.attention_weight = a
        return out

    def backward(self, dout):
        dhs0, da = self.weight_sum_layer.backward(dout)
        dhs1, dh = self.attention_weight_layer.backward(da)
        return dhs1, dhs0, dh  # the author: dhs = dhs0 + dhs1; return dhs, dh


class TimeAttention:
    def __init__(self):
        self.params, self.grads = [], []
        self.layers = None
        self.attention_weights = None

    def forward(self, hs_k, hs_v, hs_dec):
        N, T, H = hs_dec.shape
        out = np.empty((N, T, hs_v.shape[2]))  # the author: np.empty_like(hs_dec)
        self.layers = []
        self.attention_weights = []

        for t in range(T):
            layer = Attention()
            out[:, t, :] = layer.forward(hs_k, hs_v, hs_dec[:,t,:])
            self.layers.append(layer)
            self.attention_weights.append(layer.attention_weight)

        return out

    def backward(self, dout):
        N, T, H = dout.shape
        dhs_k, dhs_v = 0, 0
        dhs_dec = np.empty((N, T, self.layers[0].attention_weight_layer.cache[0].shape[2]))

        for t in range(T):
            layer = self.layers[t]
            dk, dv, dh = layer.backward(dout[:, t, :])
            dhs_k += dk
            dhs_v += dv
            dhs_dec[:,t,:] = dh

        return dhs_k, dhs_v, dhs_dec


# ---- adapters to the course's interface ----

def attention_forward(q, k, v, mask=None):
    layer = TimeAttention()
    return layer.forward(k, v, q), layer


def attention_backward(dout, cache):
    dk, dv, dq = cache.backward(dout)
    return dq, dk, dv


# How each tag was verified (scratch script, seeds 0..4, sizes of the hidden tests):
# - softmax_ignores_other_ranks: right to 1e-16 for 2-D inputs along either axis; a 3-D input is
#   returned unchanged (the object itself).
# - no_scale: with mask=None, out and all gradients equal rnnkit.grading.mistakes.attention with
#   {"no_scale"} to 1e-15.
# - mask_ignored: with a mask, every output equals mistakes.attention with {"no_scale", "mask_ignored"}.
EXPECTED = {
    "softmax": ["softmax_ignores_other_ranks"],
    "attention_forward": ["no_scale", "mask_ignored"],
    "attention_backward": ["no_scale", "mask_ignored"],
}
