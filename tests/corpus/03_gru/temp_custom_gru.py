"""A PyTorch-op GRU cell function, translated op for op to NumPy for 03_gru (step forward only).

Source: JiapengWu/TeMP, baselines/custom_gru.py, commit 3dcddc869483520f69922846b1639b2808a6300f
(function gru_cell(input, hidden, w_ih, w_hh, b_ih, b_hh), written in torch ops, forward only):
    gi = torch.mm(input, w_ih.t()) + b_ih;  gh = torch.mm(hidden, w_hh.t()) + b_hh
    i_r, i_i, i_n = gi.chunk(3, 1);  h_r, h_i, h_n = gh.chunk(3, 1)
    resetgate = torch.sigmoid(i_r + h_r);  inputgate = torch.sigmoid(i_i + h_i)
    newgate = torch.tanh(i_n + resetgate * h_n);  hy = newgate + inputgate * (hidden - newgate)
(The same file's GRUCell class is a different, input-free-gate model and is not used.)

Adaptation, as a student would: torch.mm becomes np.dot, .t() .T, chunk(3, 1) np.split(..., 3,
axis=1), torch.tanh np.tanh; torch.sigmoid has no numpy namesake and is written 1 / (1 + np.exp(-x)).
The function is called with p's four arrays; there is no cache (None).
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


def _sigmoid(x):  # torch.sigmoid
    return 1 / (1 + np.exp(-x))


def gru_cell(input, hidden, w_ih, w_hh, b_ih, b_hh):
    gi = np.dot(input, w_ih.T) + b_ih
    gh = np.dot(hidden, w_hh.T) + b_hh
    i_r, i_i, i_n = np.split(gi, 3, axis=1)
    h_r, h_i, h_n = np.split(gh, 3, axis=1)

    resetgate = _sigmoid(i_r + h_r)
    inputgate = _sigmoid(i_i + h_i)
    newgate = np.tanh(i_n + resetgate * h_n)
    hy = newgate + inputgate * (hidden - newgate)

    return hy


def gru_step_forward(x, h_prev, p):
    return gru_cell(x, h_prev, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"]), None


# Verified: passes rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "gru_step_forward": [],
}
