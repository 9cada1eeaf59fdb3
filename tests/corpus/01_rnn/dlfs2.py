"""Deep Learning from Scratch 2 (Koki Saitoh, O'Reilly Japan) RNN layers, adapted to 01_rnn.

Source: oreilly-japan/deep-learning-from-scratch-2, common/time_layers.py (classes RNN and TimeRNN),
commit 39c84ac7829faa72b03a3d180ecf2993996e0906 (MIT license, Copyright (c) 2018 Koki Saitoh).
Layout Wx (D, H), Wh (H, H), one bias b (H,); layers keep their cache and write their parameter
gradients into self.grads. TimeRNN stores its hidden states in an array created with dtype='f'
(float32) and its dxs likewise; it takes h0 through set_state with stateful=True.

Adaptation, as a student would: the author's classes are kept (`from common.np import *` is numpy);
the graded functions build a layer with Wx = p["weight_ih"].T, Wh = p["weight_hh"].T,
b = p["bias_ih"] + p["bias_hh"] and keep the layer as the cache; rnn_forward starts TimeRNN from h0
with stateful=True and set_state(h0); rnn_backward returns TimeRNN's dxs, its self.dh as dh0 and
its grads as {"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class RNN:
    def __init__(self, Wx, Wh, b):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x, h_prev):
        Wx, Wh, b = self.params
        t = np.dot(h_prev, Wh) + np.dot(x, Wx) + b
        h_next = np.tanh(t)

        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        Wx, Wh, b = self.params
        x, h_prev, h_next = self.cache

        dt = dh_next * (1 - h_next ** 2)
        db = np.sum(dt, axis=0)
        dWh = np.dot(h_prev.T, dt)
        dh_prev = np.dot(dt, Wh.T)
        dWx = np.dot(x.T, dt)
        dx = np.dot(dt, Wx.T)

        self.grads[0][...] = dWx
        self.grads[1][...] = dWh
        self.grads[2][...] = db

        return dx, dh_prev


class TimeRNN:
    def __init__(self, Wx, Wh, b, stateful=False):
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None

        self.h, self.dh = None, None
        self.stateful = stateful

    def forward(self, xs):
        Wx, Wh, b = self.params
        N, T, D = xs.shape
        D, H = Wx.shape

        self.layers = []
        hs = np.empty((N, T, H), dtype='f')

        if not self.stateful or self.h is None:
            self.h = np.zeros((N, H), dtype='f')

        for t in range(T):
            layer = RNN(*self.params)
            self.h = layer.forward(xs[:, t, :], self.h)
            hs[:, t, :] = self.h
            self.layers.append(layer)

        return hs

    def backward(self, dhs):
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D, H = Wx.shape

        dxs = np.empty((N, T, D), dtype='f')
        dh = 0
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            dx, dh = layer.backward(dhs[:, t, :] + dh)
            dxs[:, t, :] = dx

            for i, grad in enumerate(layer.grads):
                grads[i] += grad

        for i, grad in enumerate(grads):
            self.grads[i][...] = grad
        self.dh = dh

        return dxs

    def set_state(self, h):
        self.h = h

    def reset_state(self):
        self.h = None


# ---- adapters to the course's interface (PyTorch layout) ----

def _params(p):
    return p["weight_ih"].T, p["weight_hh"].T, p["bias_ih"] + p["bias_hh"]


def _grads(layer):
    dWx, dWh, db = layer.grads
    return {"weight_ih": dWx.T, "weight_hh": dWh.T, "bias_ih": db, "bias_hh": db}


def rnn_step_forward(x, h_prev, p):
    layer = RNN(*_params(p))
    return layer.forward(x, h_prev), layer


def rnn_step_backward(dh_next, cache):
    dx, dh_prev = cache.backward(dh_next)
    return dx, dh_prev, _grads(cache)


def rnn_forward(xs, h0, p):
    layer = TimeRNN(*_params(p), stateful=True)
    layer.set_state(h0)
    return layer.forward(xs), layer


def rnn_backward(dhs, cache):
    dxs = cache.backward(dhs)
    return dxs, cache.dh, _grads(cache)


# How each tag was verified (scratch script, seeds 0..4, sizes of the hidden tests):
# - the step functions pass rnnkit.grading.check (float64 throughout).
# - float32: rnn_forward's hs and rnn_backward's dxs have dtype float32 (np.empty(..., dtype='f'));
#   cast to float64 they equal the reference within float32 rounding (max relative error ~1e-7),
#   dh0 and the parameter gradients are float64 and equal the reference to 1e-15.
EXPECTED = {
    "rnn_step_forward": [],
    "rnn_step_backward": [],
    "rnn_forward": ["float32"],
    "rnn_backward": ["float32"],
}
