import numpy as np
import pytest
import torch

from rnnkit import from_module, init_params, to_module
from rnnkit.params import KEYS, layer_key, to_stacked_module


@pytest.mark.parametrize("cell,G", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_init_params_layout_and_range(cell, G):
    p = init_params(cell, 3, 5, seed=1)
    assert {k: v.shape for k, v in p.items()} == {
        "weight_ih": (G * 5, 3), "weight_hh": (G * 5, 5), "bias_ih": (G * 5,), "bias_hh": (G * 5,)}
    assert all(v.dtype == np.float64 and np.abs(v).max() <= 1 / np.sqrt(5) for v in p.values())
    again, other = init_params(cell, 3, 5, seed=1), init_params(cell, 3, 5, seed=2)
    assert all(np.array_equal(p[k], again[k]) for k in p)
    assert not np.array_equal(p["weight_hh"], other["weight_hh"])


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("layer", [False, True])
def test_round_trip_through_torch_modules(cell, layer):
    p = init_params(cell, 4, 2)
    m = to_module(cell, p, layer=layer)
    assert all(t.dtype == torch.float64 for t in m.state_dict().values())
    if layer:
        assert m.batch_first and set(m.state_dict()) == {k + "_l0" for k in p}
    back = from_module(m)
    assert all(np.array_equal(back[k], p[k]) for k in p)
    back["weight_hh"][0, 0] = 99.0  # a copy: the module is untouched
    assert m.state_dict()[("weight_hh_l0" if layer else "weight_hh")][0, 0] != 99.0


def test_from_module_is_a_state_dict():
    cell = torch.nn.GRUCell(3, 4)
    p = from_module(cell)
    assert all(np.array_equal(p[k], v.detach().double().numpy()) for k, v in cell.state_dict().items())


def test_bad_modules_and_params():
    with pytest.raises(ValueError, match="num_layers=1"):
        from_module(torch.nn.GRU(2, 3, num_layers=2))
    with pytest.raises(ValueError, match="tanh"):
        from_module(torch.nn.RNN(2, 3, nonlinearity="relu"))
    with pytest.raises(TypeError, match="got Linear"):
        from_module(torch.nn.Linear(2, 3))
    layer = to_module("gru", init_params("gru", 2, 3), layer=True)
    with pytest.raises(ValueError, match=r"p is missing key\(s\).*strip the '_l0' suffix"):
        to_module("gru", {k: v.numpy() for k, v in layer.state_dict().items()})
    with pytest.raises(ValueError, match=r"p\['bias_ih'\] has shape \(9,\), expected \(12,\)"):
        to_module("lstm", {**init_params("lstm", 2, 3), "bias_ih": np.zeros(9)})
    with pytest.raises(ValueError, match=r"hidden_size must be a positive int, got 2.5"):
        init_params("rnn", 2, 2.5)


@pytest.mark.parametrize("cell,G", [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_stacked_module_names_and_shapes_follow_torch(cell, G):
    D, H = 3, 5
    params = [init_params(cell, D if i < 2 else 2 * H, H, seed=i) for i in range(4)]  # 2 layers, 2 directions
    module = to_stacked_module(cell, params, bidirectional=True)
    fresh = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell](
        D, H, num_layers=2, bidirectional=True)
    names = {layer_key(k, i // 2, i % 2) for i in range(4) for k in KEYS}
    assert names == set(module.state_dict()) == set(fresh.state_dict())
    assert module.weight_ih_l1_reverse.shape == (G * H, 2 * H) and module.weight_ih_l0.shape == (G * H, D)
    assert np.array_equal(module.state_dict()["bias_hh_l1_reverse"].numpy(), params[3]["bias_hh"])
    assert layer_key("weight_hh", 0) == "weight_hh_l0"
    with pytest.raises(ValueError, match="direction must be 0 .forward. or 1 .backward., got 2"):
        layer_key("weight_hh", 0, 2)
    with pytest.raises(ValueError, match=r"params\[1\] \(layer 0, direction 1\): p\['weight_ih'\] has shape"):
        to_stacked_module(cell, [params[0], init_params(cell, D + 1, H)], bidirectional=True)
