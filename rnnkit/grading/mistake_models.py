"""The grader's own versions of common mistakes, in torch, so a wrong answer can be named.

Each model takes a set of `Mistake` flags (rnnkit.grading.mistakes), any combination of them;
with none it is the reference equation, and a flag that is not a Mistake is a TypeError (a
mistyped flag would silently give the reference). Forward mistakes change the equation;
backward mistakes keep the forward value and change only the gradient (custom autograd
functions, or `detach` where a gradient path is dropped). Sequence mistakes (a missing carry,
gradients overwritten instead of summed) and mistakes in the parameter gradients live in
`run_sequence`; the functions of chapter 2 and the softmax at the end.
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


class _DerivativeOfInput(torch.autograd.Function):
    """f(a) whose backward takes the formula of f' in terms of f's output and feeds it the
    pre-activation a instead: 1 − a² for tanh, a(1 − a) for σ."""

    @staticmethod
    def forward(ctx, a, f, formula):
        ctx.save_for_backward(a)
        ctx.formula = formula
        return f(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * ctx.formula(a), None, None


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
        return _DerivativeOfInput.apply(a, torch.tanh, lambda a: 1 - a * a)
    return torch.tanh(a)


def _sigmoid(a, flags):
    if Mistake.SIGMOID_NO_GRAD in flags:
        return _WithoutDerivative.apply(a, torch.sigmoid)
    if Mistake.SIGMOID_GRAD_OF_INPUT in flags:
        return _DerivativeOfInput.apply(a, torch.sigmoid, lambda a: a * (1 - a))
    return torch.sigmoid(a)


def _biases(p, flags):
    """The bias arrays a cell adds: p's, or zeros (with a zero gradient) where they are left out."""
    if Mistake.NO_BIASES in flags:
        return p["bias_ih"] * 0, p["bias_hh"] * 0
    return p["bias_ih"], p["bias_hh"]


def _check(flags):
    """flags, if every one is a Mistake; a mistyped flag would silently give the reference."""
    wrong = [f for f in flags if not isinstance(f, Mistake)]
    if wrong:
        raise TypeError(f"flags must be rnnkit.grading.mistakes.Mistake members, got {wrong!r}")
    return flags


def _hidden_product(h, W, flags):
    """h @ W.T with the forward or backward mistakes of the recurrent product."""
    if Mistake.WHH_TRANSPOSED in flags:
        return h @ W
    if Mistake.DH_USES_TRANSPOSE in flags:
        return _MatmulWrongInputGrad.apply(h, W)
    return h @ W.T


def _stacked_product(h, W, flags, blocks):
    """h @ W.T for weights stacked in gate blocks, in one product unless a mistake of the
    recurrent product is made, block by block."""
    if Mistake.WHH_TRANSPOSED in flags or Mistake.DH_USES_TRANSPOSE in flags:
        return torch.cat([_hidden_product(h, Wb, flags) for Wb in W.chunk(blocks)], dim=-1)
    return h @ W.T


def _gate(t, order, gate, dim=0):
    """The block of stacked rows (dim 0), or of the columns of a product with them (dim -1),
    that a student reading gates in `order` takes for `gate`."""
    return t.chunk(len(order), dim=dim)[order.index(gate)]


# ---- cells -----------------------------------------------------------------------------------


def rnn_cell(x, h, p, flags=frozenset()):
    """tanh RNN step with mistakes: WHH_TRANSPOSED, NO_B_IH, NO_B_HH, SIGMOID, NO_TANH, ..."""
    a = x @ p["weight_ih"].T + _hidden_product(h, p["weight_hh"], flags)
    if Mistake.NO_B_IH not in _check(flags):
        a = a + p["bias_ih"]
    if Mistake.NO_B_HH not in flags:
        a = a + p["bias_hh"]
    if Mistake.NO_TANH in flags:
        return a
    return torch.sigmoid(a) if Mistake.SIGMOID in flags else _tanh(a, flags)


def gru_cell(x, h, p, flags=frozenset()):
    """GRU step with mistakes: GATE_ORDER_*, RESET_BEFORE, Z_SWAPPED, WHH_TRANSPOSED, ..."""
    order = _order(_check(flags), "rzn")
    bias_ih, bias_hh = _biases(p, flags)
    gi = x @ p["weight_ih"].T + bias_ih                       # (N, 3H), every gate's input term at once
    gh = _stacked_product(h, p["weight_hh"], flags, 3)        # (N, 3H), without b_hh
    (a_ir, a_iz, a_in), (a_hr, a_hz, a_hn) = ([_gate(t, order, g, -1) for g in "rzn"] for t in (gi, gh))
    b_hr, b_hz, b_hn = (_gate(bias_hh, order, g) for g in "rzn")
    W_hr, W_hz, W_hn = (_gate(p["weight_hh"], order, g) for g in "rzn")
    if Mistake.NO_GRAD_H_THROUGH_R in flags:
        a_hr = _hidden_product(h.detach(), W_hr, flags)
    if Mistake.NO_GRAD_H_THROUGH_Z in flags:
        a_hz = _hidden_product(h.detach(), W_hz, flags)
    r = _sigmoid(a_ir + a_hr + b_hr, flags)
    z = _sigmoid(a_iz + a_hz + b_hz, flags)
    r_n = r.detach() if Mistake.NO_GRAD_R in flags else r
    if Mistake.RESET_BEFORE in flags:  # Cho et al. 2014: r multiplies h before the product
        n = _tanh(a_in + _hidden_product(r_n * h, W_hn, flags) + b_hn, flags)
    elif Mistake.B_HN_OUTSIDE in flags:
        n = _tanh(a_in + b_hn + r_n * a_hn, flags)
    else:
        n = _tanh(a_in + r_n * (a_hn + b_hn), flags)
    h_direct = h.detach() if Mistake.NO_GRAD_DIRECT_H in flags else h
    if Mistake.Z_SWAPPED in flags:
        return z * n + (1 - z) * h_direct
    return (1 - z) * n + z * h_direct


def lstm_cell(x, h, c, p, flags=frozenset()):
    """LSTM step with mistakes: GATE_ORDER_*, G_SIGMOID, NO_TANH_C, WHH_TRANSPOSED, ..."""
    order = _order(_check(flags), "ifgo")
    bias_ih, bias_hh = _biases(p, flags)
    a = x @ p["weight_ih"].T + bias_ih + _stacked_product(h, p["weight_hh"], flags, 4) + bias_hh  # (N, 4H)
    pre = {gate: _gate(a, order, gate, -1) for gate in "ifgo"}
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
                Mistake.GATE_ORDER_IFOG: "ifog", Mistake.GATE_ORDER_FIGO: "figo", Mistake.GATE_ORDER_IGFO: "igfo",
                Mistake.GATE_ORDER_FGIO: "fgio", Mistake.GATE_ORDER_IOFG: "iofg"}


def _order(flags, default):
    """The order in which a mistaken cell reads its stacked gates."""
    return next((_GATE_ORDERS[f] for f in flags if f in _GATE_ORDERS), default)


def attention(q, k, v, mask, flags=frozenset()):
    """Scaled dot-product attention with mistakes; returns (out, weights)."""
    d = q.shape[-1]
    _check(flags)
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
        blocked = mask if Mistake.MASK_INVERTED in flags else ~mask
        if Mistake.MASK_ADDED in flags:  # scores + blocked * (−1e10): a row blocked whole keeps its softmax
            s = s + blocked * -1e10
        else:  # −1e30, not −∞: a wrongly masked row that blocks every key stays finite, as students' code does
            s = s.masked_fill(blocked, -1e30)
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
    of the parameter gradients (DW_HH_TRANSPOSED, WEIGHT_GRAD_AVERAGED, BIAS_GRAD_AVERAGED).
    Returns (outputs, grads) where outputs is a list of NumPy (N, T, H) arrays and grads is
    None or (dxs, [d initial state...], {key: dparam}).
    """
    T = xs.shape[1]
    _check(flags)
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
    for averaged, prefix in ((Mistake.BIAS_GRAD_AVERAGED, "bias"), (Mistake.WEIGHT_GRAD_AVERAGED, "weight")):
        if averaged in flags:
            dp = {k: v / xs.shape[0] if k.startswith(prefix) else v for k, v in dp.items()}
    out = (dxs.numpy(), [d.numpy() for d in dstates], {k: v.numpy() for k, v in dp.items()})
    return [s.detach().numpy() for s in stacked], out


def _cut(s, i, flags):
    """Detach state number i (0 = h, 1 = c) where a flag drops its carry."""
    return s.detach() if Mistake.NO_CARRY in flags or (Mistake.NO_CARRY_H, Mistake.NO_CARRY_C)[i] in flags else s


# ---- chapter 2: numerics of gradients --------------------------------------------------------


def sigmoid(x, flags=frozenset()):
    """σ(x) for a NumPy array, with SIGMOID_* mistakes; NumPy out."""
    t = torch.tensor(x)
    if Mistake.SIGMOID_OF_MINUS_X in _check(flags):
        t = torch.sigmoid(-t)
    elif Mistake.SIGMOID_IS_TANH in flags:
        t = torch.tanh(t)
    elif Mistake.SIGMOID_TANH_UNHALVED in flags:
        t = (1 + torch.tanh(t)) / 2
    else:
        t = torch.sigmoid(t)
    return t.numpy()


def hidden_jacobian(h_next, W_hh, flags=frozenset()):
    """J[n] = diag(1 − h_next[n]²) W_hh, (N, H, H), with JACOBIAN_* mistakes; NumPy in and out."""
    h, W = torch.tensor(h_next), torch.tensor(W_hh)
    J = W.expand(h.shape[0], *W.shape)
    if Mistake.JACOBIAN_COLUMNS in _check(flags):
        J = J * (1 - h * h)[:, None, :]
    elif Mistake.JACOBIAN_ONE_MINUS_H in flags:
        J = J * (1 - h)[:, :, None]
    elif Mistake.JACOBIAN_NO_TANH_GRAD not in flags:
        J = J * (1 - h * h)[:, :, None]
    if Mistake.JACOBIAN_TRANSPOSED in flags:
        J = J.transpose(1, 2)
    return J.contiguous().numpy()


def clip_grad_norm(grads, max_norm, flags=frozenset()):
    """torch.nn.utils.clip_grad_norm_ on copies of a dict of NumPy arrays, with CLIP_* mistakes;
    returns (clipped dict, total norm as a float)."""
    eps = 0.0 if Mistake.CLIP_NO_EPS in _check(flags) else 1e-6
    t = {k: torch.tensor(g) for k, g in grads.items()}
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in t.values()]))
    if Mistake.CLIP_PER_ELEMENT in flags:
        clipped = {k: g.clamp(-max_norm, max_norm) for k, g in t.items()}
    elif Mistake.CLIP_PER_ARRAY in flags:
        clipped = {k: g * (max_norm / (torch.linalg.vector_norm(g) + eps)).clamp(max=1.0) for k, g in t.items()}
    else:
        scale = max_norm / (total + eps)
        clipped = {k: g * (scale if Mistake.CLIP_ALWAYS in flags else scale.clamp(max=1.0)) for k, g in t.items()}
    norm = total
    if Mistake.CLIP_NORM_SQUARED in flags:
        norm = total * total
    elif Mistake.CLIP_NORM_AFTER in flags:
        norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in clipped.values()]))
    return {k: g.numpy() for k, g in clipped.items()}, float(norm)


# ---- chapter 5: softmax ----------------------------------------------------------------------


def softmax(scores, axis, flags=frozenset()):
    """softmax along `axis` of a NumPy array, with SOFTMAX_* mistakes; NumPy out."""
    t = torch.tensor(scores)
    if Mistake.SOFTMAX_ONLY_2D in _check(flags) and t.ndim > 2:
        return scores.copy()
    if Mistake.SOFTMAX_WRONG_AXIS in flags:  # the last axis taken for another, or another for the last
        axis = 0 if axis in (-1, t.ndim - 1) else -1
    if Mistake.SOFTMAX_NOT_NORMALISED in flags:
        return t.exp().numpy()
    return torch.softmax(t, dim=axis).numpy()
