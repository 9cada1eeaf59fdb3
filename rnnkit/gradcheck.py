"""Numerical gradients by centred differences, and the relative error to compare them with yours.

Typical use, checking dW_hh of your own `rnn_backward`::

    f = lambda W: rnn_forward(xs, h0, {**p, "weight_hh": W})[0]
    num = numerical_gradient(f, p["weight_hh"], dout=dhs)
    print(rel_error(num, grads["weight_hh"]))   # below 1e-8: right; above 1e-2: a bug
"""

import numpy as np


def numerical_gradient(f, x, dout=None, *, eps=1e-6):
    """∂ sum(dout * f(x)) / ∂x by centred differences; `f` receives a perturbed copy of `x`.

    f: a function of one array returning an array (or a tuple whose first item is one).
    x: the point (any shape, float64); it is never modified.
    dout: the upstream gradient, shaped like f(x); None means f returns a scalar loss.
    Returns an array shaped like `x`. Costs 2 * x.size calls of f.
    """
    x = np.array(x, dtype=np.float64)
    if not np.issubdtype(x.dtype, np.floating) or x.size == 0:
        raise ValueError(f"x must be a non-empty float array, got shape {x.shape}")
    out0 = _first(f(x.copy()))
    if dout is None:
        if np.size(out0) != 1:
            raise ValueError(f"f returned shape {np.shape(out0)}; pass dout of that shape, or return a scalar")
        dout = np.ones_like(out0, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if dout.shape != np.shape(out0):
        raise ValueError(f"dout has shape {dout.shape}, expected f(x)'s shape {np.shape(out0)}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        grad[i] = np.sum(dout * (_first(f(xp)) - _first(f(xm)))) / (2 * eps)
    return grad


def rel_error(a, b):
    """``max |a − b| / max(max |a|, max |b|)``: below 1e-8 a gradient is right, above 1e-2 it has a bug.

    Relative to the largest entry, not entry by entry, so entries near zero (where centred
    differences have no relative accuracy) cannot make a right gradient look wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}; they must match")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300))


def check_gradients(f, inputs, analytic, dout=None, *, eps=1e-6):
    """Relative error of each analytic gradient against a numerical one.

    f: a function of keyword arrays, `f(**inputs)`, returning an array (or tuple, first used).
    inputs: {name: array}; analytic: {name: your gradient of sum(dout * f) w.r.t. it}.
    Returns {name: relative error} for every name in `analytic`.
    """
    unknown = sorted(set(analytic) - set(inputs))
    if unknown:
        raise ValueError(f"analytic has key(s) {unknown} that are not in inputs {sorted(inputs)}")
    errors = {}
    for name, grad in analytic.items():
        g = lambda value, name=name: f(**{**inputs, name: value})  # noqa: E731
        errors[name] = rel_error(numerical_gradient(g, inputs[name], dout, eps=eps), grad)
    return errors


def _first(out):
    return np.asarray(out[0] if isinstance(out, tuple) else out, dtype=np.float64)
