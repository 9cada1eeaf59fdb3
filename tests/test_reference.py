"""rnnkit.reference equals torch.nn's modules and scaled_dot_product_attention, in float64."""

import numpy as np
import pytest
import torch

from rnnkit import init_params, reference, to_module
from rnnkit.params import to_stacked_module

SIZES = [(2, 1, 3, 5), (3, 4, 5, 2), (1, 7, 4, 6), (4, 3, 1, 3)]  # N, T, D, H with D != H
TOL = 1e-10


def data(cell, N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    p = {k: v * 2 for k, v in init_params(cell, D, H, seed=seed).items()}  # wider than init: saturate
    return p, rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H)), rng.normal(size=(N, T, H))


def module_forward_backward(cell, p, xs, h0, c0, dhs):
    """torch.nn's one-layer module: hs and the autograd gradients of sum(dhs * hs)."""
    m = to_module(cell, p, layer=True)
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (xs, h0, c0))
    state = (th[None], tc[None]) if cell == "lstm" else th[None]
    hs, _ = m(tx, state)
    (hs * torch.tensor(dhs)).sum().backward()
    grads = {k: m.state_dict(keep_vars=True)[k + "_l0"].grad.numpy() for k in p}
    return hs.detach().numpy(), tx.grad.numpy(), th.grad.numpy(), tc.grad, grads


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("N,T,D,H", SIZES)
def test_sequence_matches_torch_nn(cell, N, T, D, H):
    p, xs, h0, c0, dhs = data(cell, N, T, D, H, seed=N * 100 + T)
    hs_t, dxs_t, dh0_t, dc0_t, grads_t = module_forward_backward(cell, p, xs, h0, c0, dhs)
    if cell == "lstm":
        hs, _ = reference.lstm_forward(xs, h0, c0, p)
        dxs, dh0, dc0, grads = reference.lstm_backward(xs, h0, c0, p, dhs)
        np.testing.assert_allclose(dc0, dc0_t.numpy(), rtol=0, atol=TOL)
    else:
        hs = getattr(reference, f"{cell}_forward")(xs, h0, p)
        dxs, dh0, grads = getattr(reference, f"{cell}_backward")(xs, h0, p, dhs)
    np.testing.assert_allclose(hs, hs_t, rtol=0, atol=TOL)
    np.testing.assert_allclose(dxs, dxs_t, rtol=0, atol=TOL)
    np.testing.assert_allclose(dh0, dh0_t, rtol=0, atol=TOL)
    assert set(grads) == set(p)
    for k in p:
        assert grads[k].shape == p[k].shape
        np.testing.assert_allclose(grads[k], grads_t[k], rtol=0, atol=TOL, err_msg=k)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("N,D,H", [(2, 3, 5), (3, 6, 2)])
def test_step_matches_torch_cell(cell, N, D, H):
    p, xs, h, c, dhs = data(cell, N, 1, D, H, seed=D)
    dc = np.random.default_rng(1).normal(size=(N, H))
    m = to_module(cell, p)
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (xs[:, 0], h, c))
    if cell == "lstm":
        h1, c1 = m(tx, (th, tc))
        (h1 * torch.tensor(dhs[:, 0]) + c1 * torch.tensor(dc)).sum().backward()
        h_ref, c_ref = reference.lstm_step(xs[:, 0], h, c, p)
        np.testing.assert_allclose(c_ref, c1.detach().numpy(), rtol=0, atol=TOL)
        dx, dh, dcp, grads = reference.lstm_step_backward(xs[:, 0], h, c, p, dhs[:, 0], dc)
        np.testing.assert_allclose(dcp, tc.grad.numpy(), rtol=0, atol=TOL)
    else:
        h1 = m(tx, th)
        (h1 * torch.tensor(dhs[:, 0])).sum().backward()
        h_ref = getattr(reference, f"{cell}_step")(xs[:, 0], h, p)
        dx, dh, grads = getattr(reference, f"{cell}_step_backward")(xs[:, 0], h, p, dhs[:, 0])
    np.testing.assert_allclose(h_ref, h1.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(dh, th.grad.numpy(), rtol=0, atol=TOL)
    for k in p:
        np.testing.assert_allclose(grads[k], getattr(m, k).grad.numpy(), rtol=0, atol=TOL, err_msg=k)


def test_lstm_backward_with_cell_state_upstream():
    p, xs, h0, c0, dhs = data("lstm", 2, 4, 3, 5, seed=7)
    dcs = np.random.default_rng(2).normal(size=dhs.shape)
    tx = torch.tensor(xs, requires_grad=True)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    h, c, loss = torch.tensor(h0), torch.tensor(c0), 0
    for t in range(4):
        h, c, _ = reference.lstm_cell(tx[:, t], h, c, tp)
        loss = loss + (h * torch.tensor(dhs[:, t])).sum() + (c * torch.tensor(dcs[:, t])).sum()
    loss.backward()
    dxs, _, _, grads = reference.lstm_backward(xs, h0, c0, p, dhs, dcs)
    np.testing.assert_allclose(dxs, tx.grad.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(grads["weight_hh"], tp["weight_hh"].grad.numpy(), rtol=0, atol=TOL)


def test_gates_are_the_cells_gates():
    p, xs, h0, c0, _ = data("gru", 2, 3, 4, 5, seed=3)
    g = reference.gates("gru", xs, h0, p)
    assert set(g) == {"r", "z", "n"} and g["z"].shape == (2, 3, 5)
    hs = reference.gru_forward(xs, h0, p)
    h_prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    np.testing.assert_allclose(hs, (1 - g["z"]) * g["n"] + g["z"] * h_prev, atol=TOL)
    lg = reference.gates("lstm", xs, h0, init_params("lstm", 4, 5), c0=c0)
    assert set(lg) == {"i", "f", "g", "o"} and ((lg["f"] > 0) & (lg["f"] < 1)).all()


def stacked_data(cell, num_layers, bidirectional, N=3, T=5, D=4, H=6, seed=0):
    """Parameter dicts per layer and direction (D != H, wider than init), xs, h0 and c0."""
    K = 2 if bidirectional else 1
    params = [{k: v * 2 for k, v in init_params(cell, D if i < K else K * H, H, seed=seed + i).items()}
              for i in range(num_layers * K)]
    rng = np.random.default_rng(seed)
    return params, rng.normal(size=(N, T, D)), rng.normal(size=(num_layers * K, N, H)), rng.normal(size=(num_layers * K, N, H))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("num_layers,bidirectional", [(2, True), (3, False), (1, True), (1, False)])
def test_stacked_forward_matches_torch_nn(cell, num_layers, bidirectional):
    params, xs, h0, c0 = stacked_data(cell, num_layers, bidirectional, seed=num_layers)
    module = to_stacked_module(cell, params, bidirectional=bidirectional)
    assert (module.num_layers, module.bidirectional, module.batch_first) == (num_layers, bidirectional, True)
    with torch.no_grad():
        state = (torch.tensor(h0), torch.tensor(c0)) if cell == "lstm" else torch.tensor(h0)
        out_t, state_t = module(torch.tensor(xs), state)
    out, state = reference.stacked_forward(cell, xs, h0, params, bidirectional=bidirectional,
                                           c0=c0 if cell == "lstm" else None)
    np.testing.assert_allclose(out, out_t.numpy(), rtol=0, atol=TOL)
    if cell == "lstm":
        np.testing.assert_allclose(state[1], state_t[1].numpy(), rtol=0, atol=TOL)
        state, state_t = state[0], state_t[0]
    np.testing.assert_allclose(state, state_t.numpy(), rtol=0, atol=TOL)


def test_stacked_layout_of_output_and_h_n():
    """h_n[l * K + d] is layer l, direction d; output is the last layer, forward then backward."""
    H = 6
    params, xs, h0, _ = stacked_data("gru", 2, True, H=H)
    out, h_n = reference.stacked_forward("gru", xs, h0, params, bidirectional=True)
    assert out.shape == (3, 5, 2 * H) and h_n.shape == (4, 3, H)
    np.testing.assert_array_equal(out[:, -1, :H], h_n[2])  # forward: its last state is at t = T
    np.testing.assert_array_equal(out[:, 0, H:], h_n[3])  # backward: its last state is at t = 1
    assert not np.allclose(out[:, -1, H:], h_n[-1])  # h_n[-1] is not the backward output at T
    # one layer, one direction is the plain sequence reference; the backward one reads xs reversed
    np.testing.assert_allclose(reference.stacked_forward("gru", xs, h0[:1], params[:1])[0],
                               reference.gru_forward(xs, h0[0], params[0]), rtol=0, atol=TOL)
    backward = reference.gru_forward(xs[:, ::-1].copy(), h0[1], params[1])[:, ::-1]
    np.testing.assert_allclose(reference.stacked_forward("gru", xs, h0[:2], params[:2], bidirectional=True)[0][..., H:],
                               backward, rtol=0, atol=TOL)


def test_stacked_forward_bad_input_names_the_layer():
    params, xs, h0, c0 = stacked_data("lstm", 2, True)
    with pytest.raises(ValueError, match=r"params must be a non-empty list of num_layers \* 2 parameter dicts "
                                         r"\(bidirectional=True\), got 3 dicts"):
        reference.stacked_forward("lstm", xs, h0, params[:3], bidirectional=True, c0=c0)
    wrong = params[:2] + [init_params("lstm", 6, 6)] + params[3:]  # layer 1 reads 2H = 12 inputs
    with pytest.raises(ValueError, match=r"params\[2\] \(layer 1, direction 0\): p\['weight_ih'\] has shape \(24, 6\), "
                                         r"expected \(24, 12\)"):
        reference.stacked_forward("lstm", xs, h0, wrong, bidirectional=True, c0=c0)
    with pytest.raises(ValueError, match=r"h0 has shape \(2, 3, 6\), expected \(4, 3, 6\)"):
        reference.stacked_forward("lstm", xs, h0[:2], params, bidirectional=True, c0=c0)
    with pytest.raises(ValueError, match="c0 is needed for cell='lstm'"):
        reference.stacked_forward("lstm", xs, h0, params, bidirectional=True)
    with pytest.raises(ValueError, match=r"xs has shape \(3, 5, 6\), expected \(any, any, 4\)"):
        reference.stacked_forward("lstm", np.zeros((3, 5, 6)), h0, params, bidirectional=True, c0=c0)


def sdpa(q, k, v, mask, dout):
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    out = torch.nn.functional.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=None if mask is None else torch.tensor(mask))
    (out * torch.tensor(dout)).sum().backward()
    return out.detach().numpy(), tq.grad.numpy(), tk.grad.numpy(), tv.grad.numpy()


MASKS = {
    "none": lambda N, Tq, Tk, rng: None,
    "causal": lambda N, Tq, Tk, rng: np.tril(np.ones((Tq, Tk), dtype=bool)),
    "padding": lambda N, Tq, Tk, rng: np.arange(Tk)[None, None, :] < rng.integers(1, Tk + 1, size=(N, 1, 1)),
    "random": lambda N, Tq, Tk, rng: (rng.random((N, Tq, Tk)) < 0.5) | (np.arange(Tk) == 0),
}


@pytest.mark.parametrize("mask_kind", MASKS)
@pytest.mark.parametrize("N,Tq,Tk,d,dv", [(2, 3, 3, 4, 5), (3, 1, 4, 2, 3), (1, 5, 2, 6, 1), (2, 4, 6, 3, 3)])
def test_attention_matches_sdpa(mask_kind, N, Tq, Tk, d, dv):
    rng = np.random.default_rng(N + Tq + Tk)
    q, k, v = rng.normal(size=(N, Tq, d)) * 3, rng.normal(size=(N, Tk, d)), rng.normal(size=(N, Tk, dv))
    dout, mask = rng.normal(size=(N, Tq, dv)), MASKS[mask_kind](N, Tq, Tk, rng)
    out_t, dq_t, dk_t, dv_t = sdpa(q, k, v, mask, dout)
    out, weights = reference.attention(q, k, v, mask)
    np.testing.assert_allclose(out, out_t, rtol=0, atol=TOL)
    np.testing.assert_allclose(weights.sum(-1), 1, atol=TOL)
    if mask is not None:
        assert (weights[~np.broadcast_to(mask, weights.shape)] == 0).all()
    for mine, theirs in zip(reference.attention_backward(q, k, v, dout, mask), (dq_t, dk_t, dv_t)):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOL)


def test_sigmoid_softmax_are_stable_and_exact():
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    np.testing.assert_allclose(reference.sigmoid(x), [0, 1 / (1 + np.exp(30)), 0.5, 1 / (1 + np.exp(-30)), 1], atol=1e-300)
    s = reference.softmax(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(s, [[0.5, 0.5, 0.0]])
    np.testing.assert_allclose(reference.softmax(np.eye(3) * 5, axis=0).sum(axis=0), 1)


def test_hidden_jacobian_is_diag_tanh_prime_times_w_hh():
    p = init_params("rnn", 3, 4, seed=1)
    rng = np.random.default_rng(0)
    x, h = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    J = reference.hidden_jacobian(x, h, p)
    h1 = reference.rnn_step(x, h, p)
    expected = (1 - h1**2)[:, :, None] * p["weight_hh"][None]  # (N, H, H)
    np.testing.assert_allclose(J, expected, atol=TOL)


def test_clip_grad_norm_matches_torch_semantics():
    grads = {"a": np.full((2, 2), 3.0), "b": np.array([4.0, 0.0])}
    before = {k: v.copy() for k, v in grads.items()}
    clipped, total = reference.clip_grad_norm(grads, 1.0)
    assert total == pytest.approx(np.sqrt(4 * 9 + 16))
    np.testing.assert_allclose(clipped["a"], 3.0 / (total + 1e-6))
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])  # inputs untouched
    same, _ = reference.clip_grad_norm(grads, 100.0)
    np.testing.assert_array_equal(same["b"], grads["b"])


BAD = [
    (lambda p, xs, h0: reference.rnn_forward(xs[0], h0, p), r"xs has shape \(4, 5\), expected \(any, any, 5\)"),
    (lambda p, xs, h0: reference.rnn_forward(xs[..., :3], h0, p), r"xs has shape \(3, 4, 3\), expected \(any, any, 5\)"),
    (lambda p, xs, h0: reference.rnn_forward(xs, h0[:, :2], p), r"h0 has shape \(3, 2\), expected \(3, 6\)"),
    (lambda p, xs, h0: reference.rnn_forward(xs, h0[:2], p), r"h0 has shape \(2, 6\), expected \(3, 6\)"),
    (lambda p, xs, h0: reference.rnn_forward(xs, h0, {k: v for k, v in p.items() if k != "bias_hh"}),
     r"p is missing key\(s\) \['bias_hh'\]"),
    (lambda p, xs, h0: reference.rnn_forward(xs, h0, {**p, "weight_hh": p["weight_hh"].T[:, :5]}),
     r"p\['weight_hh'\] has shape \(6, 5\)"),
    (lambda p, xs, h0: reference.gru_forward(xs, h0, p), r"p\['weight_hh'\] has shape \(6, 6\), expected \(18, 6\)"),
    (lambda p, xs, h0: reference.rnn_backward(xs, h0, p, np.zeros((3, 4, 5))), r"dhs has shape \(3, 4, 5\), expected \(3, 4, 6\)"),
    (lambda p, xs, h0: reference.rnn_step(xs, h0, p), r"x has shape \(3, 4, 5\), expected \(any, any\)"),
    (lambda p, xs, h0: reference.rnn_forward(xs[:, :0], h0, p), r"N and T must be at least 1"),
    (lambda p, xs, h0: init_params("transformer", 2, 3), r"cell must be one of \['gru', 'lstm', 'rnn'\], got 'transformer'"),
    (lambda p, xs, h0: init_params("gru", 0, 3), r"input_size must be a positive int"),
    (lambda p, xs, h0: reference.gates("rnn", xs, h0, p), r"cell must be 'gru' or 'lstm'"),
]


@pytest.mark.parametrize("call,message", BAD)
def test_bad_input_names_the_argument_and_shapes(call, message):
    p = init_params("rnn", 5, 6)
    xs, h0 = np.zeros((3, 4, 5)), np.zeros((3, 6))
    with pytest.raises(ValueError, match=message):
        call(p, xs, h0)


def test_bad_attention_input():
    q, k, v = np.zeros((2, 3, 4)), np.zeros((2, 5, 4)), np.zeros((2, 5, 6))
    with pytest.raises(ValueError, match=r"k has shape \(2, 5, 3\), expected \(2, any, 4\)"):
        reference.attention(q, k[..., :3], v)
    with pytest.raises(ValueError, match=r"v has shape \(2, 4, 6\), expected \(2, 5, any\)"):
        reference.attention(q, k, v[:, :4])
    with pytest.raises(ValueError, match=r"mask has shape \(3, 4\), expected one broadcastable to \(2, 3, 5\)"):
        reference.attention(q, k, v, np.ones((3, 4), dtype=bool))
    with pytest.raises(TypeError, match="mask must be a boolean"):
        reference.attention(q, k, v, np.ones((3, 5)))
    with pytest.raises(ValueError, match="some query attend to no key"):
        reference.attention(q, k, v, np.zeros((3, 5), dtype=bool))
    with pytest.raises(ValueError, match=r"dout has shape \(2, 3, 4\), expected \(2, 3, 6\)"):
        reference.attention_backward(q, k, v, np.zeros((2, 3, 4)))
    with pytest.raises(TypeError, match="q must be a NumPy array"):
        reference.attention([[1.0]], k, v)
