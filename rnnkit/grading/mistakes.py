"""The grader's own versions of common mistakes, in torch, so a wrong answer can be named.

Each cell takes a set of mistake flags; with no flags it is the reference equation. Forward
mistakes change the equation; backward mistakes keep the forward value and change only the
gradient (custom autograd functions, or `detach` where a gradient path is dropped). Sequence
mistakes (a missing carry, gradients overwritten instead of summed) live in `run_sequence`.
"""

import math

import torch

# ---- gradient-only mistakes ------------------------------------------------------------------


class _TanhNoGrad(torch.autograd.Function):
    """tanh whose backward forgets tanh' (passes the gradient straight through)."""

    @staticmethod
    def forward(ctx, a):
        return torch.tanh(a)

    @staticmethod
    def backward(ctx, g):
        return g


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


class _SigmoidNoGrad(torch.autograd.Function):
    """σ whose backward forgets σ'."""

    @staticmethod
    def forward(ctx, a):
        return torch.sigmoid(a)

    @staticmethod
    def backward(ctx, g):
        return g


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
    if "tanh_no_grad" in flags:
        return _TanhNoGrad.apply(a)
    if "tanh_grad_of_input" in flags:
        return _TanhGradOfInput.apply(a)
    return torch.tanh(a)


def _sigmoid(a, flags):
    return _SigmoidNoGrad.apply(a) if "sigmoid_no_grad" in flags else torch.sigmoid(a)


def _hidden_product(h, W, flags):
    """h @ W.T with the forward or backward mistakes of the recurrent product."""
    if "whh_transposed" in flags:
        return h @ W
    if "dh_uses_transpose" in flags:
        return _MatmulWrongInputGrad.apply(h, W)
    return h @ W.T


def _gate(t, order, gate):
    """The block of stacked rows that a student reading gates in `order` takes for `gate`."""
    return t.chunk(len(order))[order.index(gate)]


# ---- cells -----------------------------------------------------------------------------------


def rnn_cell(x, h, p, flags=frozenset()):
    """tanh RNN step with mistakes: whh_transposed, no_b_ih, no_b_hh, sigmoid, no_tanh, ..."""
    a = x @ p["weight_ih"].T + _hidden_product(h, p["weight_hh"], flags)
    if "no_b_ih" not in flags:
        a = a + p["bias_ih"]
    if "no_b_hh" not in flags:
        a = a + p["bias_hh"]
    if "no_tanh" in flags:
        return a
    return torch.sigmoid(a) if "sigmoid" in flags else _tanh(a, flags)


def gru_cell(x, h, p, flags=frozenset()):
    """GRU step with mistakes: gate_order_*, reset_before, z_swapped, whh_transposed, ..."""
    order = _order(flags, "rzn")
    W_ir, W_iz, W_in = (_gate(p["weight_ih"], order, g) for g in "rzn")
    W_hr, W_hz, W_hn = (_gate(p["weight_hh"], order, g) for g in "rzn")
    b_ir, b_iz, b_in = (_gate(p["bias_ih"], order, g) for g in "rzn")
    b_hr, b_hz, b_hn = (_gate(p["bias_hh"], order, g) for g in "rzn")
    hr = h.detach() if "no_grad_h_through_r" in flags else h
    hz = h.detach() if "no_grad_h_through_z" in flags else h
    r = _sigmoid(x @ W_ir.T + b_ir + _hidden_product(hr, W_hr, flags) + b_hr, flags)
    z = _sigmoid(x @ W_iz.T + b_iz + _hidden_product(hz, W_hz, flags) + b_hz, flags)
    r_n = r.detach() if "no_grad_r" in flags else r
    if "reset_before" in flags:  # Cho et al. 2014: r multiplies h before the product
        n = _tanh(x @ W_in.T + b_in + _hidden_product(r_n * h, W_hn, flags) + b_hn, flags)
    elif "b_hn_outside" in flags:
        n = _tanh(x @ W_in.T + b_in + b_hn + r_n * _hidden_product(h, W_hn, flags), flags)
    else:
        n = _tanh(x @ W_in.T + b_in + r_n * (_hidden_product(h, W_hn, flags) + b_hn), flags)
    h_direct = h.detach() if "no_grad_direct_h" in flags else h
    if "z_swapped" in flags:
        return z * n + (1 - z) * h_direct
    return (1 - z) * n + z * h_direct


def lstm_cell(x, h, c, p, flags=frozenset()):
    """LSTM step with mistakes: gate_order_*, g_sigmoid, no_tanh_c, whh_transposed, ..."""
    order = _order(flags, "ifgo")
    pre = {gate: x @ _gate(p["weight_ih"], order, gate).T + _gate(p["bias_ih"], order, gate)
           + _hidden_product(h, _gate(p["weight_hh"], order, gate), flags) + _gate(p["bias_hh"], order, gate)
           for gate in "ifgo"}
    i, f, o = (_sigmoid(pre[gate], flags) for gate in "ifo")
    g = torch.sigmoid(pre["g"]) if "g_sigmoid" in flags else _tanh(pre["g"], flags)
    if "dc_prev_missing_f" in flags:
        c_next = _MulNoGradSecond.apply(f, c) + i * g
    else:
        c_next = f * c + i * g
    if "no_tanh_c" in flags:
        return o * c_next, c_next
    c_out = c_next.detach() if "no_grad_h_into_c" in flags else c_next
    return o * _tanh(c_out, flags), c_next


def _order(flags, default):
    """The gate order a flag like 'gate_order_zrn' names, else the default."""
    for flag in flags:
        if flag.startswith("gate_order_"):
            return flag[len("gate_order_"):]
    return default


def attention(q, k, v, mask, flags=frozenset()):
    """Scaled dot-product attention with mistakes; returns (out, weights)."""
    d = q.shape[-1]
    s = q @ k.transpose(-2, -1)  # (N, Tq, Tk)
    if "no_scale" in flags:
        pass
    elif "scale_by_d" in flags:
        s = s / d
    elif "scale_no_grad" in flags:
        s = _ScaleNoGrad.apply(s, 1 / math.sqrt(d))
    else:
        s = s / math.sqrt(d)
    if mask is not None and "mask_ignored" not in flags and "mask_after_softmax" not in flags:
        # −1e30, not −∞: a wrongly masked row that blocks every key stays finite, as students' code does
        s = s.masked_fill(mask if "mask_inverted" in flags else ~mask, -1e30)
    if "softmax_over_queries" in flags:
        A = torch.softmax(s, dim=-2)
    elif "softmax_diag_grad" in flags:
        A = _SoftmaxDiagGrad.apply(s)
    else:
        A = torch.softmax(s, dim=-1)
    if mask is not None and "mask_after_softmax" in flags:
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
    Sequence flags: state_not_updated (every step reads the initial state), off_by_one (the
    outputs are the states h_0..h_{T-1}), no_carry / no_carry_h / no_carry_c (no gradient
    flows from step t into step t-1 through that state), overwrite_first / overwrite_last
    (parameter gradients of one step instead of the sum over steps).
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
        new = _STEPS[cell](tx[:, t], tuple(ts) if "state_not_updated" in flags else carried, per_step[t], flags)
        outs.append(carried if "off_by_one" in flags else new)
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
    if "overwrite_first" in flags:
        dp = by_step[0]
    elif "overwrite_last" in flags:
        dp = by_step[-1]
    else:
        dp = {k: sum(step[k] for step in by_step) for k in keys}
    out = (dxs.numpy(), [d.numpy() for d in dstates], {k: v.numpy() for k, v in dp.items()})
    return [s.detach().numpy() for s in stacked], out


def _cut(s, i, flags):
    """Detach state number i (0 = h, 1 = c) where a flag drops its carry."""
    names = {0: "no_carry_h", 1: "no_carry_c"}
    return s.detach() if "no_carry" in flags or names[i] in flags else s
