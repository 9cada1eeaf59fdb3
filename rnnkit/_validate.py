"""Argument validation shared by rnnkit's modules: every error names the argument and both shapes."""

import numpy as np

CELLS = {"rnn": 1, "gru": 3, "lstm": 4}  # cell name -> number of stacked gates G


def gates(cell):
    """Number of stacked gates G of `cell`; a ValueError names the cells there are."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    return CELLS[cell]


def array(name, a, shape):
    """Return `a` as a float64 ndarray of `shape`; a None in `shape` matches any size.

    A ValueError names `name`, the shape it had and the shape it needs; nothing broadcasts.
    """
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of shape {_fmt(shape)}, got {type(a).__name__}")
    if a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape)):
        raise ValueError(f"{name} has shape {a.shape}, expected {_fmt(shape)}")
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"{name} must hold floats, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def params(p, cell, input_size=None, hidden_size=None):
    """Check a parameter dict of `cell`, of the given sizes where they are given; return (D, H)
    read from its weights."""
    G = gates(cell)
    if not isinstance(p, dict):
        raise TypeError(f"p must be a dict of parameters, got {type(p).__name__}")
    missing = [k for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if k not in p]
    if missing:
        hint = " (strip the '_l0' suffix with rnnkit.params.from_module)" if any(k.endswith("_l0") for k in p) else ""
        raise ValueError(f"p is missing key(s) {missing}; it has {sorted(p)}{hint}")
    w_hh = array("p['weight_hh']", p["weight_hh"], (None, hidden_size))
    H = w_hh.shape[1]
    array("p['weight_hh']", w_hh, (G * H, H))
    w_ih = array("p['weight_ih']", p["weight_ih"], (G * H, input_size))
    array("p['bias_ih']", p["bias_ih"], (G * H,))
    array("p['bias_hh']", p["bias_hh"], (G * H,))
    return w_ih.shape[1], H


def stacked_params(dicts, cell, bidirectional, name="params"):
    """Check the parameter dicts of a stacked layer; return (num_layers, K, D, H), K directions.

    `dicts` holds num_layers * K parameter dicts (K = 2 if bidirectional else 1), dicts[l * K + d]
    for layer l and direction d. Layer 0 reads inputs of size D, every later layer the K * H
    outputs of the layer below; all have hidden size H, read from dicts[0]. Errors call it `name`.
    """
    gates(cell)
    K = 2 if bidirectional else 1
    if not isinstance(dicts, (list, tuple)) or not dicts or len(dicts) % K:
        got = f"{len(dicts)} dicts" if isinstance(dicts, (list, tuple)) else type(dicts).__name__
        raise ValueError(f"{name} must be a non-empty list of num_layers * {K} parameter dicts "
                         f"(bidirectional={bidirectional}), got {got}")
    D, H = None, None
    for k, p in enumerate(dicts):
        try:
            size, H = params(p, cell, input_size=D if k < K else K * H, hidden_size=H)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{name}[{k}] (layer {k // K}, direction {k % K}): {error}") from None
        D = size if k == 0 else D
    return len(dicts) // K, K, D, H


def _fmt(shape):
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
