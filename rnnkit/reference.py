"""Reference implementations: the course's equations written out in torch ops, gradients by autograd.

The cells (`rnn_cell`, `gru_cell`, `lstm_cell`, `attention_weights`) take and return torch
tensors and are printed in the book symbol for symbol. The public functions below them take
and return float64 NumPy arrays (batch-first: `x (N, D)`, `h (N, H)`, `xs (N, T, D)`,
`hs (N, T, H)`) and are what the hidden tests compare students' NumPy code against. Being
torch + autograd, they share no code with anything a student writes.
"""

import math

import numpy as np
import torch

from rnnkit import _validate
from rnnkit.params import KEYS


# ---- the equations, in torch ---------------------------------------------------------------

def rnn_cell(x, h, p):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    return torch.tanh(x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"])


def gru_cell(x, h, p):
    """One GRU step in PyTorch's convention; returns (h', {"r", "z", "n"})."""
    W_ir, W_iz, W_in = p["weight_ih"].chunk(3)  # gate order r, z, n
    W_hr, W_hz, W_hn = p["weight_hh"].chunk(3)
    b_ir, b_iz, b_in = p["bias_ih"].chunk(3)
    b_hr, b_hz, b_hn = p["bias_hh"].chunk(3)
    r = torch.sigmoid(x @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
    z = torch.sigmoid(x @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
    n = torch.tanh(x @ W_in.T + b_in + r * (h @ W_hn.T + b_hn))  # r after the product
    h_next = (1 - z) * n + z * h
    return h_next, {"r": r, "z": z, "n": n}


def lstm_cell(x, h, c, p):
    """One LSTM step; returns (h', c', {"i", "f", "g", "o"})."""
    W_ii, W_if, W_ig, W_io = p["weight_ih"].chunk(4)  # gate order i, f, g, o
    W_hi, W_hf, W_hg, W_ho = p["weight_hh"].chunk(4)
    b_ii, b_if, b_ig, b_io = p["bias_ih"].chunk(4)
    b_hi, b_hf, b_hg, b_ho = p["bias_hh"].chunk(4)
    i = torch.sigmoid(x @ W_ii.T + b_ii + h @ W_hi.T + b_hi)
    f = torch.sigmoid(x @ W_if.T + b_if + h @ W_hf.T + b_hf)
    g = torch.tanh(x @ W_ig.T + b_ig + h @ W_hg.T + b_hg)
    o = torch.sigmoid(x @ W_io.T + b_io + h @ W_ho.T + b_ho)
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return h_next, c_next, {"i": i, "f": f, "g": g, "o": o}


def attention_weights(q, k, mask=None):
    """A = softmax(Q Kᵀ / √d) over the keys; `mask` True = may attend."""
    d = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # (N, Tq, Tk)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1)


# ---- NumPy in, NumPy out -------------------------------------------------------------------

def _leaf(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _np(t):
    return t.detach().numpy().copy()


_STATE_STEPS = {  # cell -> one step mapping a state tuple to the next, gates dropped
    "rnn": lambda x, state, p: (rnn_cell(x, *state, p),),
    "gru": lambda x, state, p: gru_cell(x, *state, p)[:1],
    "lstm": lambda x, state, p: lstm_cell(x, *state, p)[:2],
}


def _sequence(cell, xs, state, p):
    """Unroll `cell` over xs (N, T, D) from `state` (a tuple of tensors); stack every state."""
    steps = []
    for t in range(xs.shape[1]):
        state = _STATE_STEPS[cell](xs[:, t], state, p)
        steps.append(state)
    return [torch.stack(s, dim=1) for s in zip(*steps)]  # each (N, T, H)


def _check_sequence(cell, xs, states, p, upstream=()):
    """Validate xs (N, T, D), the initial states (N, H) and upstream grads (N, T, H)."""
    D, H = _validate.params(p, cell)
    xs = _validate.array("xs", xs, (None, None, D))
    N, T, _ = xs.shape
    if N < 1 or T < 1:
        raise ValueError(f"xs has shape {xs.shape}; N and T must be at least 1")
    states = [_validate.array(name, s, (N, H)) for name, s in states]
    upstream = [_validate.array(name, g, (N, T, H)) for name, g in upstream]
    return xs, states, upstream


def _forward(cell, xs, states, p):
    xs, states, _ = _check_sequence(cell, xs, states, p)
    with torch.no_grad():
        tp = {k: torch.tensor(p[k], dtype=torch.float64) for k in KEYS}
        outs = _sequence(cell, torch.tensor(xs), tuple(torch.tensor(s) for s in states), tp)
    return [_np(o) for o in outs]


def _backward(cell, xs, states, p, upstream):
    """Gradients of sum(upstream * outputs) w.r.t. xs, each initial state and each parameter."""
    xs, states, upstream = _check_sequence(cell, xs, states, p, upstream)
    tx, ts = _leaf(xs), [_leaf(s) for s in states]
    tp = {k: _leaf(p[k]) for k in KEYS}
    outs = _sequence(cell, tx, tuple(ts), tp)
    loss = sum((o * torch.tensor(g)).sum() for o, g in zip(outs, upstream))
    grads = torch.autograd.grad(loss, [tx, *ts, *tp.values()], allow_unused=True)
    grads = [np.zeros(a.shape) if g is None else _np(g) for a, g in zip([xs, *states, *(p[k] for k in KEYS)], grads)]
    n = 1 + len(ts)
    return (*grads[:n], dict(zip(KEYS, grads[n:])))


def _as_sequence(name, a):
    """(N, D) -> (N, 1, D) so that a step is a sequence of length 1; other ranks are refused."""
    if not isinstance(a, np.ndarray) or a.ndim != 2:
        _validate.array(name, a, (None, None))
    return a[:, None]


def rnn_step(x, h, p):
    """x (N, D), h (N, H) -> h' (N, H)."""
    return _forward("rnn", _as_sequence("x", x), [("h", h)], p)[0][:, 0]


def gru_step(x, h, p):
    """x (N, D), h (N, H) -> h' (N, H)."""
    return _forward("gru", _as_sequence("x", x), [("h", h)], p)[0][:, 0]


def lstm_step(x, h, c, p):
    """x (N, D), h (N, H), c (N, H) -> (h' (N, H), c' (N, H))."""
    hs, cs = _forward("lstm", _as_sequence("x", x), [("h", h), ("c", c)], p)
    return hs[:, 0], cs[:, 0]


def rnn_forward(xs, h0, p):
    """xs (N, T, D), h0 (N, H) -> hs (N, T, H), every hidden state h_1..h_T."""
    return _forward("rnn", xs, [("h0", h0)], p)[0]


def gru_forward(xs, h0, p):
    """xs (N, T, D), h0 (N, H) -> hs (N, T, H)."""
    return _forward("gru", xs, [("h0", h0)], p)[0]


def lstm_forward(xs, h0, c0, p):
    """xs (N, T, D), h0, c0 (N, H) -> (hs (N, T, H), cs (N, T, H))."""
    hs, cs = _forward("lstm", xs, [("h0", h0), ("c0", c0)], p)
    return hs, cs


def rnn_backward(xs, h0, p, dhs):
    """Upstream dhs (N, T, H) on every h_t -> (dxs (N, T, D), dh0 (N, H), grads like p)."""
    return _backward("rnn", xs, [("h0", h0)], p, [("dhs", dhs)])


def gru_backward(xs, h0, p, dhs):
    """Upstream dhs (N, T, H) on every h_t -> (dxs (N, T, D), dh0 (N, H), grads like p)."""
    return _backward("gru", xs, [("h0", h0)], p, [("dhs", dhs)])


def lstm_backward(xs, h0, c0, p, dhs, dcs=None):
    """Upstream dhs (and optionally dcs) (N, T, H) -> (dxs, dh0, dc0, grads like p)."""
    dcs = np.zeros_like(dhs) if dcs is None and isinstance(dhs, np.ndarray) else dcs
    return _backward("lstm", xs, [("h0", h0), ("c0", c0)], p, [("dhs", dhs), ("dcs", dcs)])


def rnn_step_backward(x, h, p, dh_next):
    """x (N, D), h (N, H), upstream dh_next (N, H) -> (dx (N, D), dh (N, H), grads like p)."""
    dxs, dh, grads = rnn_backward(_as_sequence("x", x), h, p, _as_sequence("dh_next", dh_next))
    return dxs[:, 0], dh, grads


def gru_step_backward(x, h, p, dh_next):
    """x (N, D), h (N, H), upstream dh_next (N, H) -> (dx (N, D), dh (N, H), grads like p)."""
    dxs, dh, grads = gru_backward(_as_sequence("x", x), h, p, _as_sequence("dh_next", dh_next))
    return dxs[:, 0], dh, grads


def lstm_step_backward(x, h, c, p, dh_next, dc_next):
    """Upstream dh_next, dc_next (N, H) -> (dx (N, D), dh (N, H), dc (N, H), grads like p)."""
    dxs, dh, dc, grads = lstm_backward(_as_sequence("x", x), h, c, p, _as_sequence("dh_next", dh_next),
                                       _as_sequence("dc_next", dc_next))
    return dxs[:, 0], dh, dc, grads


def gates(cell, xs, h0, p, c0=None):
    """Gate activations over time, {name: (N, T, H)}: r, z, n for "gru"; i, f, g, o for "lstm"."""
    if cell not in ("gru", "lstm"):
        raise ValueError(f"cell must be 'gru' or 'lstm' (the RNN has no gates), got {cell!r}")
    states = [("h0", h0)] + ([("c0", c0)] if cell == "lstm" else [])
    xs, states, _ = _check_sequence(cell, xs, states, p)
    tp = {k: torch.tensor(p[k], dtype=torch.float64) for k in KEYS}
    state, out = tuple(torch.tensor(s) for s in states), []
    with torch.no_grad():
        for t in range(xs.shape[1]):
            *state, g = (gru_cell if cell == "gru" else lstm_cell)(torch.tensor(xs[:, t]), *state, tp)
            out.append(g)
    return {k: np.stack([_np(g[k]) for g in out], axis=1) for k in out[0]}


# ---- stacked and bidirectional layers ------------------------------------------------------

def stacked_forward(cell, xs, h0, params, *, bidirectional=False, c0=None):
    """What ``torch.nn.RNN/GRU/LSTM(..., num_layers, bidirectional, batch_first=True)`` computes in eval mode.

    xs (N, T, D); h0 and, for "lstm", c0 (L * K, N, H), with L layers and K = 2 directions if
    `bidirectional` else 1; `params` the L * K parameter dicts, params[l * K + d] for layer l and
    direction d (0 forward, 1 backward). Layer 0 reads xs; layer l > 0 reads the outputs of layer
    l - 1, both directions concatenated, (N, T, K * H). The backward direction reads its input
    reversed in time, starting from x_T. No dropout between layers: that is training mode only.

    Returns (output, h_n) for "rnn" and "gru", (output, (h_n, c_n)) for "lstm", as torch does:
    output (N, T, K * H) holds the last layer's states, forward then backward along the last
    axis; h_n[l * K + d] (N, H) is the final state of layer l, direction d: h_T forward, h_1
    backward (the state after reading the whole sequence in that direction).
    """
    L, K, D, H = _validate.stacked_params(params, cell, bidirectional)
    xs = _validate.array("xs", xs, (None, None, D))
    N, T, _ = xs.shape
    if N < 1 or T < 1:
        raise ValueError(f"xs has shape {xs.shape}; N and T must be at least 1")
    if (c0 is None) != (cell != "lstm"):
        raise ValueError("c0 is needed for cell='lstm' and only for it")
    states = [_validate.array(name, s, (L * K, N, H)) for name, s in (("h0", h0), ("c0", c0)) if s is not None]
    finals = []  # one tuple of final states per layer and direction, in h_n's order
    with torch.no_grad():
        inputs = torch.tensor(xs)
        for layer in range(L):
            outputs = []
            for d in range(K):
                k = layer * K + d
                tp = {key: torch.tensor(params[k][key], dtype=torch.float64) for key in KEYS}
                seq = inputs.flip(1) if d else inputs  # backward: step 1 reads x_T
                outs = _sequence(cell, seq, tuple(torch.tensor(s[k]) for s in states), tp)  # each (N, T, H)
                finals.append([o[:, -1] for o in outs])  # after the direction's last step
                outputs.append(outs[0].flip(1) if d else outs[0])  # h, back in time order
            inputs = torch.cat(outputs, dim=-1)  # (N, T, K * H): the next layer's input
    h_n, *c_n = [np.stack([_np(f[i]) for f in finals]) for i in range(len(states))]  # (L * K, N, H)
    return (_np(inputs), (h_n, c_n[0]) if c_n else h_n)


# ---- attention -----------------------------------------------------------------------------

def _check_attention(q, k, v, mask, dout=None):
    q = _validate.array("q", q, (None, None, None))
    N, Tq, d = q.shape
    k = _validate.array("k", k, (N, None, d))
    v = _validate.array("v", v, (N, k.shape[1], None))
    if dout is not None:
        dout = _validate.array("dout", dout, (N, Tq, v.shape[2]))
    if mask is not None:
        full = (N, Tq, k.shape[1])
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
            raise TypeError(f"mask must be a boolean NumPy array broadcastable to {full}, "
                            f"got {type(mask).__name__} of dtype {getattr(mask, 'dtype', None)}")
        if mask.ndim > 3 or any(m not in (1, n) for m, n in zip(mask.shape[::-1], full[::-1])):
            raise ValueError(f"mask has shape {mask.shape}, expected one broadcastable to {full}")
        if not np.broadcast_to(mask, full).any(axis=-1).all():
            raise ValueError("mask lets some query attend to no key; every row needs at least one True")
    return q, k, v, mask, dout


def attention(q, k, v, mask=None):
    """q (N, Tq, d), k (N, Tk, d), v (N, Tk, dv) -> (out (N, Tq, dv), weights (N, Tq, Tk)).

    `mask` is boolean, broadcastable to (N, Tq, Tk), True = "may attend".
    """
    q, k, v, mask, _ = _check_attention(q, k, v, mask)
    tm = None if mask is None else torch.tensor(mask)
    with torch.no_grad():
        A = attention_weights(torch.tensor(q), torch.tensor(k), tm)
        return _np(A @ torch.tensor(v)), _np(A)


def attention_backward(q, k, v, dout, mask=None):
    """Upstream dout (N, Tq, dv) -> (dq (N, Tq, d), dk (N, Tk, d), dv (N, Tk, dv))."""
    q, k, v, mask, dout = _check_attention(q, k, v, mask, dout)
    tq, tk, tv = _leaf(q), _leaf(k), _leaf(v)
    out = attention_weights(tq, tk, None if mask is None else torch.tensor(mask)) @ tv
    return tuple(_np(g) for g in torch.autograd.grad((out * torch.tensor(dout)).sum(), [tq, tk, tv]))


# ---- numerics of chapter 2 and 5 -----------------------------------------------------------

def sigmoid(x):
    """σ(x) = 1 / (1 + e^{-x}) elementwise, float64, by torch.sigmoid."""
    return _np(torch.sigmoid(torch.tensor(_validate.array("x", np.asarray(x, dtype=np.float64),
                                                         (None,) * np.ndim(x)))))


def softmax(scores, axis=-1):
    """softmax of `scores` along `axis`, float64, by torch.softmax."""
    s = _validate.array("scores", np.asarray(scores, dtype=np.float64), (None,) * np.ndim(scores))
    return _np(torch.softmax(torch.tensor(s), dim=axis))


def hidden_jacobian(x, h, p):
    """∂h'/∂h of one tanh-RNN step per sample, by autograd: (N, H, H), [n, i, j] = ∂h'_i/∂h_j."""
    _check_sequence("rnn", _as_sequence("x", x), [("h", h)], p)
    tp = {k: torch.tensor(p[k], dtype=torch.float64) for k in KEYS}
    full = torch.autograd.functional.jacobian(lambda hh: rnn_cell(torch.tensor(x), hh, tp), torch.tensor(h))
    n = torch.arange(h.shape[0])
    return _np(full[n, :, n, :])  # samples are independent: keep the (n, n) blocks, (N, H, H)


def clip_grad_norm(grads, max_norm):
    """``torch.nn.utils.clip_grad_norm_`` on copies of a dict of arrays -> (clipped dict, total norm)."""
    if not isinstance(grads, dict) or not grads:
        raise TypeError(f"grads must be a non-empty dict of arrays, got {type(grads).__name__}")
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")
    ts = {name: torch.tensor(_validate.array(f"grads[{name!r}]", g, (None,) * np.ndim(g))) for name, g in grads.items()}
    for t in ts.values():
        t.grad = t.clone()
    total = torch.nn.utils.clip_grad_norm_(list(ts.values()), max_norm)
    return {name: _np(t.grad) for name, t in ts.items()}, float(total)
