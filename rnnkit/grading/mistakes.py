"""The common mistakes the grader can name: each a `Mistake`, with the words a student reads.

rnnkit.grading.mistake_models makes each mistake in torch; rnnkit.grading.specs says which of
these tables a graded function is compared with. Plain data, so that grading imports no torch.
"""

import enum


class Mistake(enum.Enum):
    """A mistake that the models of rnnkit.grading.mistake_models can make; the value says how."""

    # a recurrent cell's forward pass
    WHH_TRANSPOSED = "h @ W_hh (or a block of it) instead of h @ W_hh.T"
    NO_B_IH = "b_ih left out"
    NO_B_HH = "b_hh left out"
    NO_TANH = "the RNN's tanh left out"
    SIGMOID = "sigmoid instead of the RNN's tanh"
    RESET_BEFORE = "GRU: r multiplies h before the product with W_hn"
    Z_SWAPPED = "GRU: z and 1 - z exchanged"
    B_HN_OUTSIDE = "GRU: b_hn added outside r's product"
    GATE_ORDER_ZRN = "GRU gates read z, r, n"
    GATE_ORDER_RNZ = "GRU gates read r, n, z"
    GATE_ORDER_NRZ = "GRU gates read n, r, z"
    GATE_ORDER_IFOG = "LSTM gates read i, f, o, g"
    GATE_ORDER_FIGO = "LSTM gates read f, i, g, o"
    GATE_ORDER_IGFO = "LSTM gates read i, g, f, o"
    G_SIGMOID = "LSTM: sigmoid for the candidate g"
    NO_TANH_C = "LSTM: h' = o * c' without tanh"
    # a recurrent cell's backward pass (the forward value is right)
    TANH_NO_GRAD = "tanh' left out"
    TANH_GRAD_OF_INPUT = "tanh' as 1 - a² of the pre-activation"
    SIGMOID_NO_GRAD = "σ' left out"
    DH_USES_TRANSPOSE = "dh = da @ W.T instead of da @ W"
    NO_GRAD_DIRECT_H = "GRU: no gradient on the path z * h_prev"
    NO_GRAD_R = "GRU: no gradient through r"
    NO_GRAD_H_THROUGH_R = "GRU: no gradient from r into h_prev"
    NO_GRAD_H_THROUGH_Z = "GRU: no gradient from z into h_prev"
    NO_GRAD_H_INTO_C = "LSTM: no gradient from h' into c'"
    DC_PREV_MISSING_F = "LSTM: dc_prev = dc, without f"
    DW_HH_TRANSPOSED = "the gradient of W_hh transposed"
    BIAS_GRAD_AVERAGED = "bias gradients averaged over the batch, not summed"
    # a sequence
    STATE_NOT_UPDATED = "every step reads the initial state"
    OFF_BY_ONE = "the states h_0 .. h_{T-1} returned"
    NO_CARRY = "no gradient from step t into step t - 1"
    NO_CARRY_H = "LSTM: no gradient from step t into step t - 1 through h"
    NO_CARRY_C = "LSTM: no gradient from step t into step t - 1 through c"
    OVERWRITE_FIRST = "the parameter gradients of step 0 only"
    OVERWRITE_LAST = "the parameter gradients of the last step only"
    # attention
    NO_SCALE = "scores not scaled"
    SCALE_BY_D = "scores divided by d"
    SOFTMAX_OVER_QUERIES = "softmax over the queries"
    MASK_INVERTED = "the mask inverted"
    MASK_AFTER_SOFTMAX = "the mask applied to the weights"
    MASK_IGNORED = "the mask ignored"
    SOFTMAX_DIAG_GRAD = "the softmax backward with only its Jacobian's diagonal"
    SCALE_NO_GRAD = "the 1/√d scale left out of the gradient"


# ---- recurrent cells: description -> mistake, in the order in which ties are resolved ------

CELL_FORWARD = {
    "rnn": {
        "W_hh is used untransposed: the recurrent term must be h_prev @ W_hh.T (W_hh is stored (out, in), "
        "as in PyTorch; a square matrix hides the mistake from shape checks)": Mistake.WHH_TRANSPOSED,
        "b_ih is missing from the pre-activation": Mistake.NO_B_IH,
        "b_hh is missing from the pre-activation": Mistake.NO_B_HH,
        "the nonlinearity is missing: h_next = tanh(a), not a": Mistake.NO_TANH,
        "sigmoid is used where the RNN uses tanh": Mistake.SIGMOID,
    },
    "gru": {
        "the reset gate is applied before the product, r ⊙ h inside W_hn (Cho et al. 2014's GRU); "
        "this course follows PyTorch: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))": Mistake.RESET_BEFORE,
        "z and 1 − z are swapped: PyTorch's GRU keeps the old state with z, h' = (1 − z) ⊙ n + z ⊙ h":
            Mistake.Z_SWAPPED,
        "b_hn is added outside the reset gate's product; it belongs inside: r ⊙ (W_hn h + b_hn)":
            Mistake.B_HN_OUTSIDE,
        "the gates are read in the order z, r, n; PyTorch stacks them r, z, n": Mistake.GATE_ORDER_ZRN,
        "the gates are read in the order r, n, z; PyTorch stacks them r, z, n": Mistake.GATE_ORDER_RNZ,
        "the gates are read in the order n, r, z; PyTorch stacks them r, z, n": Mistake.GATE_ORDER_NRZ,
        "the recurrent weight blocks are used untransposed: h @ W_h?.T, since weights are stored (out, in)":
            Mistake.WHH_TRANSPOSED,
    },
    "lstm": {
        "the gates are read in the order i, f, o, g (as in CS231n); PyTorch stacks them i, f, g, o":
            Mistake.GATE_ORDER_IFOG,
        "the gates are read in the order f, i, g, o; PyTorch stacks them i, f, g, o": Mistake.GATE_ORDER_FIGO,
        "the gates are read in the order i, g, f, o; PyTorch stacks them i, f, g, o": Mistake.GATE_ORDER_IGFO,
        "the candidate g uses sigmoid; it uses tanh": Mistake.G_SIGMOID,
        "tanh of the new cell state is missing: h' = o ⊙ tanh(c')": Mistake.NO_TANH_C,
        "the recurrent weight blocks are used untransposed: h @ W_h?.T, since weights are stored (out, in)":
            Mistake.WHH_TRANSPOSED,
    },
}

CELL_BACKWARD = {
    "rnn": {
        "tanh' is missing: the gradient through h = tanh(a) is da = dh ⊙ (1 − h²)": Mistake.TANH_NO_GRAD,
        "tanh' is computed from the pre-activation, 1 − a²; it is 1 − tanh(a)² = 1 − h²": Mistake.TANH_GRAD_OF_INPUT,
        "dh_prev uses W_hh.T; since a = … + h_prev @ W_hh.T, dh_prev = da @ W_hh": Mistake.DH_USES_TRANSPOSE,
    },
    "gru": {
        "the direct path from h_prev to h' is missing: h' = (1 − z) ⊙ n + z ⊙ h_prev gives dh_prev a term "
        "dh ⊙ z": Mistake.NO_GRAD_DIRECT_H,
        "the gradient through the reset gate r is missing (n depends on r)": Mistake.NO_GRAD_R,
        "the gradient from r back into h_prev is missing (r depends on h_prev)": Mistake.NO_GRAD_H_THROUGH_R,
        "the gradient from z back into h_prev is missing (z depends on h_prev)": Mistake.NO_GRAD_H_THROUGH_Z,
        "σ' is missing: the gradient through a gate σ(a) is dσ ⊙ σ(a)(1 − σ(a))": Mistake.SIGMOID_NO_GRAD,
        "tanh' is missing: the gradient through n = tanh(a) is dn ⊙ (1 − n²)": Mistake.TANH_NO_GRAD,
        "dh_prev uses W_h?.T; since a = … + h_prev @ W.T, dh_prev = da @ W": Mistake.DH_USES_TRANSPOSE,
    },
    "lstm": {
        "the path from h' into c' is missing: h' = o ⊙ tanh(c') adds dh ⊙ o ⊙ (1 − tanh²(c')) to dc":
            Mistake.NO_GRAD_H_INTO_C,
        "dc_prev misses the forget gate: c' = f ⊙ c + i ⊙ g gives dc_prev = dc ⊙ f": Mistake.DC_PREV_MISSING_F,
        "σ' is missing: the gradient through a gate σ(a) is dσ ⊙ σ(a)(1 − σ(a))": Mistake.SIGMOID_NO_GRAD,
        "tanh' is missing somewhere: d tanh(a) = (1 − tanh²(a)) da": Mistake.TANH_NO_GRAD,
        "dh_prev uses W_h?.T; since a = … + h_prev @ W.T, dh_prev = da @ W": Mistake.DH_USES_TRANSPOSE,
    },
}

# Only the RNN's W_hh is square: a GRU's or LSTM's transposed gradient fails the shape check first.
DW_HH_TRANSPOSED = {
    "the gradient of W_hh is transposed: dW_hh = da.T @ h_prev has W_hh's shape (out, in)": Mistake.DW_HH_TRANSPOSED,
}
BIAS_GRAD_AVERAGED = {
    "the bias gradients are averaged over the batch; sum them, as the loss sums over samples":
        Mistake.BIAS_GRAD_AVERAGED,
}

SEQUENCE = {
    "every step reads the initial state: h_t must be computed from h_{t-1}, the previous step's output":
        Mistake.STATE_NOT_UPDATED,
    "the states are shifted by one: hs[:, t] must be h_{t+1}, the state after reading xs[:, t] "
    "(h0 is not part of hs)": Mistake.OFF_BY_ONE,
}

BPTT = {
    "the carry is missing: at step t the upstream gradient is dhs[:, t] plus the dh_prev that step t+1 "
    "passed back": Mistake.NO_CARRY,
    "parameter gradients are overwritten at each step instead of summed over time (only step 0 is left)":
        Mistake.OVERWRITE_FIRST,
    "parameter gradients are overwritten at each step instead of summed over time (only the last step is "
    "left)": Mistake.OVERWRITE_LAST,
}
LSTM_BPTT = {
    "the cell-state carry is missing: dc_prev of step t+1 must flow into step t": Mistake.NO_CARRY_C,
    "the hidden-state carry is missing: dh_prev of step t+1 must be added to dhs[:, t]": Mistake.NO_CARRY_H,
}

# ---- attention -------------------------------------------------------------------------------

ATTENTION_FORWARD = {
    "the scores are not scaled: A = softmax(Q Kᵀ / √d)": Mistake.NO_SCALE,
    "the scores are divided by d; divide by √d": Mistake.SCALE_BY_D,
    "softmax runs over the queries (axis −2); each query's weights over the keys must sum to 1 (axis −1)":
        Mistake.SOFTMAX_OVER_QUERIES,
    "the mask is inverted: True means 'may attend', so the scores where mask is False get −∞":
        Mistake.MASK_INVERTED,
    "the mask is applied after the softmax; mask the scores before it, so the weights still sum to 1":
        Mistake.MASK_AFTER_SOFTMAX,
    "the mask is ignored": Mistake.MASK_IGNORED,
}
ATTENTION_BACKWARD = {
    "the softmax backward keeps only the diagonal; dS = A ⊙ (dA − Σ_k A ⊙ dA) (row sums)": Mistake.SOFTMAX_DIAG_GRAD,
    "the 1/√d scale is missing from the gradients of q and k": Mistake.SCALE_NO_GRAD,
}
