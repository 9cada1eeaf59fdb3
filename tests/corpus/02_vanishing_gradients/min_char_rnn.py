"""Andrej Karpathy's min-char-rnn gradient clipping, adapted to the 02_vanishing_gradients interface.

Source: Karpathy's gist "min-char-rnn.py" (gist.github.com/karpathy/d4dee566867f8291f086, BSD
license), read in the verbatim copy Anirudh-Swaminathan/ece_285_fa19_project,
learning_stuff/min_char_rnn.py, commit 4bc54ab81678d021e059fe3b3ba6fee503c20520, end of lossFun:
    for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
        np.clip(dparam, -5, 5, out=dparam) # clip to mitigate exploding gradients
Clipping each entry to [-5, 5], in place; no norm is computed.

Adaptation, as a student would: the loop runs over grads.values() with the bound max_norm in place
of 5. The course's function must also return the norm, which the author never computes; the
adapter computes the global L2 norm of the gradients before clipping,
np.sqrt(sum(np.sum(g ** 2) for g in grads.values())), and returns it with the dict.
The clipping arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def clip_grad_norm(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))  # added: the author has no norm
    for dparam in grads.values():
        np.clip(dparam, -max_norm, max_norm, out=dparam) # clip to mitigate exploding gradients
    return grads, total_norm


# How each tag was verified (scratch script, seeds 0..2, sizes of the hidden tests):
# - modifies_input: np.clip(..., out=dparam) writes into the caller's arrays whenever an entry
#   exceeds max_norm.
# - clip_per_element: on copies, each entry equals np.clip(g, -max_norm, max_norm); this differs
#   from torch's clip_grad_norm_ (one global scale) and from every model in the grader's table.
EXPECTED = {
    "clip_grad_norm": ["modifies_input", "clip_per_element"],
}
