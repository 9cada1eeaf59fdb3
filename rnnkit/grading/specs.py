"""How the grader exercises each graded function: how to make its inputs, call it, compute
the right answer, and which common mistakes a wrong answer is compared with.

A spec's `run(fn, forward, inputs)` returns the student's graded outputs as a list;
`reference` and each mistake return the same list, computed by rnnkit.reference and
rnnkit.grading.mistake_models. Outputs are arrays, or dicts of arrays for parameter gradients.
Which assignment a function belongs to, and which forward pass a backward one takes, is the
registry's (rnnkit.grading.assignments).
"""

import importlib
from dataclasses import dataclass

import numpy as np

from rnnkit.grading import mistakes
from rnnkit.grading.assignments import FUNCTIONS, assignment_of


class _Lazy:
    """A module imported on first use: checking against precomputed answers needs no torch."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


torch = _Lazy("torch")
reference = _Lazy("rnnkit.reference")
mistake_models = _Lazy("rnnkit.grading.mistake_models")


@dataclass(frozen=True)
class Spec:
    """How the graded function `name` is called, checked and diagnosed."""

    name: str
    args: tuple            # the graded function's parameter names
    outputs: tuple         # names of what is compared, in order
    make: object           # make(rng, size) -> inputs dict
    run: object            # run(fn, forward, inputs) -> list of outputs
    reference: object      # reference(inputs) -> list of outputs
    visible: list          # sizes of the visible test
    hidden: list           # sizes of the hidden test
    mistakes: dict         # description -> fn(inputs) -> outputs, in the order ties are resolved
    section: str           # the book section that explains it
    stability: str = ""    # for a function that must not overflow: how to avoid it

    @property
    def forward(self):
        """The forward function whose cache a backward function takes, or None."""
        return FUNCTIONS[self.name].forward

    @property
    def assignment(self):
        return assignment_of(self.name)


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


def _variant(cell, step, backward, mistake):
    """A mistake's outputs, computed by the mistaken cell."""
    def outputs(inputs):
        if step:
            xs, states, upstream = _seq_of_step(cell, inputs)
        else:
            xs, states = inputs["xs"], _states(cell, inputs, False)
            upstream = [inputs["dhs"]] + ([None] if cell == "lstm" else [])
        outs, grads = mistake_models.run_sequence(cell, xs, states, inputs["p"], upstream if backward else None,
                                                  frozenset({mistake}))
        if not backward:
            return [o[:, 0] for o in outs] if step else outs[:1]
        dxs, dstates, dp = grads
        return [dxs[:, 0] if step else dxs, *dstates, dp]
    return outputs


# ---- the recurrent cells ---------------------------------------------------------------------

def _cell_specs(cell, sections):
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
        return {d: _variant(cell, step, backward, m) for kind in kinds for d, m in kind.items()}

    fw, bw = mistakes.CELL_FORWARD[cell], mistakes.CELL_BACKWARD[cell]
    bptt = [mistakes.BPTT, mistakes.LSTM_BPTT] if lstm else [mistakes.BPTT]
    gradients = ([mistakes.DW_HH_TRANSPOSED] if cell == "rnn" else []) + [mistakes.BIAS_GRAD_AVERAGED]
    step_sizes = ([(2, 3, 4)], [(3, 5, 2), (2, 4, 6), (4, 1, 3)])           # N, D, H with D != H
    seq_sizes = ([(2, 3, 3, 4)], [(2, 1, 4, 3), (3, 5, 2, 4), (2, 4, 5, 3)])  # N, T, D, H; T = 1 and T > 3
    s_out = ("h_next", "c_next")[:n_states]
    d_out = ("dh_prev", "dc_prev")[:n_states]
    return [
        Spec(f"{cell}_step_forward", step_args, s_out, _step_inputs(cell), step_forward, step_forward_ref,
             *step_sizes, table([fw], True, False), sections["forward"]),
        Spec(f"{cell}_step_backward", up_args + ("cache",), ("dx", *d_out, "grads"), _step_inputs(cell),
             step_backward, step_backward_ref, *step_sizes, table([bw, fw, *gradients], True, True),
             sections["backward"]),
        Spec(f"{cell}_forward", seq_args, ("hs",), _seq_inputs(cell), seq_forward, seq_forward_ref, *seq_sizes,
             table([mistakes.SEQUENCE, fw], False, False), sections["forward"]),
        Spec(f"{cell}_backward", ("dhs", "cache"), ("dxs", "dh0", "dc0", "grads") if lstm else ("dxs", "dh0", "grads"),
             _seq_inputs(cell), seq_backward, seq_backward_ref, *seq_sizes,
             table([*bptt, bw, mistakes.SEQUENCE, fw, *gradients], False, True), sections["bptt"]),
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


# A mistaken clip_grad_norm, built from the reference's results.

def _clip_per_array(inp):
    grads, max_norm = inp["grads"], inp["max_norm"]
    total = reference.clip_grad_norm(grads, max_norm)[1]
    return [{k: reference.clip_grad_norm({k: g}, max_norm)[0][k] for k, g in grads.items()}, total]


def _clip_always(inp):
    total = reference.clip_grad_norm(inp["grads"], inp["max_norm"])[1]
    scale = inp["max_norm"] / (total + 1e-6)
    return [{k: torch.tensor(g).mul(scale).numpy() for k, g in inp["grads"].items()}, total]


def _clip_without_eps(inp):
    clipped, total = reference.clip_grad_norm(inp["grads"], inp["max_norm"])
    fix = (total + 1e-6) / total if inp["max_norm"] / (total + 1e-6) < 1 else 1.0
    return [{k: torch.tensor(g).mul(fix).numpy() for k, g in clipped.items()}, total]


def _clip_squared(inp):
    clipped, total = reference.clip_grad_norm(inp["grads"], inp["max_norm"])
    return [clipped, total * total]


def _clip_norm_after(inp):
    clipped, _ = reference.clip_grad_norm(inp["grads"], inp["max_norm"])
    return [clipped, float(torch.linalg.vector_norm(torch.cat([torch.tensor(g).flatten() for g in clipped.values()])))]


def _numerics_specs():
    sections = {"sigmoid": "section 'Numerically stable sigmoid and softmax'",
                "jacobian": "section 'The Jacobian product through time'",
                "clip": "section 'Exploding gradients and clipping'"}
    return [
        Spec("sigmoid", ("x",), ("sigmoid(x)",), _sigmoid_inputs,
             lambda fn, forward, inp: [fn(inp["x"])], lambda inp: [reference.sigmoid(inp["x"])],
             [(7,)], [(5,), (3, 8), (2, 3, 4)], {
                 "σ(−x) is computed: σ(x) = 1 / (1 + e^{−x})": lambda inp: [reference.sigmoid(-inp["x"])],
                 "tanh is computed instead of σ": lambda inp: [np.tanh(inp["x"])],
                 "σ(x) = (1 + tanh(x)) / 2 is off by a factor 2 in x; σ(x) = (1 + tanh(x / 2)) / 2":
                     lambda inp: [(1 + np.tanh(inp["x"])) / 2]},
             sections["sigmoid"], "For x < 0 compute σ(x) = e^x / (1 + e^x), so e^{−x} never overflows."),
        Spec("hidden_jacobian", ("h_next", "p"), ("J",), _jacobian_inputs,
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
             sections["jacobian"]),
        Spec("clip_grad_norm", ("grads", "max_norm"), ("clipped", "total_norm"),
             _clip_inputs, lambda fn, forward, inp: _returns("clip_grad_norm", fn(inp["grads"], inp["max_norm"]), 2),
             lambda inp: list(reference.clip_grad_norm(inp["grads"], inp["max_norm"])),
             [([(3, 4), (5,)], 1.0, 1.0)],
             [([(3, 4), (5,)], 1.0, 1.0), ([(2, 2), (6,), (3, 1)], 0.01, 10.0), ([(4, 3)], 1e-3, 1e-4),
              ([(3,), (3, 3)], 5.0, 0.5)], {
                 "each array is clipped on its own; clipping uses one global norm over all arrays": _clip_per_array,
                 "the gradients are scaled even when their norm is below max_norm; scale only when "
                 "max_norm / (total + 1e-6) < 1": _clip_always,
                 "the scale leaves out torch's 1e-6: max_norm / (total_norm + 1e-6)": _clip_without_eps,
                 "the norm is squared; total_norm is the square root of the sum of squares": _clip_squared,
                 "the norm after clipping is returned; return the total norm before clipping": _clip_norm_after},
             sections["clip"]),
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


def _attention_mistake(mistake, backward):
    def outputs(inp):
        tq, tk, tv = (torch.tensor(inp[n], requires_grad=True) for n in "qkv")
        mask = None if inp["mask"] is None else torch.tensor(inp["mask"])
        out, _ = mistake_models.attention(tq, tk, tv, mask, frozenset({mistake}))
        if not backward:
            return [out.detach().numpy()]
        grads = torch.autograd.grad((out * torch.tensor(inp["dout"])).sum(), [tq, tk, tv])
        return [g.numpy() for g in grads]
    return outputs


def _attention_specs():
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
        Spec("softmax", ("scores", "axis"), ("softmax(scores)",), _softmax_inputs,
             lambda fn, forward, inp: [fn(inp["scores"], axis=inp["axis"])],
             lambda inp: [reference.softmax(inp["scores"], axis=inp["axis"])],
             [((3, 4), -1, 1.0)],
             [((4, 5), -1, 3.0), ((2, 3, 4), 1, 2.0), ((3, 6), 0, 1.0), ((2, 5), -1, 800.0)],
             softmax_mistakes, "section 'Scaled dot-product attention' (stability: chapter 2, "
                               "'Numerically stable sigmoid and softmax')",
             "Subtract the maximum along `axis` before exponentiating; softmax does not change."),
        Spec("attention_forward", ("q", "k", "v", "mask"), ("out",), _attention_inputs, fw,
             lambda inp: [reference.attention(inp["q"], inp["k"], inp["v"], inp["mask"])[0]], *sizes,
             {d: _attention_mistake(m, False) for d, m in mistakes.ATTENTION_FORWARD.items()},
             forward_sec + " and " + masks),
        Spec("attention_backward", ("dout", "cache"), ("dq", "dk", "dv"), _attention_inputs, bw,
             lambda inp: list(reference.attention_backward(inp["q"], inp["k"], inp["v"], inp["dout"], inp["mask"])),
             *sizes, {d: _attention_mistake(m, True)
                      for d, m in {**mistakes.ATTENTION_BACKWARD, **mistakes.ATTENTION_FORWARD}.items()},
             "section 'The backward pass'"),
    ]


SPECS = {s.name: s for s in [
    *_cell_specs("rnn", {"forward": "section 'The forward pass'",
                         "backward": "section 'Backpropagation through time'",
                         "bptt": "section 'Backpropagation through time'"}),
    *_numerics_specs(),
    *_cell_specs("gru", {"forward": "section 'The equations'",
                         "backward": "section 'The backward pass of one step'",
                         "bptt": "section 'The backward pass of one step' (the loop over time: "
                                 "chapter 1, 'Backpropagation through time')"}),
    *_cell_specs("lstm", {"forward": "section 'Two states: a memory and an output'",
                          "backward": "section 'The backward pass of one step'",
                          "bptt": "section 'The cell state is an additive path for gradients'"}),
    *_attention_specs(),
]}
