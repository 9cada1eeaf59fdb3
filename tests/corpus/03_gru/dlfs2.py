"""Deep Learning from Scratch 2 (Koki Saitoh, O'Reilly Japan) GRU layers, adapted to 03_gru.

Source: oreilly-japan/deep-learning-from-scratch-2, common/time_layers.py (classes GRU and TimeGRU,
"layers not explained in the book"), commit 39c84ac7829faa72b03a3d180ecf2993996e0906 (MIT license, Copyright (c) 2018 Koki Saitoh);
sigmoid from common/functions.py, commit 5473be8cd112c446c62c77535766280d445c17a7.
The author's GRU has no biases, stacks its column blocks z, r, candidate, applies the reset gate
before the product and lets z weight the candidate:
    z = σ(x Wxz + h Whz), r = σ(x Wxr + h Whr), h^ = tanh(x Wx + (r ⊙ h) Wh), h' = (1 − z) ⊙ h + z ⊙ h^.
Layout Wx (D, 3H), Wh (H, 3H). TimeGRU stores hs and dxs in arrays created with dtype='f' (float32).

Adaptation, as a student would: the author's classes are kept (`from common.np import *` is numpy);
the graded functions build a layer with Wx = p["weight_ih"].T, Wh = p["weight_hh"].T (PyTorch's
blocks r, z, n, read by the author's code as z, r, candidate) and keep the layer as the cache;
gru_forward starts TimeGRU from h0 (stateful=True, set_state(h0)); the backward functions return
the layer's dWx.T, dWh.T and zeros for the biases, which the author's GRU does not have.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class GRU:
    def __init__(self, Wx, Wh):
        '''

        Parameters
        ----------
        Wx: 入力`x`用の重みパラーメタ（3つ分の重みをまとめる）
        Wh: 隠れ状態`h`用の重みパラメータ（3つ分の重みをまとめる）
        '''
        self.Wx, self.Wh = Wx, Wh
        self.dWx, self.dWh = None, None
        self.cache = None

    def forward(self, x, h_prev):
        H, H3 = self.Wh.shape
        Wxz, Wxr, Wx = self.Wx[:, :H], self.Wx[:, H:2 * H], self.Wx[:, 2 * H:]
        Whz, Whr, Wh = self.Wh[:, :H], self.Wh[:, H:2 * H], self.Wh[:, 2 * H:]

        z = sigmoid(np.dot(x, Wxz) + np.dot(h_prev, Whz))
        r = sigmoid(np.dot(x, Wxr) + np.dot(h_prev, Whr))
        h_hat = np.tanh(np.dot(x, Wx) + np.dot(r*h_prev, Wh))
        h_next = (1-z) * h_prev + z * h_hat

        self.cache = (x, h_prev, z, r, h_hat)

        return h_next

    def backward(self, dh_next):
        H, H3 = self.Wh.shape
        Wxz, Wxr, Wx = self.Wx[:, :H], self.Wx[:, H:2 * H], self.Wx[:, 2 * H:]
        Whz, Whr, Wh = self.Wh[:, :H], self.Wh[:, H:2 * H], self.Wh[:, 2 * H:]
        x, h_prev, z, r, h_hat = self.cache

        dh_hat =dh_next * z
        dh_prev = dh_next * (1-z)

        # tanh
        dt = dh_hat * (1 - h_hat ** 2)
        dWh = np.dot((r * h_prev).T, dt)
        dhr = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)
        dh_prev += r * dhr

        # update gate(z)
        dz = dh_next * h_hat - dh_next * h_prev
        dt = dz * z * (1-z)
        dWhz = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whz.T)
        dWxz = np.dot(x.T, dt)
        dx += np.dot(dt, Wxz.T)

        # rest gate(r)
        dr = dhr * h_prev
        dt = dr * r * (1-r)
        dWhr = np.dot(h_prev.T, dt)
        dh_prev += np.dot(dt, Whr.T)
        dWxr = np.dot(x.T, dt)
        dx += np.dot(dt, Wxr.T)

        self.dWx = np.hstack((dWxz, dWxr, dWx))
        self.dWh = np.hstack((dWhz, dWhr, dWh))

        return dx, dh_prev


class TimeGRU:
    def __init__(self, Wx, Wh, stateful=False):
        self.Wx, self.Wh = Wx, Wh
        selfdWx, self.dWh = None, None
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        N, T, D = xs.shape
        H, H3 = self.Wh.shape

        self.layers = []
        hs = np.empty((N, T, H), dtype='f')

        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype='f')

        for t in range(T):
            layer = GRU(self.Wx, self.Wh)
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)

        return hs

    def backward(self, dhs):
        N, T, H = dhs.shape
        D = self.Wx.shape[0]

        dxs = np.empty((N, T, D), dtype='f')
        self.dWx, self.dWh = 0, 0

        dh = 0
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)

            dxs[:, t, :] = dx
            self.dWx += layer.dWx
            self.dWh += layer.dWh

        self.dh = dh
        return dxs

    def set_state(self, h):
        self.h = h

    def reset_state(self):
        self.h = None


# ---- adapters to the course's interface (PyTorch layout) ----

def _grads(layer):
    H = layer.Wh.shape[0]
    return {"weight_ih": layer.dWx.T, "weight_hh": layer.dWh.T,
            "bias_ih": np.zeros(3 * H), "bias_hh": np.zeros(3 * H)}  # the author's GRU has no biases


def gru_step_forward(x, h_prev, p):
    layer = GRU(p["weight_ih"].T, p["weight_hh"].T)
    return layer.forward(x, h_prev), layer


def gru_step_backward(dh_next, cache):
    dx, dh_prev = cache.backward(dh_next)
    return dx, dh_prev, _grads(cache)


def gru_forward(xs, h0, p):
    layer = TimeGRU(p["weight_ih"].T, p["weight_hh"].T, stateful=True)
    layer.set_state(h0)
    return layer.forward(xs), layer


def gru_backward(dhs, cache):
    dxs = cache.backward(dhs)
    return dxs, cache.dh, _grads(cache)


# How each tag was verified (scratch script, seeds 0..2, sizes of the hidden tests, every gate order
# and every combination of reset_before, z_swapped, b_hn_outside tried, with and without biases):
# every output equals only rnnkit.grading.mistakes' GRU with flags {"gate_order_zrn", "reset_before",
# "z_swapped"} on p with all biases zeroed (bias gradients compared with zeros), to 1e-15 for the
# step functions and within 1e-5 (float32 rounding) for gru_forward's hs and gru_backward's dxs.
# - float32: gru_forward's hs and gru_backward's dxs have dtype float32 (np.empty(..., dtype='f')).
EXPECTED = {
    "gru_step_forward": ["gate_order_zrn", "no_biases", "reset_before", "z_swapped"],
    "gru_step_backward": ["gate_order_zrn", "no_biases", "reset_before", "z_swapped"],
    "gru_forward": ["gate_order_zrn", "no_biases", "reset_before", "z_swapped", "float32"],
    "gru_backward": ["gate_order_zrn", "no_biases", "reset_before", "z_swapped", "float32"],
}
