import numpy as np
import pytest

from rnnkit import init_params, reference
from rnnkit.gradcheck import check_gradients, numerical_gradient, rel_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(lambda a: np.sum(a**3), x), 3 * x**2, rtol=1e-8)
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(numerical_gradient(np.sin, x, dout), dout * np.cos(x), rtol=1e-8)
    assert x[0, 0] == 1.0  # x is never modified


def test_gradients_of_the_reference_rnn_pass_the_check():
    rng = np.random.default_rng(0)
    p, xs, h0 = init_params("rnn", 3, 4), rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 4))
    dhs = rng.normal(size=(2, 3, 4))
    dxs, dh0, grads = reference.rnn_backward(xs, h0, p, dhs)
    f = lambda xs, h0, **params: reference.rnn_forward(xs, h0, params)  # noqa: E731
    errors = check_gradients(f, {"xs": xs, "h0": h0, **p}, {"xs": dxs, "h0": dh0, **grads}, dhs)
    assert set(errors) == {"xs", "h0", *p} and max(errors.values()) < 1e-7
    wrong = check_gradients(f, {"xs": xs, "h0": h0, **p}, {"weight_hh": grads["weight_hh"].T}, dhs)
    assert wrong["weight_hh"] > 1e-2  # a transposed gradient is caught


def test_rel_error():
    assert rel_error(np.ones(3), np.ones(3)) == 0.0
    assert rel_error(np.array([1.0, 0.0]), np.array([1.0 + 1e-6, 1e-9])) == pytest.approx(1e-6, rel=1e-3)
    assert rel_error(np.zeros(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match=r"a has shape \(3,\) but b has shape \(2,\)"):
        rel_error(np.ones(3), np.ones(2))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"f returned shape \(2,\); pass dout"):
        numerical_gradient(lambda a: a, np.ones(2))
    with pytest.raises(ValueError, match=r"dout has shape \(3,\), expected f\(x\)'s shape \(2,\)"):
        numerical_gradient(lambda a: a, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"analytic has key\(s\) \['w'\]"):
        check_gradients(lambda x: x, {"x": np.ones(2)}, {"w": np.ones(2)}, np.ones(2))
