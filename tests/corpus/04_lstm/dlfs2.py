"""Deep Learning from Scratch 2 (Koki Saitoh, O'Reilly Japan) LSTM layers, adapted to 04_lstm.

Source: oreilly-japan/deep-learning-from-scratch-2, common/time_layers.py (classes LSTM and TimeLSTM),
commit 39c84ac7829faa72b03a3d180ecf2993996e0906 (MIT license, Copyright (c) 2018 Koki Saitoh); sigmoid from common/functions.py,
commit 5473be8cd112c446c62c77535766280d445c17a7.
Layout Wx (D, 4H), Wh (H, 4H), one bias b (4H,), column blocks read as f, g, i, o (the book's
order). TimeLSTM stores hs and dxs in arrays created with dtype='f' (float32) and takes (h0, c0)
through set_state with stateful=True.

Adaptation, as a student would: the author's classes are kept (`from common.np import *` is numpy);
the graded functions build a layer with Wx = p["weight_ih"].T, Wh = p["weight_hh"].T,
b = p["bias_ih"] + p["bias_hh"] (PyTorch's blocks i, f, g, o, read by the author's code as f, g, i, o)
and keep the layer as the cache. TimeLSTM.backward keeps its final dc in a local variable; one line,
`self.dc = dc`, is added so that lstm_backward can return dc0 as the course asks. Gradients return as
{"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class LSTM:
    def __init__(self, Wx, Wh, b):
        '''

        Parameters
        ----------
        Wx: 入力`x`用の重みパラーメタ（4つ分の重みをまとめる）
        Wh: 隠れ状態`h`用の重みパラメータ（4つ分の重みをまとめる）
        b: バイアス（4つ分のバイアスをまとめる）
        '''
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev, c_prev):
        Wx, Wh, b = self.params
        N, H = h_prev.shape

        A = np.dot(x, Wx) + np.dot(h_prev, Wh) + b

        f = A[:, :H]
        g = A[:, H:2*H]
        i = A[:, 2*H:3*H]
        o = A[:, 3*H:]

        f = sigmoid(f)
        g = np.tanh(g)
        i = sigmoid(i)
        o = sigmoid(o)

        c_next = f * c_prev + g * i
        h_next = o * np.tanh(c_next)

        self.cache = (x, h_prev, c_prev, i, f, g, o, c_next)
        return h_next, c_next

    def backward(self, dh_next, dc_next):
        Wx, Wh, b = self.params
        x, h_prev, c_prev, i, f, g, o, c_next = self.cache

        tanh_c_next = np.tanh(c_next)

        ds = dc_next + (dh_next * o) * (1 - tanh_c_next ** 2)

        dc_prev = ds * f

        di = ds * g
        df = ds * c_prev
        do = dh_next * tanh_c_next
        dg = ds * i

        di *= i * (1 - i)
        df *= f * (1 - f)
        do *= o * (1 - o)
        dg *= (1 - g ** 2)

        dA = np.hstack((df, dg, di, do))

        dWh = np.dot(h_prev.T, dA)
        dWx = np.dot(x.T, dA)
        db = dA.sum(axis=0)

        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db

        dx = np.dot(dA, Wx.T)
        dh_prev = np.dot(dA, Wh.T)

        return dx, dh_prev, dc_prev


class TimeLSTM:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None

        self.h, self.c = None, None
        self.dh = None
        self.stateful = stateful

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        H = Wh.shape[0]

        self.layers = []
        hs = np.empty((N, T, H), dtype='f')

        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype='f')
        if not self.stateful or self.c is None:
            self.c = np.zeros((N, H), dtype='f')

        for t in range(T):
            layer = LSTM(*self.params)
            self.h, self.c = layer.forward(xs[:, t, :], self.h, self.c)
            hs[:, t, :] = self.h

            self.layers.append(layer)

        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]

        dxs = np.empty((N, T, D), dtype='f')
        dh, dc = 0, 0

        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh, dc = layer.backward(dhs[:, t, :] + dh, dc)
            dxs[:, t, :] = dx
            for i, grad in enumerate(layer.grads):
                grads[i] += grad

        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh
        self.dc = dc  # added: the course's lstm_backward returns dc0
        return dxs

    def set_state(self, h, c=None):
        self.h, self.c = h, c

    def reset_state(self):
        self.h, self.c = None, None


# ---- adapters to the course's interface (PyTorch layout) ----

def _params(p):
    return p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"]


def _grads(layer):
    dWx, dWh, db = layer.grads
    return {"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}


def lstm_step_forward(x, h_prev, c_prev, p):
    layer = LSTM(*_params(p))
    h_next, c_next = layer.forward(x, h_prev, c_prev)
    return h_next, c_next, layer


def lstm_step_backward(dh_next, dc_next, cache):
    dx, dh_prev, dc_prev = cache.backward(dh_next, dc_next)
    return dx, dh_prev, dc_prev, _grads(cache)


def lstm_forward(xs, h0, c0, p):
    layer = TimeLSTM(*_params(p), stateful=True)
    layer.set_state(h0, c0)
    return layer.forward(xs), layer


def lstm_backward(dhs, cache):
    dxs = cache.backward(dhs)
    return dxs, cache.dh, cache.dc, _grads(cache)


# How each tag was verified (scratch script, seeds 0..4, sizes of the hidden tests):
# - gate_order_fgio: every output equals rnnkit.grading.mistakes' LSTM with the flag
#   {"gate_order_fgio"} (gate g read from block order.index(g) of PyTorch's stacking; the grader's
#   table has ifog, figo and igfo, not fgio), to 1e-12 for the step functions and within 1e-5
#   (float32 rounding) for lstm_forward's hs and lstm_backward's dxs; it differs from every order in the table.
# - float32: lstm_forward's hs and lstm_backward's dxs have dtype float32 (np.empty(..., dtype='f')).
EXPECTED = {
    "lstm_step_forward": ["gate_order_fgio"],
    "lstm_step_backward": ["gate_order_fgio"],
    "lstm_forward": ["gate_order_fgio", "float32"],
    "lstm_backward": ["gate_order_fgio", "float32"],
}
