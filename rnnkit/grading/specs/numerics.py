"""Chapter 2's graded functions: a stable sigmoid, the hidden state's Jacobian, gradient clipping."""

import numpy as np

from rnnkit.grading import mistakes
from rnnkit.grading.specs.base import Spec, mistake_models, reference, returns
from rnnkit.grading.specs.cells import params

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
    p = params(rng, "rnn", D, H)
    h_next = np.tanh(x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"])  # no torch to observe
    return {"h_next": h_next, "p": p, "_x": x, "_h": h}


def _clip_inputs(rng, size):
    shapes, scale, max_norm = size
    grads = {f"g{i}": rng.normal(size=s) * scale for i, s in enumerate(shapes)}
    return {"grads": grads, "max_norm": max_norm}


def numerics_specs():
    sections = {"sigmoid": "section 'Numerically stable sigmoid and softmax'",
                "jacobian": "section 'The Jacobian product through time'",
                "clip": "section 'Exploding gradients and clipping'"}
    return [
        Spec("sigmoid", ("x",), ("sigmoid(x)",), _sigmoid_inputs,
             lambda fn, forward, inp: [fn(inp["x"])], lambda inp: [reference.sigmoid(inp["x"])],
             [(7,)], [(5,), (3, 8), (2, 3, 4)], mistakes.SIGMOID,
             lambda inp, flags: [mistake_models.sigmoid(inp["x"], flags)],
             sections["sigmoid"], "For x < 0 compute σ(x) = e^x / (1 + e^x), so e^{−x} never overflows."),
        Spec("hidden_jacobian", ("h_next", "p"), ("J",), _jacobian_inputs,
             lambda fn, forward, inp: [fn(inp["h_next"], inp["p"])],
             lambda inp: [reference.hidden_jacobian(inp["_x"], inp["_h"], inp["p"])],
             [(2, 3, 4)], [(3, 5, 2), (2, 2, 6), (4, 6, 3)], mistakes.JACOBIAN,
             lambda inp, flags: [mistake_models.hidden_jacobian(inp["h_next"], inp["p"]["weight_hh"], flags)],
             sections["jacobian"]),
        Spec("clip_grad_norm", ("grads", "max_norm"), ("clipped", "total_norm"),
             _clip_inputs, lambda fn, forward, inp: returns("clip_grad_norm", fn(inp["grads"], inp["max_norm"]), 2),
             lambda inp: list(reference.clip_grad_norm(inp["grads"], inp["max_norm"])),
             [([(3, 4), (5,)], 1.0, 1.0)],
             [([(3, 4), (5,)], 1.0, 1.0), ([(2, 2), (6,), (3, 1)], 0.01, 10.0), ([(4, 3)], 1e-3, 1e-4),
              ([(3,), (3, 3)], 5.0, 0.5)], mistakes.CLIP,
             lambda inp, flags: list(mistake_models.clip_grad_norm(inp["grads"], inp["max_norm"], flags)),
             sections["clip"]),
    ]
