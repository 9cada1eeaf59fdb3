"""The grader's own versions of common mistakes, in torch, so a wrong answer can be named.

Each cell takes a set of `Mistake` flags (rnnkit.grading.mistakes); with none it is the
reference equation. Forward mistakes change the equation; backward mistakes keep the forward
value and change only the gradient (custom autograd functions, or `detach` where a gradient
path is dropped). Sequence mistakes (a missing carry, gradients overwritten instead of summed)
and mistakes in the parameter gradients live in `run_sequence`.
"""

import math

import torch

from rnnkit.grading.mistakes import Mistake

# ---- gradient-only mistakes ------------------------------------------------------------------


class _WithoutDerivative(torch.autograd.Function):
    """f(a) whose backward forgets f' (passes the gradient straight through)."""

    @staticmethod
    def forward(ctx, a, f):
        return f(a)

    @staticmethod
    def backward(ctx, g):
        return g, None


class _TanhGradOfInput(torch.autograd.Function):
    """tanh whose backward uses 1 − a² of the pre-activation a instead of 1 − tanh(a)²."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return torch.tanh(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (1 - a * a)


class _MatmulWrongInputGrad(torch.autograd.Function):
    """h @ W.T whose backward returns dh = g @ W.T instead of g @ W (square W only)."""

    @staticmethod
    def forward(ctx, h, W):
        ctx.save_for_backward(h, W)
        return h @ W.T

    @staticmethod
    def backward(ctx, g):
        h, W = ctx.saved_tensors
        return g @ W.T, g.T @ h


class _MulNoGradSecond(torch.autograd.Function):
    """a * b whose backward forgets the factor a in the gradient of b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g


class _SoftmaxDiagGrad(torch.autograd.Function):
    """softmax whose backward keeps only the diagonal of its Jacobian: dS = A ⊙ dA."""

    @staticmethod
    def forward(ctx, s):
        A = torch.softmax(s, dim=-1)
        ctx.save_for_backward(A)
        return A

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        return A * g


class _ScaleNoGrad(torch.autograd.Function):
    """s * c whose backward forgets c."""

    @staticmethod
    def forward(ctx, s, c):
        return s * c

    @staticmethod
    def backward(ctx, g):
        return g, None


def _tanh(a, flags):
    if Mistake.TANH_NO_GRAD in flags:
        return _WithoutDerivative.apply(a, torch.tanh)
    if Mistake.TANH_GRAD_OF_INPUT in flags:
        return _TanhGradOfInput.apply(a)
    return torch.tanh(a)


def _sigmoid(a, flags):
    return _WithoutDerivative.apply(a, torch.sigmoid) if Mistake.SIGMOID_NO_GRAD in flags else torch.sigmoid(a)


def _hidden_product(h, W, flags):
    """h @ W.T with the forward or backward mistakes of the recurrent product."""
    if Mistake.WHH_TRANSPOSED in flags:
        return h @ W
    if Mistake.DH_USES_TRANSPOSE in flags:
        return _MatmulWrongInputGrad.apply(h, W)
    return h @ W.T


def _gate(t, order, gate):
    """The block of stacked rows that a student reading gates in `order` takes for `gate`."""
    return t.chunk(len(order))[order.index(gate)]


# ---- cells -----------------------------------------------------------------------------------


def rnn_cell(x, h, p, flags=frozenset()):
    """tanh RNN step with mistakes: WHH_TRANSPOSED, NO_B_IH, NO_B_HH, SIGMOID, NO_TANH, ..."""
    a = x @ p["weight_ih"].T + _hidden_product(h, p["weight_hh"], flags)
    if Mistake.NO_B_IH not in flags:
        a = a + p["bias_ih"]
    if Mistake.NO_B_HH not in flags:
        a = a + p["bias_hh"]
    if Mistake.NO_TANH in flags:
        return a
    return torch.sigmoid(a) if Mistake.SIGMOID in flags else _tanh(a, flags)


def gru_cell(x, h, p, flags=frozenset()):
    """GRU step with mistakes: GATE_ORDER_*, RESET_BEFORE, Z_SWAPPED, WHH_TRANSPOSED, ..."""
    order = _order(flags, "rzn")
    W_ir, W_iz, W_in = (_gate(p["weight_ih"], order, g) for g in "rzn")
    W_hr, W_hz, W_hn = (_gate(p["weight_hh"], order, g) for g in "rzn")
    b_ir, b_iz, b_in = (_gate(p["bias_ih"], order, g) for g in "rzn")
    b_hr, b_hz, b_hn = (_gate(p["bias_hh"], order, g) for g in "rzn")
    hr = h.detach() if Mistake.NO_GRAD_H_THROUGH_R in flags else h
    hz = h.detach() if Mistake.NO_GRAD_H_THROUGH_Z in flags else h
    r = _sigmoid(x @ W_ir.T + b_ir + _hidden_product(hr, W_hr, flags) + b_hr, flags)
    z = _sigmoid(x @ W_iz.T + b_iz + _hidden_product(hz, W_hz, flags) + b_hz, flags)
    r_n = r.detach() if Mistake.NO_GRAD_R in flags else r
    if Mistake.RESET_BEFORE in flags:  # Cho et al. 2014: r multiplies h before the product
        n = _tanh(x @ W_in.T + b_in + _hidden_product(r_n * h, W_hn, flags) + b_hn, flags)
    elif Mistake.B_HN_OUTSIDE in flags:
        n = _tanh(x @ W_in.T + b_in + b_hn + r_n * _hidden_product(h, W_hn, flags), flags)
    else:
        n = _tanh(x @ W_in.T + b_in + r_n * (_hidden_product(h, W_hn, flags) + b_hn), flags)
    h_direct = h.detach() if Mistake.NO_GRAD_DIRECT_H in flags else h
    if Mistake.Z_SWAPPED in flags:
        return z * n + (1 - z) * h_direct
    return (1 - z) * n + z * h_direct


def lstm_cell(x, h, c, p, flags=frozenset()):
    """LSTM step with mistakes: GATE_ORDER_*, G_SIGMOID, NO_TANH_C, WHH_TRANSPOSED, ..."""
    order = _order(flags, "ifgo")
    pre = {gate: x @ _gate(p["weight_ih"], order, gate).T + _gate(p["bias_ih"], order, gate)
           + _hidden_product(h, _gate(p["weight_hh"], order, gate), flags) + _gate(p["bias_hh"], order, gate)
           for gate in "ifgo"}
    i, f, o = (_sigmoid(pre[gate], flags) for gate in "ifo")
    g = torch.sigmoid(pre["g"]) if Mistake.G_SIGMOID in flags else _tanh(pre["g"], flags)
    if Mistake.DC_PREV_MISSING_F in flags:
        c_next = _MulNoGradSecond.apply(f, c) + i * g
    else:
        c_next = f * c + i * g
    if Mistake.NO_TANH_C in flags:
        return o * c_next, c_next
    c_out = c_next.detach() if Mistake.NO_GRAD_H_INTO_C in flags else c_next
    return o * _tanh(c_out, flags), c_next


_GATE_ORDERS = {Mistake.GATE_ORDER_ZRN: "zrn", Mistake.GATE_ORDER_RNZ: "rnz", Mistake.GATE_ORDER_NRZ: "nrz",
                Mistake.GATE_ORDER_IFOG: "ifog", Mistake.GATE_ORDER_FIGO: "figo", Mistake.GATE_ORDER_IGFO: "igfo"}


def _order(flags, default):
    """The order in which a mistaken cell reads its stacked gates."""
    return next((_GATE_ORDERS[f] for f in flags if f in _GATE_ORDERS), default)


def attention(q, k, v, mask, flags=frozenset()):
    """Scaled dot-product attention with mistakes; returns (out, weights)."""
    d = q.shape[-1]
    s = q @ k.transpose(-2, -1)  # (N, Tq, Tk)
    if Mistake.NO_SCALE in flags:
        pass
    elif Mistake.SCALE_BY_D in flags:
        s = s / d
    elif Mistake.SCALE_NO_GRAD in flags:
        s = _ScaleNoGrad.apply(s, 1 / math.sqrt(d))
    else:
        s = s / math.sqrt(d)
    if mask is not None and Mistake.MASK_IGNORED not in flags and Mistake.MASK_AFTER_SOFTMAX not in flags:
        # −1e30, not −∞: a wrongly masked row that blocks every key stays finite, as students' code does
        s = s.masked_fill(mask if Mistake.MASK_INVERTED in flags else ~mask, -1e30)
    if Mistake.SOFTMAX_OVER_QUERIES in flags:
        A = torch.softmax(s, dim=-2)
    elif Mistake.SOFTMAX_DIAG_GRAD in flags:
        A = _SoftmaxDiagGrad.apply(s)
    else:
        A = torch.softmax(s, dim=-1)
    if mask is not None and Mistake.MASK_AFTER_SOFTMAX in flags:
        A = A.masked_fill(~mask, 0.0)
    return A @ v, A


# ---- sequences -------------------------------------------------------------------------------

_STEPS = {
    "rnn": lambda x, state, p, flags: (rnn_cell(x, *state, p, flags),),
    "gru": lambda x, state, p, flags: (gru_cell(x, *state, p, flags),),
    "lstm": lambda x, state, p, flags: lstm_cell(x, *state, p, flags),
}


def run_sequence(cell, xs, states, p, upstream=None, flags=frozenset()):
    """Unroll a (mistaken) cell; return the stacked states, and with `upstream` the gradients.

    xs (N, T, D), states: initial state arrays, p: parameter arrays, all NumPy float64.
    Besides the cell's own, `flags` may hold the sequence mistakes (STATE_NOT_UPDATED,
    OFF_BY_ONE, NO_CARRY, NO_CARRY_H, NO_CARRY_C, OVERWRITE_FIRST, OVERWRITE_LAST) and those
    of the parameter gradients (DW_HH_TRANSPOSED, BIAS_GRAD_AVERAGED).
    Returns (outputs, grads) where outputs is a list of NumPy (N, T, H) arrays and grads is
    None or (dxs, [d initial state...], {key: dparam}).
    """
    T = xs.shape[1]
    tx = torch.tensor(xs, requires_grad=True)
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    per_step = [{k: torch.tensor(v, requires_grad=True) for k, v in p.items()} for _ in range(T)]
    state, outs = tuple(ts), []
    for t in range(T):
        carried = state if t == 0 else tuple(_cut(s, i, flags) for i, s in enumerate(state))
        new = _STEPS[cell](tx[:, t], tuple(ts) if Mistake.STATE_NOT_UPDATED in flags else carried, per_step[t], flags)
        outs.append(carried if Mistake.OFF_BY_ONE in flags else new)
        state = new
    stacked = [torch.stack(s, dim=1) for s in zip(*outs)]  # each (N, T, H)
    if upstream is None:
        return [s.detach().numpy() for s in stacked], None
    loss = sum((s * torch.tensor(u)).sum() for s, u in zip(stacked, upstream) if u is not None)
    leaves = [tx, *ts] + [w for step in per_step for w in step.values()]
    grads = torch.autograd.grad(loss, leaves, allow_unused=True)
    grads = [torch.zeros_like(leaf) if g is None else g for leaf, g in zip(leaves, grads)]
    dxs, dstates, dsteps = grads[0], grads[1:1 + len(ts)], grads[1 + len(ts):]
    keys = list(p)
    by_step = [dict(zip(keys, dsteps[t * len(keys):(t + 1) * len(keys)])) for t in range(T)]
    if Mistake.OVERWRITE_FIRST in flags:
        dp = by_step[0]
    elif Mistake.OVERWRITE_LAST in flags:
        dp = by_step[-1]
    else:
        dp = {k: sum(step[k] for step in by_step) for k in keys}
    if Mistake.DW_HH_TRANSPOSED in flags:
        dp["weight_hh"] = dp["weight_hh"].T
    if Mistake.BIAS_GRAD_AVERAGED in flags:
        dp = {k: v / xs.shape[0] if k.startswith("bias") else v for k, v in dp.items()}
    out = (dxs.numpy(), [d.numpy() for d in dstates], {k: v.numpy() for k, v in dp.items()})
    return [s.detach().numpy() for s in stacked], out


def _cut(s, i, flags):
    """Detach state number i (0 = h, 1 = c) where a flag drops its carry."""
    return s.detach() if Mistake.NO_CARRY in flags or (Mistake.NO_CARRY_H, Mistake.NO_CARRY_C)[i] in flags else s
