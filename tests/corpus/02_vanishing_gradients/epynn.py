"""EpyNN (GPL-3.0, the repository's LICENSE) numerics, adapted to the 02_vanishing_gradients interface.

Source: Synthaze/EpyNN, epynn/commons/maths.py (sigmoid, clip_gradient, E_SAFE),
commit 26b1875dc3da62ea059251743bda6f2b1c95b869.
The author's "numerically stable" sigmoid uses np.where, which evaluates both branches on every
entry before choosing. clip_gradient(layer, max_norm) clips a layer's gradient dict layer.g in place,
adding E_SAFE = 1e-16 to every entry before squaring and to the norm in the divisor.

Adaptation, as a student would: sigmoid(x) calls the author's sigmoid(x, deriv=False) unchanged.
clip_grad_norm(grads, max_norm) is the author's body with `layer.g` replaced by `grads`, returning
the dict and total_norm. The arithmetic, and any bug in it, is the author's.
"""
import numpy as np

# To prevent from divide floatting points errors
E_SAFE = 1e-16


def _sigmoid(x, deriv=False):
    if not deriv:
        # Numerically stable version of sigmoid function
        x = np.where(
            x >= 0, # condition
            1 / (1+np.exp(-x)), # For positive values
            np.exp(x) / (1+np.exp(x)) # For negative values
        )

    elif deriv:
        x = _sigmoid(x) * (1-_sigmoid(x))

    return x


def sigmoid(x):
    return _sigmoid(x)


def clip_grad_norm(grads, max_norm):
    total_norm = 0

    # Compute L2 norm squared for each gradient
    for grad in grads.values():
        grad_norm = np.sum(np.power(grad + E_SAFE, 2))
        total_norm += grad_norm    # Add to total norm

    total_norm = np.sqrt(total_norm)

    # Compute clipping coeficient
    clip_coef = max_norm / (total_norm+E_SAFE)

    # Clip the gradient if norm is greater than max norm
    if clip_coef < 1:
        for g in grads.keys():
            grads[g] *= clip_coef

    return grads, total_norm


# How each tag was verified (scratch script):
# - sigmoid_where_overflow: the values are right, but both branches run on every entry, so
#   np.exp(-x) overflows for x <= -710 and np.exp(x) for x >= 710 (RuntimeWarning: overflow, and
#   invalid value from inf / inf in the branch not taken).
# - modifies_input: with total norm > max_norm, `grads[g] *= clip_coef` scales the caller's arrays.
# - clip_eps_1e-16: the scale is max_norm / (total + 1e-16); on copies it equals torch's
#   clip_grad_norm_ with eps 1e-6 removed (the grader's "no_eps" model) to 3e-14 relative (the 1e-16 added to
#   every entry changes the norm by less than 1e-15 relative).
EXPECTED = {
    "sigmoid": ["sigmoid_where_overflow"],
    "clip_grad_norm": ["modifies_input", "clip_eps_1e-16"],
}
