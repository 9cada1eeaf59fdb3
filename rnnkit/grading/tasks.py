"""Every graded function: how to make its inputs, call it, compute the right answer, and the
common mistakes it is compared with when it is wrong.

A task's `run(fns, inputs)` returns the student's graded outputs as a list; `reference` and
each mistake return the same list computed by rnnkit.reference and rnnkit.grading.mistakes.
Outputs are arrays, or dicts of arrays for parameter gradients.
"""

from dataclasses import dataclass, field

import importlib

import numpy as np


class _Lazy:
    """A module imported on first use: checking against precomputed answers needs no torch."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


torch = _Lazy("torch")
reference = _Lazy("rnnkit.reference")
mistakes = _Lazy("rnnkit.grading.mistakes")

CHAPTERS = {
    "01_rnn": "chapter 1, Recurrent neural networks (book/01_rnn)",
    "02_vanishing_gradients": "chapter 2, Vanishing and exploding gradients (book/02_vanishing_gradients)",
    "03_gru": "chapter 3, Gated recurrent units (book/03_gru)",
    "04_lstm": "chapter 4, Long short-term memory (book/04_lstm)",
    "05_attention": "chapter 5, Attention (book/05_attention)",
}


@dataclass
class Task:
    name: str
    assignment: str
    args: tuple            # the graded function's parameter names
    outputs: tuple         # names of what is compared, in order
    make: object           # make(rng, size) -> inputs dict
    run: object            # run(fn, forward, inputs) -> list of outputs
    reference: object      # reference(inputs) -> list of outputs
    visible: list          # sizes of the visible test
    hidden: list           # sizes of the hidden test
    mistakes: dict = field(default_factory=dict)  # description -> fn(inputs) -> outputs
    forward: str = None    # the forward function a backward task needs
    section: str = ""      # the book section that explains it


def _params(rng, cell, D, H, scale=0.6):
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    return {"weight_ih": rng.normal(size=(G * H, D)) * scale, "weight_hh": rng.normal(size=(G * H, H)) * scale,
            "bias_ih": rng.normal(size=G * H) * scale, "bias_hh": rng.normal(size=G * H) * scale}


def _step_inputs(cell):
    def make(rng, size):
        N, D, H = size
        inputs = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H))}
        if cell == "lstm":
            inputs["c_prev"] = rng.normal(size=(N, H))
        inputs["p"] = _params(rng, cell, D, H)
        inputs["dh_next"] = rng.normal(size=(N, H))
        if cell == "lstm":
            inputs["dc_next"] = rng.normal(size=(N, H))
        return inputs
    return make


def _seq_inputs(cell):
    def make(rng, size):
        N, T, D, H = size
        inputs = {"xs": rng.normal(size=(N, T, D)), "h0": rng.normal(size=(N, H))}
        if cell == "lstm":
            inputs["c0"] = rng.normal(size=(N, H))
        inputs["p"] = _params(rng, cell, D, H)
        inputs["dhs"] = rng.normal(size=(N, T, H))
        return inputs
    return make


def _states(cell, inputs, step):
    names = (["h_prev", "c_prev"] if step else ["h0", "c0"])[: 2 if cell == "lstm" else 1]
    return [inputs[n] for n in names]


def _seq_of_step(cell, inputs):
    """A step's inputs as a sequence of length 1, for the sequence machinery."""
    upstream = [inputs["dh_next"][:, None]] + ([inputs["dc_next"][:, None]] if cell == "lstm" else [])
    return inputs["x"][:, None], _states(cell, inputs, True), upstream


def _variant(cell, step, backward, flags, post=None):
    """A mistake's outputs computed by the mistaken cell; `post` edits the gradients after."""
    def outputs(inputs):
        if step:
            xs, states, upstream = _seq_of_step(cell, inputs)
        else:
            xs, states = inputs["xs"], _states(cell, inputs, False)
            upstream = [inputs["dhs"]] + ([None] if cell == "lstm" else [])
        outs, grads = mistakes.run_sequence(cell, xs, states, inputs["p"], upstream if backward else None,
                                            frozenset(flags))
        if not backward:
            return [o[:, 0] for o in outs] if step else outs[:1]
        dxs, dstates, dp = grads
        if post:
            dp = post(dict(dp), inputs)
        return [dxs[:, 0] if step else dxs, *dstates, dp]
    return outputs


def _transpose_key(key):
    def post(dp, inputs):
        dp[key] = dp[key].T
        return dp
    return post


def _bias_mean(dp, inputs):
    N = next(iter(inputs.values())).shape[0]
    return {k: v / N if k.startswith("bias") else v for k, v in dp.items()}


_GRADIENT_MISTAKES = {
    "the gradient of W_hh is transposed: dW_hh = da.T @ h_prev has W_hh's shape (out, in)":
        _transpose_key("weight_hh"),
    "the bias gradients are averaged over the batch; sum them, as the loss sums over samples": _bias_mean,
}


# ---- the recurrent cells ---------------------------------------------------------------------

_FORWARD_MISTAKES = {
    "rnn": {
        "W_hh is used untransposed: the recurrent term must be h_prev @ W_hh.T (W_hh is stored (out, in), "
        "as in PyTorch; a square matrix hides the mistake from shape checks)": {"whh_transposed"},
        "b_ih is missing from the pre-activation": {"no_b_ih"},
        "b_hh is missing from the pre-activation": {"no_b_hh"},
        "the nonlinearity is missing: h_next = tanh(a), not a": {"no_tanh"},
        "sigmoid is used where the RNN uses tanh": {"sigmoid"},
    },
    "gru": {
        "the reset gate is applied before the product, r ⊙ h inside W_hn (Cho et al. 2014's GRU); "
        "this course follows PyTorch: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))": {"reset_before"},
        "z and 1 − z are swapped: PyTorch's GRU keeps the old state with z, h' = (1 − z) ⊙ n + z ⊙ h": {"z_swapped"},
        "b_hn is added outside the reset gate's product; it belongs inside: r ⊙ (W_hn h + b_hn)": {"b_hn_outside"},
        "the gates are read in the order z, r, n; PyTorch stacks them r, z, n": {"gate_order_zrn"},
        "the gates are read in the order r, n, z; PyTorch stacks them r, z, n": {"gate_order_rnz"},
        "the gates are read in the order n, r, z; PyTorch stacks them r, z, n": {"gate_order_nrz"},
        "the recurrent weight blocks are used untransposed: h @ W_h?.T, since weights are stored (out, in)":
            {"whh_transposed"},
    },
    "lstm": {
        "the gates are read in the order i, f, o, g (as in CS231n); PyTorch stacks them i, f, g, o":
            {"gate_order_ifog"},
        "the gates are read in the order f, i, g, o; PyTorch stacks them i, f, g, o": {"gate_order_figo"},
        "the gates are read in the order i, g, f, o; PyTorch stacks them i, f, g, o": {"gate_order_igfo"},
        "the candidate g uses sigmoid; it uses tanh": {"g_sigmoid"},
        "tanh of the new cell state is missing: h' = o ⊙ tanh(c')": {"no_tanh_c"},
        "the recurrent weight blocks are used untransposed: h @ W_h?.T, since weights are stored (out, in)":
            {"whh_transposed"},
    },
}

_BACKWARD_MISTAKES = {
    "rnn": {
        "tanh' is missing: the gradient through h = tanh(a) is da = dh ⊙ (1 − h²)": {"tanh_no_grad"},
        "tanh' is computed from the pre-activation, 1 − a²; it is 1 − tanh(a)² = 1 − h²": {"tanh_grad_of_input"},
        "dh_prev uses W_hh.T; since a = … + h_prev @ W_hh.T, dh_prev = da @ W_hh": {"dh_uses_transpose"},
    },
    "gru": {
        "the direct path from h_prev to h' is missing: h' = (1 − z) ⊙ n + z ⊙ h_prev gives dh_prev a term "
        "dh ⊙ z": {"no_grad_direct_h"},
        "the gradient through the reset gate r is missing (n depends on r)": {"no_grad_r"},
        "the gradient from r back into h_prev is missing (r depends on h_prev)": {"no_grad_h_through_r"},
        "the gradient from z back into h_prev is missing (z depends on h_prev)": {"no_grad_h_through_z"},
        "σ' is missing: the gradient through a gate σ(a) is dσ ⊙ σ(a)(1 − σ(a))": {"sigmoid_no_grad"},
        "tanh' is missing: the gradient through n = tanh(a) is dn ⊙ (1 − n²)": {"tanh_no_grad"},
        "dh_prev uses W_h?.T; since a = … + h_prev @ W.T, dh_prev = da @ W": {"dh_uses_transpose"},
    },
    "lstm": {
        "the path from h' into c' is missing: h' = o ⊙ tanh(c') adds dh ⊙ o ⊙ (1 − tanh²(c')) to dc":
            {"no_grad_h_into_c"},
        "dc_prev misses the forget gate: c' = f ⊙ c + i ⊙ g gives dc_prev = dc ⊙ f": {"dc_prev_missing_f"},
        "σ' is missing: the gradient through a gate σ(a) is dσ ⊙ σ(a)(1 − σ(a))": {"sigmoid_no_grad"},
        "tanh' is missing somewhere: d tanh(a) = (1 − tanh²(a)) da": {"tanh_no_grad"},
        "dh_prev uses W_h?.T; since a = … + h_prev @ W.T, dh_prev = da @ W": {"dh_uses_transpose"},
    },
}

_SEQUENCE_MISTAKES = {
    "every step reads the initial state: h_t must be computed from h_{t-1}, the previous step's output":
        {"state_not_updated"},
    "the states are shifted by one: hs[:, t] must be h_{t+1}, the state after reading xs[:, t] "
    "(h0 is not part of hs)": {"off_by_one"},
}

_BPTT_MISTAKES = {
    "the carry is missing: at step t the upstream gradient is dhs[:, t] plus the dh_prev that step t+1 "
    "passed back": {"no_carry"},
    "parameter gradients are overwritten at each step instead of summed over time (only step 0 is left)":
        {"overwrite_first"},
    "parameter gradients are overwritten at each step instead of summed over time (only the last step is "
    "left)": {"overwrite_last"},
}
_LSTM_BPTT_MISTAKES = {
    "the cell-state carry is missing: dc_prev of step t+1 must flow into step t": {"no_carry_c"},
    "the hidden-state carry is missing: dh_prev of step t+1 must be added to dhs[:, t]": {"no_carry_h"},
}


def _cell_tasks(cell, assignment, sections):
    """The four graded functions of a recurrent cell: step and sequence, forward and backward."""
    lstm = cell == "lstm"
    step_args = ("x", "h_prev", "c_prev", "p") if lstm else ("x", "h_prev", "p")
    seq_args = ("xs", "h0", "c0", "p") if lstm else ("xs", "h0", "p")
    up_args = ("dh_next", "dc_next") if lstm else ("dh_next",)
    n_states = 2 if lstm else 1

    def step_forward(fn, forward, inp):
        return _returns(f"{cell}_step_forward", fn(*(inp[a] for a in step_args)), n_states + 1)[:-1]

    def step_backward(fn, forward, inp):
        cache = _returns(f"{cell}_step_forward", forward(*(inp[a] for a in step_args)), n_states + 1)[-1]
        return _returns(f"{cell}_step_backward", fn(*(inp[a] for a in up_args), cache), n_states + 2)

    def seq_forward(fn, forward, inp):
        return _returns(f"{cell}_forward", fn(*(inp[a] for a in seq_args)), 2)[:1]

    def seq_backward(fn, forward, inp):
        cache = _returns(f"{cell}_forward", forward(*(inp[a] for a in seq_args)), 2)[1]
        return _returns(f"{cell}_backward", fn(inp["dhs"], cache), n_states + 2)

    def step_forward_ref(inp):
        out = getattr(reference, f"{cell}_step")(*(inp[a] for a in step_args))
        return list(out) if lstm else [out]

    def step_backward_ref(inp):
        return list(getattr(reference, f"{cell}_step_backward")(*(inp[a] for a in step_args + up_args)))

    def seq_forward_ref(inp):
        out = getattr(reference, f"{cell}_forward")(*(inp[a] for a in seq_args))
        return [out[0]] if lstm else [out]

    def seq_backward_ref(inp):
        return list(getattr(reference, f"{cell}_backward")(*(inp[a] for a in seq_args), inp["dhs"]))

    def table(kinds, step, backward):
        return {d: _variant(cell, step, backward, f) for kind in kinds for d, f in kind.items()}

    def grad_mistakes(step):
        return {d: _variant(cell, step, True, set(), post) for d, post in _GRADIENT_MISTAKES.items()}

    fw, bw = _FORWARD_MISTAKES[cell], _BACKWARD_MISTAKES[cell]
    bptt = [_BPTT_MISTAKES, _LSTM_BPTT_MISTAKES] if lstm else [_BPTT_MISTAKES]
    step_sizes = ([(2, 3, 4)], [(3, 5, 2), (2, 4, 6), (4, 1, 3)])           # N, D, H with D != H
    seq_sizes = ([(2, 3, 3, 4)], [(2, 1, 4, 3), (3, 5, 2, 4), (2, 4, 5, 3)])  # N, T, D, H; T = 1 and T > 3
    s_out = ("h_next", "c_next")[:n_states]
    d_out = ("dh_prev", "dc_prev")[:n_states]
    return [
        Task(f"{cell}_step_forward", assignment, step_args, s_out, _step_inputs(cell), step_forward,
             step_forward_ref, *step_sizes, table([fw], True, False), section=sections["forward"]),
        Task(f"{cell}_step_backward", assignment, up_args + ("cache",), ("dx", *d_out, "grads"), _step_inputs(cell),
             step_backward, step_backward_ref, *step_sizes, {**table([bw, fw], True, True), **grad_mistakes(True)},
             forward=f"{cell}_step_forward", section=sections["backward"]),
        Task(f"{cell}_forward", assignment, seq_args, ("hs",), _seq_inputs(cell), seq_forward, seq_forward_ref,
             *seq_sizes, table([_SEQUENCE_MISTAKES, fw], False, False), section=sections["forward"]),
        Task(f"{cell}_backward", assignment, ("dhs", "cache"), ("dxs", "dh0", "dc0", "grads") if lstm else
             ("dxs", "dh0", "grads"), _seq_inputs(cell), seq_backward, seq_backward_ref, *seq_sizes,
             {**table(bptt + [bw, _SEQUENCE_MISTAKES, fw], False, True), **grad_mistakes(False)},
             forward=f"{cell}_forward", section=sections["bptt"]),
    ]


class WrongReturn(Exception):
    """A graded function returned something of the wrong structure."""


def _returns(name, out, n):
    """out as a list of n items; a WrongReturn says what was expected."""
    if n == 1:
        return [out]
    if not isinstance(out, (tuple, list)) or len(out) != n:
        got = f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
        raise WrongReturn(f"{name} must return a tuple of {n} items, got {got}")
    return list(out)


# ---- chapter 2: numerics of gradients -------------------------------------------------------

_EXTREMES = np.array([-1e308, -1000.0, -745.0, -710.0, -50.0, -1e-8, 0.0, 1e-8, 50.0, 710.0, 745.0, 1000.0, 1e308])


def _sigmoid_inputs(rng, size):
    x = rng.normal(size=size) * 6
    if x.ndim == 1:
        x = np.concatenate([x, _EXTREMES])
    else:
        x.flat[: _EXTREMES.size] = _EXTREMES[: x.size]
    return {"x": x}


def _jacobian_inputs(rng, size):
    N, D, H = size
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    p = _params(rng, "rnn", D, H)
    return {"h_next": reference.rnn_step(x, h, p), "p": p, "_x": x, "_h": h}


def _clip_inputs(rng, size):
    shapes, scale, max_norm = size
    grads = {f"g{i}": rng.normal(size=s) * scale for i, s in enumerate(shapes)}
    return {"grads": grads, "max_norm": max_norm}


def _jacobian_mistake(transform):
    def outputs(inp):
        J = reference.hidden_jacobian(inp["_x"], inp["_h"], inp["p"])
        return [transform(J, inp)]
    return outputs


def _clip_mistake(kind):
    """A mistaken clip_grad_norm, built from torch's clip_grad_norm_ and the reference's results."""
    def outputs(inp):
        grads, max_norm = inp["grads"], inp["max_norm"]
        clipped, total = reference.clip_grad_norm(grads, max_norm)
        scale = max_norm / (total + 1e-6)
        if kind == "per_array":
            return [{k: reference.clip_grad_norm({k: g}, max_norm)[0][k] for k, g in grads.items()}, total]
        if kind == "always":
            return [{k: torch.tensor(g).mul(scale).numpy() for k, g in grads.items()}, total]
        if kind == "no_eps":
            fix = (total + 1e-6) / total if scale < 1 else 1.0
            return [{k: torch.tensor(g).mul(fix).numpy() for k, g in clipped.items()}, total]
        if kind == "squared":
            return [clipped, total * total]
        after = torch.linalg.vector_norm(torch.cat([torch.tensor(g).flatten() for g in clipped.values()]))
        return [clipped, float(after)]
    return outputs


def _numerics_tasks():
    sections = {"sigmoid": "section 'Numerically stable sigmoid and softmax'",
                "jacobian": "section 'The Jacobian product through time'",
                "clip": "section 'Exploding gradients and clipping'"}
    return [
        Task("sigmoid", "02_vanishing_gradients", ("x",), ("sigmoid(x)",), _sigmoid_inputs,
             lambda fn, forward, inp: [fn(inp["x"])], lambda inp: [reference.sigmoid(inp["x"])],
             [(7,)], [(5,), (3, 8), (2, 3, 4)], {
                 "σ(−x) is computed: σ(x) = 1 / (1 + e^{−x})": lambda inp: [reference.sigmoid(-inp["x"])],
                 "tanh is computed instead of σ": lambda inp: [np.tanh(inp["x"])],
                 "σ(x) = (1 + tanh(x)) / 2 is off by a factor 2 in x; σ(x) = (1 + tanh(x / 2)) / 2":
                     lambda inp: [(1 + np.tanh(inp["x"])) / 2]},
             section=sections["sigmoid"]),
        Task("hidden_jacobian", "02_vanishing_gradients", ("h_next", "p"), ("J",), _jacobian_inputs,
             lambda fn, forward, inp: [fn(inp["h_next"], inp["p"])],
             lambda inp: [reference.hidden_jacobian(inp["_x"], inp["_h"], inp["p"])],
             [(2, 3, 4)], [(3, 5, 2), (2, 2, 6), (4, 6, 3)], {
                 "each sample's Jacobian is transposed: J[n, i, j] = ∂h_t[i] / ∂h_{t−1}[j] = (1 − h_t[i]²) W_hh[i, j]":
                     _jacobian_mistake(lambda J, inp: J.transpose(0, 2, 1)),
                 "tanh' scales the columns; it scales the rows: diag(1 − h_t²) @ W_hh":
                     _jacobian_mistake(lambda J, inp: inp["p"]["weight_hh"][None] * (1 - inp["h_next"] ** 2)[:, None, :]),
                 "tanh' is missing: ∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hh":
                     _jacobian_mistake(lambda J, inp: np.broadcast_to(inp["p"]["weight_hh"], J.shape).copy()),
                 "tanh' is taken as 1 − h_t; it is 1 − h_t²":
                     _jacobian_mistake(lambda J, inp: (1 - inp["h_next"])[:, :, None] * inp["p"]["weight_hh"][None])},
             section=sections["jacobian"]),
        Task("clip_grad_norm", "02_vanishing_gradients", ("grads", "max_norm"), ("clipped", "total_norm"),
             _clip_inputs, lambda fn, forward, inp: _returns("clip_grad_norm", fn(inp["grads"], inp["max_norm"]), 2),
             lambda inp: list(reference.clip_grad_norm(inp["grads"], inp["max_norm"])),
             [([(3, 4), (5,)], 1.0, 1.0)],
             [([(3, 4), (5,)], 1.0, 1.0), ([(2, 2), (6,), (3, 1)], 0.01, 10.0), ([(4, 3)], 1e-3, 1e-4),
              ([(3,), (3, 3)], 5.0, 0.5)], {
                 "each array is clipped on its own; clipping uses one global norm over all arrays":
                     _clip_mistake("per_array"),
                 "the gradients are scaled even when their norm is below max_norm; scale only when "
                 "max_norm / (total + 1e-6) < 1": _clip_mistake("always"),
                 "the scale leaves out torch's 1e-6: max_norm / (total_norm + 1e-6)": _clip_mistake("no_eps"),
                 "the norm is squared; total_norm is the square root of the sum of squares": _clip_mistake("squared"),
                 "the norm after clipping is returned; return the total norm before clipping": _clip_mistake("after")},
             section=sections["clip"]),
    ]


# ---- chapter 5: attention --------------------------------------------------------------------

def _softmax_inputs(rng, size):
    shape, axis, scale = size
    return {"scores": rng.normal(size=shape) * scale, "axis": axis}


def _attention_inputs(rng, size):
    N, Tq, Tk, d, dv, kind = size
    inp = {"q": rng.normal(size=(N, Tq, d)) * 1.5, "k": rng.normal(size=(N, Tk, d)), "v": rng.normal(size=(N, Tk, dv))}
    if kind == "causal":
        inp["mask"] = np.tril(np.ones((Tq, Tk), dtype=bool))
    elif kind == "padding":
        inp["mask"] = np.arange(Tk)[None, None, :] < rng.integers(1, Tk + 1, size=(N, 1, 1))
    elif kind == "random":
        inp["mask"] = (rng.random((N, Tq, Tk)) < 0.6) | (np.arange(Tk) == rng.integers(Tk))
    else:
        inp["mask"] = None
    inp["dout"] = rng.normal(size=(N, Tq, dv))
    return inp


def _attention_mistake(flags, backward):
    def outputs(inp):
        tq, tk, tv = (torch.tensor(inp[n], requires_grad=True) for n in "qkv")
        mask = None if inp["mask"] is None else torch.tensor(inp["mask"])
        out, _ = mistakes.attention(tq, tk, tv, mask, frozenset(flags))
        if not backward:
            return [out.detach().numpy()]
        grads = torch.autograd.grad((out * torch.tensor(inp["dout"])).sum(), [tq, tk, tv])
        return [g.numpy() for g in grads]
    return outputs


_ATTENTION_FORWARD = {
    "the scores are not scaled: A = softmax(Q Kᵀ / √d)": {"no_scale"},
    "the scores are divided by d; divide by √d": {"scale_by_d"},
    "softmax runs over the queries (axis −2); each query's weights over the keys must sum to 1 (axis −1)":
        {"softmax_over_queries"},
    "the mask is inverted: True means 'may attend', so the scores where mask is False get −∞":
        {"mask_inverted"},
    "the mask is applied after the softmax; mask the scores before it, so the weights still sum to 1":
        {"mask_after_softmax"},
    "the mask is ignored": {"mask_ignored"},
}
_ATTENTION_BACKWARD = {
    "the softmax backward keeps only the diagonal; dS = A ⊙ (dA − Σ_k A ⊙ dA) (row sums)": {"softmax_diag_grad"},
    "the 1/√d scale is missing from the gradients of q and k": {"scale_no_grad"},
}


def _attention_tasks():
    forward_sec = "section 'Scaled dot-product attention'"
    masks = "'Masks: padding and causality'"

    def fw(fn, forward, inp):
        return _returns("attention_forward", fn(inp["q"], inp["k"], inp["v"], inp["mask"]), 2)[:1]

    def bw(fn, forward, inp):
        cache = _returns("attention_forward", forward(inp["q"], inp["k"], inp["v"], inp["mask"]), 2)[1]
        return _returns("attention_backward", fn(inp["dout"], cache), 3)

    sizes = ([(2, 3, 4, 5, 6, "none"), (2, 3, 4, 5, 6, "padding")],
             [(2, 1, 4, 3, 2, "none"), (3, 5, 5, 4, 3, "causal"), (2, 4, 6, 8, 3, "padding"),
              (2, 3, 5, 2, 4, "random")])
    softmax_mistakes = {
        "softmax is taken over the wrong axis": lambda inp: [reference.softmax(
            inp["scores"], axis=0 if inp["axis"] in (-1, inp["scores"].ndim - 1) else -1)],
        "the exponentials are not normalised: divide them by their sum along `axis`":
            lambda inp: [torch.tensor(inp["scores"]).exp().numpy()],
    }
    return [
        Task("softmax", "05_attention", ("scores", "axis"), ("softmax(scores)",), _softmax_inputs,
             lambda fn, forward, inp: [fn(inp["scores"], axis=inp["axis"])],
             lambda inp: [reference.softmax(inp["scores"], axis=inp["axis"])],
             [((3, 4), -1, 1.0)],
             [((4, 5), -1, 3.0), ((2, 3, 4), 1, 2.0), ((3, 6), 0, 1.0), ((2, 5), -1, 800.0)],
             softmax_mistakes, section="section 'Scaled dot-product attention' (stability: chapter 2, "
                                       "'Numerically stable sigmoid and softmax')"),
        Task("attention_forward", "05_attention", ("q", "k", "v", "mask"), ("out",), _attention_inputs, fw,
             lambda inp: [reference.attention(inp["q"], inp["k"], inp["v"], inp["mask"])[0]], *sizes,
             {d: _attention_mistake(f, False) for d, f in _ATTENTION_FORWARD.items()}, section=forward_sec + " and " + masks),
        Task("attention_backward", "05_attention", ("dout", "cache"), ("dq", "dk", "dv"), _attention_inputs, bw,
             lambda inp: list(reference.attention_backward(inp["q"], inp["k"], inp["v"], inp["dout"], inp["mask"])),
             *sizes, {d: _attention_mistake(f, True) for d, f in {**_ATTENTION_BACKWARD, **_ATTENTION_FORWARD}.items()},
             forward="attention_forward", section="section 'The backward pass'"),
    ]


TASKS = {t.name: t for t in [
    *_cell_tasks("rnn", "01_rnn", {"forward": "section 'The forward pass'",
                                   "backward": "section 'Backpropagation through time'",
                                   "bptt": "section 'Backpropagation through time'"}),
    *_numerics_tasks(),
    *_cell_tasks("gru", "03_gru", {"forward": "section 'The equations'",
                                   "backward": "section 'The backward pass of one step'",
                                   "bptt": "section 'The backward pass of one step' (the loop over time: "
                                           "chapter 1, 'Backpropagation through time')"}),
    *_cell_tasks("lstm", "04_lstm", {"forward": "section 'Two states: a memory and an output'",
                                     "backward": "section 'The backward pass of one step'",
                                     "bptt": "section 'The cell state is an additive path for gradients'"}),
    *_attention_tasks(),
]}
