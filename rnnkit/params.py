"""Parameter dicts in PyTorch's layout, and conversions to and from `torch.nn` modules.

A parameter dict of a cell with G stacked gates (G = 1 RNN, 3 GRU, 4 LSTM), input size D and
hidden size H holds float64 NumPy arrays::

    {"weight_ih": (G*H, D), "weight_hh": (G*H, H), "bias_ih": (G*H,), "bias_hh": (G*H,)}

exactly the `state_dict()` of `torch.nn.GRUCell(D, H)` (and friends). The one-layer modules
`torch.nn.GRU` etc. name the same tensors with the suffix `_l0`.

A stacked (``num_layers`` > 1) or bidirectional module is a list of such dicts, one per layer and
direction: with K = 2 directions if bidirectional else 1, item ``l * K + d`` holds layer l,
direction d (0 forward, 1 backward), whose tensors torch names ``weight_ih_l{l}`` or
``weight_ih_l{l}_reverse`` (see `layer_key`). The index is the one of that layer and direction's
final state in the module's ``h_n``.
"""

import numpy as np

from rnnkit import _validate

KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _modules():
    """torch's cell and layer classes; torch is imported only when a module is asked for."""
    import torch
    cells = {"rnn": torch.nn.RNNCell, "gru": torch.nn.GRUCell, "lstm": torch.nn.LSTMCell}
    layers = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
    return torch, cells, layers


def init_params(cell, input_size, hidden_size, *, seed=0):
    """Random parameters of `cell` ("rnn" | "gru" | "lstm"), PyTorch's default U(-1/√H, 1/√H).

    Returns a dict of float64 arrays with the shapes in this module's docstring.
    """
    G = _validate.gates(cell)
    for name, n in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"{name} must be a positive int, got {n!r}")
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden_size)
    shapes = {"weight_ih": (G * hidden_size, input_size), "weight_hh": (G * hidden_size, hidden_size),
              "bias_ih": (G * hidden_size,), "bias_hh": (G * hidden_size,)}
    return {k: rng.uniform(-bound, bound, size=s) for k, s in shapes.items()}


def to_module(cell, p, *, layer=False):
    """A float64 `torch.nn` module holding a copy of `p`.

    `layer=False` gives `RNNCell`/`GRUCell`/`LSTMCell`; `layer=True` gives the one-layer,
    batch-first `RNN`/`GRU`/`LSTM` (tanh nonlinearity for the RNN), whose keys end in `_l0`.
    """
    D, H = _validate.params(p, cell)
    torch, cells, layers = _modules()
    if layer:
        module = layers[cell](D, H, batch_first=True, dtype=torch.float64)
        suffix = "_l0"
    else:
        module = cells[cell](D, H, dtype=torch.float64)
        suffix = ""
    module.load_state_dict({k + suffix: torch.from_numpy(np.array(p[k], dtype=np.float64)) for k in KEYS})
    return module


def layer_key(key, layer, direction=0):
    """torch's name for parameter `key` of layer `layer` and `direction` (1 = backward):
    ``layer_key("weight_ih", 1, 1) == "weight_ih_l1_reverse"``."""
    if key not in KEYS:
        raise ValueError(f"key must be one of {KEYS}, got {key!r}")
    if direction not in (0, 1):
        raise ValueError(f"direction must be 0 (forward) or 1 (backward), got {direction!r}")
    return f"{key}_l{layer}" + ("_reverse" if direction else "")


def to_stacked_module(cell, params, *, bidirectional=False):
    """A float64, batch-first `torch.nn.RNN`/`GRU`/`LSTM` holding copies of a list of parameter dicts.

    `params[l * K + d]` is layer l, direction d, with K = 2 if `bidirectional` else 1, so the
    module has ``len(params) // K`` layers. Layer 0 has input size D; every later layer reads the
    K * H outputs of the layer below, so its ``weight_ih`` is (G*H, K*H).
    """
    num_layers, K, D, H = _validate.stacked_params(params, cell, bidirectional)
    torch, cells, layers = _modules()
    module = layers[cell](D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=True,
                          dtype=torch.float64)
    module.load_state_dict({layer_key(k, i // K, i % K): torch.from_numpy(np.array(p[k], dtype=np.float64))
                            for i, p in enumerate(params) for k in KEYS})
    return module


def from_module(module):
    """The parameter dict (float64 NumPy copies) of a one-layer recurrent `torch.nn` module or cell."""
    torch, cells, layers = _modules()
    if not isinstance(module, tuple(cells.values()) + tuple(layers.values())):
        raise TypeError(f"module must be a torch.nn RNN/GRU/LSTM or its Cell, got {type(module).__name__}")
    if isinstance(module, torch.nn.RNNBase):
        if module.num_layers != 1 or module.bidirectional or module.proj_size or not module.bias:
            raise ValueError("module must have num_layers=1, bidirectional=False, proj_size=0 and bias=True")
        if isinstance(module, torch.nn.RNN) and module.nonlinearity != "tanh":
            raise ValueError(f"module must use the tanh nonlinearity, got {module.nonlinearity!r}")
    elif not module.bias:
        raise ValueError("module must have bias=True")
    state = module.state_dict()
    suffix = "_l0" if isinstance(module, torch.nn.RNNBase) else ""
    return {k: state[k + suffix].detach().to(torch.float64).numpy().copy() for k in KEYS}
