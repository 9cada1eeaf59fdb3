"""The recurrent cells' graded functions (chapters 1, 3 and 4): a step and a sequence, forward
and backward, for the tanh RNN, the GRU and the LSTM."""

from rnnkit.grading import forms, mistakes
from rnnkit.grading.specs.base import Spec, mistake_models, reference, returns


def params(rng, cell, D, H, scale=0.6):
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell]
    return {"weight_ih": rng.normal(size=(G * H, D)) * scale, "weight_hh": rng.normal(size=(G * H, H)) * scale,
            "bias_ih": rng.normal(size=G * H) * scale, "bias_hh": rng.normal(size=G * H) * scale}


def _step_inputs(cell):
    def make(rng, size):
        N, D, H = size
        inputs = {"x": rng.normal(size=(N, D)), "h_prev": rng.normal(size=(N, H))}
        if cell == "lstm":
            inputs["c_prev"] = rng.normal(size=(N, H))
        inputs["p"] = params(rng, cell, D, H)
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
        inputs["p"] = params(rng, cell, D, H)
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


def _model(cell, step, backward):
    """The outputs of a cell with some mistakes made, computed by the mistaken cell."""
    def outputs(inputs, flags):
        if step:
            xs, states, upstream = _seq_of_step(cell, inputs)
        else:
            xs, states = inputs["xs"], _states(cell, inputs, False)
            upstream = [inputs["dhs"]] + ([None] if cell == "lstm" else [])
        outs, grads = mistake_models.run_sequence(cell, xs, states, inputs["p"], upstream if backward else None,
                                                  frozenset(flags))
        if not backward:
            return [o[:, 0] for o in outs] if step else outs[:1]
        dxs, dstates, dp = grads
        return [dxs[:, 0] if step else dxs, *dstates, dp]
    return outputs


# Forward mistakes whose gradients in one step are a backward mistake's: dropping the RNN's tanh
# gives the gradients of tanh without tanh' (TANH_NO_GRAD), named instead.
_SAME_IN_A_STEP = frozenset({mistakes.Mistake.NO_TANH})


def _step_dims(size):
    return {"N": size[0]}


def _seq_dims(size):
    return {"N": size[0], "T": size[1]}


def cell_specs(cell, sections):
    """The four graded functions of a recurrent cell: step and sequence, forward and backward."""
    lstm = cell == "lstm"
    step_args = ("x", "h_prev", "c_prev", "p") if lstm else ("x", "h_prev", "p")
    seq_args = ("xs", "h0", "c0", "p") if lstm else ("xs", "h0", "p")
    up_args = ("dh_next", "dc_next") if lstm else ("dh_next",)
    n_states = 2 if lstm else 1

    def step_forward(fn, forward, inp):
        return returns(f"{cell}_step_forward", fn(*(inp[a] for a in step_args)), n_states + 1)[:-1]

    def step_backward(fn, forward, inp):
        cache = returns(f"{cell}_step_forward", forward(*(inp[a] for a in step_args)), n_states + 1)[-1]
        return returns(f"{cell}_step_backward", fn(*(inp[a] for a in up_args), cache), n_states + 2)

    def seq_forward(fn, forward, inp):
        return returns(f"{cell}_forward", fn(*(inp[a] for a in seq_args)), 2)[:1]

    def seq_backward(fn, forward, inp):
        cache = returns(f"{cell}_forward", forward(*(inp[a] for a in seq_args)), 2)[1]
        return returns(f"{cell}_backward", fn(inp["dhs"], cache), n_states + 2)

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

    def table(*kinds, leave_out=()):
        return {m: d for kind in kinds for m, d in kind.items() if m not in leave_out}

    fw, bw = mistakes.CELL_FORWARD[cell], mistakes.CELL_BACKWARD[cell]
    bptt = [mistakes.BPTT, mistakes.LSTM_BPTT] if lstm else [mistakes.BPTT]
    gradients = ([mistakes.DW_HH_TRANSPOSED] if cell == "rnn" else []) + [mistakes.AVERAGED]
    published = (forms.CHO_WITH_CHUNG_Z, forms.KERAS_RESET_BEFORE) if cell == "gru" else ()
    step_sizes = ([(2, 3, 4)], [(3, 5, 2), (2, 4, 6), (4, 1, 3)])           # N, D, H with D != H
    seq_sizes = ([(2, 3, 3, 4)], [(2, 1, 4, 3), (3, 5, 2, 4), (2, 4, 5, 3)])  # N, T, D, H; T = 1 and T > 3
    s_out = ("h_next", "c_next")[:n_states]
    d_out = ("dh_prev", "dc_prev")[:n_states]
    return [
        Spec(f"{cell}_step_forward", step_args, s_out, _step_inputs(cell), step_forward, step_forward_ref,
             *step_sizes, table(fw), _model(cell, True, False), sections["forward"], dims=_step_dims,
             forms=published),
        Spec(f"{cell}_step_backward", up_args + ("cache",), ("dx", *d_out, "grads"), _step_inputs(cell),
             step_backward, step_backward_ref, *step_sizes, table(bw, fw, *gradients, leave_out=_SAME_IN_A_STEP),
             _model(cell, True, True),
             sections["backward"], dims=_step_dims, forms=published),
        Spec(f"{cell}_forward", seq_args, ("hs",), _seq_inputs(cell), seq_forward, seq_forward_ref, *seq_sizes,
             table(mistakes.SEQUENCE, fw), _model(cell, False, False), sections["forward"], dims=_seq_dims,
             forms=published),
        Spec(f"{cell}_backward", ("dhs", "cache"), ("dxs", "dh0", "dc0", "grads") if lstm else ("dxs", "dh0", "grads"),
             _seq_inputs(cell), seq_backward, seq_backward_ref, *seq_sizes,
             table(*bptt, bw, mistakes.SEQUENCE, fw, *gradients), _model(cell, False, True), sections["bptt"],
             dims=_seq_dims, forms=published),
    ]
