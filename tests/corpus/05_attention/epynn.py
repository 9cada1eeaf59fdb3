"""EpyNN (GPL-3.0, the repository's LICENSE) softmax, adapted to the 05_attention interface (softmax only).

Source: Synthaze/EpyNN, epynn/commons/maths.py (softmax), commit
26b1875dc3da62ea059251743bda6f2b1c95b869. The author's softmax subtracts the maximum along axis 1
and divides by a temperature T read from the layer's hyper-parameters (a module global set by
activation_tune; EpyNN's default softmax_temperature is 1).

Adaptation, as a student would: the temperature is fixed at its default, T = 1, `axis=1` becomes
`axis=axis`, and the derivative branch (deriv=True, not graded) is dropped.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def softmax(scores, axis=-1):
    x = scores
    T = 1  # the author: layer_hPars['softmax_temperature']

    # Numerically stable version of softmax function
    x_safe = x - np.max(x, axis=axis, keepdims=True)

    x_exp = np.exp(x_safe / T)
    x_sum = np.sum(x_exp, axis=axis, keepdims=True)

    x = x_exp / x_sum

    return x


# Verified: passes rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "softmax": [],
}
