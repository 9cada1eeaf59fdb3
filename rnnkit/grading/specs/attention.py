"""Chapter 5's graded functions: softmax, and scaled dot-product attention forward and backward."""

import numpy as np

from rnnkit.grading import forms, mistakes
from rnnkit.grading.specs.base import Spec, mistake_models, reference, returns, torch


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


def _attention_model(backward):
    """Attention's outputs with some mistakes made, by rnnkit.grading.mistake_models.attention."""
    def outputs(inp, flags):
        tq, tk, tv = (torch.tensor(inp[n], requires_grad=True) for n in "qkv")
        mask = None if inp["mask"] is None else torch.tensor(inp["mask"])
        out, _ = mistake_models.attention(tq, tk, tv, mask, frozenset(flags))
        if not backward:
            return [out.detach().numpy()]
        grads = torch.autograd.grad((out * torch.tensor(inp["dout"])).sum(), [tq, tk, tv])
        return [g.numpy() for g in grads]
    return outputs


def _attention_dims(size):
    return {"N": size[0], "d": size[3]}


def attention_specs():
    forward_sec = "section 'Scaled dot-product attention'"
    masks = "'Masks: padding and causality'"

    def fw(fn, forward, inp):
        return returns("attention_forward", fn(inp["q"], inp["k"], inp["v"], inp["mask"]), 2)[:1]

    def bw(fn, forward, inp):
        cache = returns("attention_forward", forward(inp["q"], inp["k"], inp["v"], inp["mask"]), 2)[1]
        return returns("attention_backward", fn(inp["dout"], cache), 3)

    sizes = ([(2, 3, 4, 5, 6, "none"), (2, 3, 4, 5, 6, "padding")],
             [(2, 1, 4, 3, 2, "none"), (3, 5, 5, 4, 3, "causal"), (2, 4, 6, 8, 3, "padding"),
              (2, 3, 5, 2, 4, "random")])
    mask_forms = (forms.MASK_ADDED_INVERTED,)
    return [
        Spec("softmax", ("scores", "axis"), ("softmax(scores)",), _softmax_inputs,
             lambda fn, forward, inp: [fn(inp["scores"], axis=inp["axis"])],
             lambda inp: [reference.softmax(inp["scores"], axis=inp["axis"])],
             [((3, 4), -1, 1.0)],
             [((4, 5), -1, 3.0), ((2, 3, 4), 1, 2.0), ((3, 6), 0, 1.0), ((2, 5), -1, 800.0)],
             mistakes.SOFTMAX, lambda inp, flags: [mistake_models.softmax(inp["scores"], inp["axis"], flags)],
             "section 'Scaled dot-product attention' (stability: chapter 2, 'Numerically stable sigmoid and "
             "softmax')", "Subtract the maximum along `axis` before exponentiating; softmax does not change."),
        Spec("attention_forward", ("q", "k", "v", "mask"), ("out",), _attention_inputs, fw,
             lambda inp: [reference.attention(inp["q"], inp["k"], inp["v"], inp["mask"])[0]], *sizes,
             mistakes.ATTENTION_FORWARD, _attention_model(False), forward_sec + " and " + masks,
             dims=_attention_dims, forms=mask_forms),
        Spec("attention_backward", ("dout", "cache"), ("dq", "dk", "dv"), _attention_inputs, bw,
             lambda inp: list(reference.attention_backward(inp["q"], inp["k"], inp["v"], inp["dout"], inp["mask"])),
             *sizes, {**mistakes.ATTENTION_BACKWARD, **mistakes.ATTENTION_FORWARD}, _attention_model(True),
             "section 'The backward pass'", dims=_attention_dims, forms=mask_forms),
    ]
