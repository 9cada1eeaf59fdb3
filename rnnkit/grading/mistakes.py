"""The common mistakes the grader can name: each a `Mistake`, with the words a student reads.

rnnkit.grading.mistake_models makes each mistake in torch; rnnkit.grading.forms names the
published forms that some combinations are; rnnkit.grading.specs says which of these tables a
graded function is compared with. Plain data, so that grading imports no torch.

A table maps each mistake to what a student reads about it, in the order in which ties are
broken: the commoner mistake first.
"""

import enum


class Mistake(enum.Enum):
    """A mistake that the models of rnnkit.grading.mistake_models can make; the value is the
    short label the class report shows."""

    # a recurrent cell's forward pass
    WHH_TRANSPOSED = "recurrent weights used untransposed (h @ W_hh)"
    NO_B_IH = "b_ih left out"
    NO_B_HH = "b_hh left out"
    NO_BIASES = "biases left out"
    NO_TANH = "the RNN's tanh left out"
    SIGMOID = "sigmoid instead of the RNN's tanh"
    RESET_BEFORE = "GRU: reset gate before the product (Cho et al. 2014)"
    Z_SWAPPED = "GRU: z and 1 − z exchanged (Chung et al. 2014)"
    B_HN_OUTSIDE = "GRU: b_hn outside the reset gate's product"
    GATE_ORDER_ZRN = "GRU gates read z, r, n"
    GATE_ORDER_RNZ = "GRU gates read r, n, z"
    GATE_ORDER_NRZ = "GRU gates read n, r, z"
    GATE_ORDER_IFOG = "LSTM gates read i, f, o, g (CS231n)"
    GATE_ORDER_FIGO = "LSTM gates read f, i, g, o"
    GATE_ORDER_IGFO = "LSTM gates read i, g, f, o (TensorFlow 1)"
    GATE_ORDER_FGIO = "LSTM gates read f, g, i, o (Deep Learning from Scratch 2)"
    GATE_ORDER_IOFG = "LSTM gates read i, o, f, g (ONNX)"
    G_SIGMOID = "LSTM: sigmoid for the candidate g"
    NO_TANH_C = "LSTM: h' = o * c' without tanh"
    # a recurrent cell's backward pass (the forward value is right)
    TANH_NO_GRAD = "tanh' left out"
    TANH_GRAD_OF_INPUT = "tanh' as 1 - a² of the pre-activation"
    SIGMOID_NO_GRAD = "σ' left out"
    SIGMOID_GRAD_OF_INPUT = "σ' as a(1 - a) of the pre-activation"
    DH_USES_TRANSPOSE = "dh = da @ W.T instead of da @ W"
    NO_GRAD_DIRECT_H = "GRU: no gradient on the path z * h_prev"
    NO_GRAD_R = "GRU: no gradient through r"
    NO_GRAD_H_THROUGH_R = "GRU: no gradient from r into h_prev"
    NO_GRAD_H_THROUGH_Z = "GRU: no gradient from z into h_prev"
    NO_GRAD_H_INTO_C = "LSTM: no gradient from h' into c'"
    DC_PREV_MISSING_F = "LSTM: dc_prev = dc, without f"
    DW_HH_TRANSPOSED = "the gradient of W_hh transposed"
    WEIGHT_GRAD_AVERAGED = "weight gradients averaged over the batch"
    BIAS_GRAD_AVERAGED = "bias gradients averaged over the batch"
    # a sequence
    STATE_NOT_UPDATED = "every step reads the initial state"
    OFF_BY_ONE = "the states shifted by one (h_0 .. h_{T-1} returned)"
    NO_CARRY = "no carry: no gradient from step t into step t - 1"
    NO_CARRY_H = "LSTM: no gradient from step t into step t - 1 through h"
    NO_CARRY_C = "LSTM: no gradient from step t into step t - 1 through c"
    OVERWRITE_FIRST = "parameter gradients overwritten at each step (step 0's kept)"
    OVERWRITE_LAST = "parameter gradients overwritten at each step (the last step's kept)"
    # numerics of gradients
    SIGMOID_OF_MINUS_X = "σ(−x) computed"
    SIGMOID_IS_TANH = "tanh computed instead of σ"
    SIGMOID_TANH_UNHALVED = "σ(x) as (1 + tanh(x)) / 2"
    JACOBIAN_TRANSPOSED = "each Jacobian transposed"
    JACOBIAN_COLUMNS = "tanh' scales the Jacobian's columns"
    JACOBIAN_NO_TANH_GRAD = "tanh' left out of the Jacobian"
    JACOBIAN_ONE_MINUS_H = "tanh' as 1 − h in the Jacobian"
    CLIP_PER_ARRAY = "each array clipped on its own"
    CLIP_PER_ELEMENT = "each entry clipped to ±max_norm"
    CLIP_ALWAYS = "gradients scaled even below max_norm"
    CLIP_NO_EPS = "clipping without torch's 1e-6"
    CLIP_NORM_SQUARED = "the squared norm returned"
    CLIP_NORM_AFTER = "the norm after clipping returned"
    # attention
    SOFTMAX_WRONG_AXIS = "softmax over the wrong axis"
    SOFTMAX_NOT_NORMALISED = "exponentials not normalised"
    SOFTMAX_ONLY_2D = "scores of more than 2 dimensions returned unchanged"
    NO_SCALE = "scores not scaled"
    SCALE_BY_D = "scores divided by d"
    SOFTMAX_OVER_QUERIES = "softmax over the queries"
    MASK_INVERTED = "the mask inverted"
    MASK_ADDED = "the mask added as −1e10 instead of setting −∞"
    MASK_AFTER_SOFTMAX = "the mask applied to the weights"
    MASK_IGNORED = "the mask ignored"
    SOFTMAX_DIAG_GRAD = "the softmax backward with only its Jacobian's diagonal"
    SCALE_NO_GRAD = "the 1/√d scale left out of the gradient"


# Mistakes that cannot be made together: a cell reads its gates in one order, a carry is dropped
# whole or in part... A combination holds at most one mistake of each group.
EXCLUSIVE = (
    frozenset(m for m in Mistake if m.name.startswith("GATE_ORDER_")),
    frozenset({Mistake.RESET_BEFORE, Mistake.B_HN_OUTSIDE}),
    frozenset({Mistake.NO_BIASES, Mistake.B_HN_OUTSIDE}),
    frozenset({Mistake.NO_BIASES, Mistake.NO_B_IH}),
    frozenset({Mistake.NO_BIASES, Mistake.NO_B_HH}),
    frozenset({Mistake.NO_TANH, Mistake.SIGMOID, Mistake.TANH_NO_GRAD, Mistake.TANH_GRAD_OF_INPUT}),
    frozenset({Mistake.SIGMOID_NO_GRAD, Mistake.SIGMOID_GRAD_OF_INPUT}),
    frozenset({Mistake.WHH_TRANSPOSED, Mistake.DH_USES_TRANSPOSE}),
    frozenset({Mistake.NO_TANH_C, Mistake.NO_GRAD_H_INTO_C}),
    frozenset({Mistake.NO_GRAD_R, Mistake.NO_GRAD_H_THROUGH_R}),
    frozenset({Mistake.NO_CARRY, Mistake.NO_CARRY_H, Mistake.NO_CARRY_C}),
    frozenset({Mistake.OVERWRITE_FIRST, Mistake.OVERWRITE_LAST}),
    frozenset({Mistake.SIGMOID_OF_MINUS_X, Mistake.SIGMOID_IS_TANH, Mistake.SIGMOID_TANH_UNHALVED}),
    frozenset({Mistake.JACOBIAN_COLUMNS, Mistake.JACOBIAN_NO_TANH_GRAD, Mistake.JACOBIAN_ONE_MINUS_H}),
    frozenset({Mistake.CLIP_PER_ELEMENT, Mistake.CLIP_PER_ARRAY, Mistake.CLIP_ALWAYS, Mistake.CLIP_NO_EPS}),
    frozenset({Mistake.CLIP_PER_ARRAY, Mistake.CLIP_ALWAYS}),
    frozenset({Mistake.CLIP_NORM_SQUARED, Mistake.CLIP_NORM_AFTER}),
    frozenset({Mistake.SOFTMAX_WRONG_AXIS, Mistake.SOFTMAX_NOT_NORMALISED}),
    frozenset({Mistake.NO_SCALE, Mistake.SCALE_BY_D, Mistake.SCALE_NO_GRAD}),
    frozenset({Mistake.MASK_INVERTED, Mistake.MASK_AFTER_SOFTMAX, Mistake.MASK_IGNORED}),
    frozenset({Mistake.MASK_ADDED, Mistake.MASK_AFTER_SOFTMAX, Mistake.MASK_IGNORED}),
    frozenset({Mistake.SOFTMAX_OVER_QUERIES, Mistake.SOFTMAX_DIAG_GRAD}),
)


def compatible(mistakes):
    """Whether the mistakes can be made together: at most one of each EXCLUSIVE group."""
    return all(len(group & mistakes) <= 1 for group in EXCLUSIVE)


# ---- recurrent cells -------------------------------------------------------------------------

_UNTRANSPOSED = "the recurrent weight blocks are used untransposed: h @ W_h?.T, since weights are stored (out, in)"

CELL_FORWARD = {
    "rnn": {
        Mistake.WHH_TRANSPOSED: "W_hh is used untransposed: the recurrent term must be h_prev @ W_hh.T (W_hh is "
                                "stored (out, in), as in PyTorch; a square matrix hides the mistake from shape checks)",
        Mistake.NO_B_IH: "b_ih is missing from the pre-activation",
        Mistake.NO_B_HH: "b_hh is missing from the pre-activation",
        Mistake.NO_TANH: "the nonlinearity is missing: h_next = tanh(a), not a",
        Mistake.SIGMOID: "sigmoid is used where the RNN uses tanh",
    },
    "gru": {
        Mistake.RESET_BEFORE: "the reset gate is applied before the product, r ⊙ h inside W_hn (Cho et al. 2014's "
                              "GRU); this course follows PyTorch: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))",
        Mistake.Z_SWAPPED: "z and 1 − z are swapped (the convention of Chung et al. 2014): PyTorch's GRU keeps the "
                           "old state with z, h' = (1 − z) ⊙ n + z ⊙ h",
        Mistake.B_HN_OUTSIDE: "b_hn is added outside the reset gate's product; it belongs inside: r ⊙ (W_hn h + b_hn)",
        Mistake.GATE_ORDER_ZRN: "the gates are read in the order z, r, n (as Keras and ONNX store them); PyTorch "
                                "stacks them r, z, n",
        Mistake.GATE_ORDER_RNZ: "the gates are read in the order r, n, z; PyTorch stacks them r, z, n",
        Mistake.GATE_ORDER_NRZ: "the gates are read in the order n, r, z; PyTorch stacks them r, z, n",
        Mistake.NO_BIASES: "the biases are left out: b_ih and b_hh enter every gate, r, z and n",
        Mistake.WHH_TRANSPOSED: _UNTRANSPOSED,
    },
    "lstm": {
        Mistake.GATE_ORDER_IFOG: "the gates are read in the order i, f, o, g (as in CS231n); PyTorch stacks them "
                                 "i, f, g, o",
        Mistake.GATE_ORDER_FGIO: "the gates are read in the order f, g, i, o (as in Deep Learning from Scratch 2); "
                                 "PyTorch stacks them i, f, g, o",
        Mistake.GATE_ORDER_IOFG: "the gates are read in the order i, o, f, g (as ONNX stores them); PyTorch stacks "
                                 "them i, f, g, o",
        Mistake.GATE_ORDER_IGFO: "the gates are read in the order i, g, f, o (as TensorFlow 1's BasicLSTMCell "
                                 "stores them); PyTorch stacks them i, f, g, o",
        Mistake.GATE_ORDER_FIGO: "the gates are read in the order f, i, g, o; PyTorch stacks them i, f, g, o",
        Mistake.G_SIGMOID: "the candidate g uses sigmoid; it uses tanh",
        Mistake.NO_TANH_C: "tanh of the new cell state is missing: h' = o ⊙ tanh(c')",
        Mistake.NO_BIASES: "the biases are left out: b_ih and b_hh enter every gate, i, f, g and o",
        Mistake.WHH_TRANSPOSED: _UNTRANSPOSED,
    },
}

_SIGMOID_NO_GRAD = "σ' is missing: the gradient through a gate σ(a) is dσ ⊙ σ(a)(1 − σ(a))"
_SIGMOID_OF_INPUT = ("σ' is computed from the pre-activation a, a(1 − a); it is σ(a)(1 − σ(a)), from the gate's "
                     "value")
_TANH_OF_INPUT = "tanh' is computed from the pre-activation, 1 − a²; it is 1 − tanh(a)², from the activation's value"
_DH_TRANSPOSE = "dh_prev uses W_h?.T; since a = … + h_prev @ W.T, dh_prev = da @ W"

CELL_BACKWARD = {
    "rnn": {
        Mistake.TANH_NO_GRAD: "tanh' is missing: the gradient through h = tanh(a) is da = dh ⊙ (1 − h²)",
        Mistake.TANH_GRAD_OF_INPUT: "tanh' is computed from the pre-activation, 1 − a²; it is 1 − tanh(a)² = 1 − h²",
        Mistake.DH_USES_TRANSPOSE: "dh_prev uses W_hh.T; since a = … + h_prev @ W_hh.T, dh_prev = da @ W_hh",
    },
    "gru": {
        Mistake.NO_GRAD_DIRECT_H: "the direct path from h_prev to h' is missing: h' = (1 − z) ⊙ n + z ⊙ h_prev gives "
                                  "dh_prev a term dh ⊙ z",
        Mistake.NO_GRAD_R: "the gradient through the reset gate r is missing (n depends on r)",
        Mistake.NO_GRAD_H_THROUGH_R: "the gradient from r back into h_prev is missing (r depends on h_prev)",
        Mistake.NO_GRAD_H_THROUGH_Z: "the gradient from z back into h_prev is missing (z depends on h_prev)",
        Mistake.SIGMOID_NO_GRAD: _SIGMOID_NO_GRAD,
        Mistake.TANH_NO_GRAD: "tanh' is missing: the gradient through n = tanh(a) is dn ⊙ (1 − n²)",
        Mistake.SIGMOID_GRAD_OF_INPUT: _SIGMOID_OF_INPUT,
        Mistake.TANH_GRAD_OF_INPUT: _TANH_OF_INPUT,
        Mistake.DH_USES_TRANSPOSE: _DH_TRANSPOSE,
    },
    "lstm": {
        Mistake.NO_GRAD_H_INTO_C: "the path from h' into c' is missing: h' = o ⊙ tanh(c') adds dh ⊙ o ⊙ "
                                  "(1 − tanh²(c')) to dc",
        Mistake.DC_PREV_MISSING_F: "dc_prev misses the forget gate: c' = f ⊙ c + i ⊙ g gives dc_prev = dc ⊙ f",
        Mistake.SIGMOID_NO_GRAD: _SIGMOID_NO_GRAD,
        Mistake.TANH_NO_GRAD: "tanh' is missing somewhere: d tanh(a) = (1 − tanh²(a)) da",
        Mistake.SIGMOID_GRAD_OF_INPUT: _SIGMOID_OF_INPUT,
        Mistake.TANH_GRAD_OF_INPUT: _TANH_OF_INPUT,
        Mistake.DH_USES_TRANSPOSE: _DH_TRANSPOSE,
    },
}

# Only the RNN's W_hh is square: a GRU's or LSTM's transposed gradient fails the shape check first.
DW_HH_TRANSPOSED = {
    Mistake.DW_HH_TRANSPOSED: "the gradient of W_hh is transposed: dW_hh = da.T @ h_prev has W_hh's shape (out, in)",
}
AVERAGED = {  # what dividing by the batch size N means, with N given where the message is written
    Mistake.WEIGHT_GRAD_AVERAGED: "the weight gradients are averaged over the batch (divided by N); sum them, as "
                                  "the loss sums over samples",
    Mistake.BIAS_GRAD_AVERAGED: "the bias gradients are averaged over the batch (divided by N); sum them, as the "
                                "loss sums over samples",
}

SEQUENCE = {
    Mistake.STATE_NOT_UPDATED: "every step reads the initial state: h_t must be computed from h_{t-1}, the "
                               "previous step's output",
    Mistake.OFF_BY_ONE: "the states are shifted by one: hs[:, t] must be h_{t+1}, the state after reading xs[:, t] "
                        "(h0 is not part of hs)",
}

BPTT = {
    Mistake.NO_CARRY: "the carry is missing: at step t the upstream gradient is dhs[:, t] plus the dh_prev that step "
                      "t+1 passed back",
    Mistake.OVERWRITE_FIRST: "parameter gradients are overwritten at each step instead of summed over time (only "
                             "step 0 is left)",
    Mistake.OVERWRITE_LAST: "parameter gradients are overwritten at each step instead of summed over time (only the "
                            "last step is left)",
}
LSTM_BPTT = {
    Mistake.NO_CARRY_C: "the cell-state carry is missing: dc_prev of step t+1 must flow into step t",
    Mistake.NO_CARRY_H: "the hidden-state carry is missing: dh_prev of step t+1 must be added to dhs[:, t]",
}

# ---- numerics of gradients -------------------------------------------------------------------

SIGMOID = {
    Mistake.SIGMOID_OF_MINUS_X: "σ(−x) is computed: σ(x) = 1 / (1 + e^{−x})",
    Mistake.SIGMOID_IS_TANH: "tanh is computed instead of σ",
    Mistake.SIGMOID_TANH_UNHALVED: "σ(x) = (1 + tanh(x)) / 2 is off by a factor 2 in x; σ(x) = (1 + tanh(x / 2)) / 2",
}
JACOBIAN = {
    Mistake.JACOBIAN_TRANSPOSED: "each sample's Jacobian is transposed: J[n, i, j] = ∂h_t[i] / ∂h_{t−1}[j] = "
                                 "(1 − h_t[i]²) W_hh[i, j]",
    Mistake.JACOBIAN_COLUMNS: "tanh' scales the columns; it scales the rows: diag(1 − h_t²) @ W_hh",
    Mistake.JACOBIAN_NO_TANH_GRAD: "tanh' is missing: ∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hh",
    Mistake.JACOBIAN_ONE_MINUS_H: "tanh' is taken as 1 − h_t; it is 1 − h_t²",
}
CLIP = {
    Mistake.CLIP_PER_ARRAY: "each array is clipped on its own; clipping uses one global norm over all arrays",
    Mistake.CLIP_PER_ELEMENT: "each entry is clipped to [−max_norm, max_norm] (np.clip); clipping by norm scales "
                              "every array by one factor, max_norm / (total_norm + 1e-6), which keeps the "
                              "gradient's direction",
    Mistake.CLIP_ALWAYS: "the gradients are scaled even when their norm is below max_norm; scale only when "
                         "max_norm / (total + 1e-6) < 1",
    Mistake.CLIP_NO_EPS: "the scale leaves out torch's 1e-6 (or uses a much smaller epsilon): "
                         "max_norm / (total_norm + 1e-6)",
    Mistake.CLIP_NORM_SQUARED: "the norm is squared; total_norm is the square root of the sum of squares",
    Mistake.CLIP_NORM_AFTER: "the norm after clipping is returned; return the total norm before clipping",
}

# ---- attention -------------------------------------------------------------------------------

SOFTMAX = {
    Mistake.SOFTMAX_WRONG_AXIS: "softmax is taken over the wrong axis",
    Mistake.SOFTMAX_NOT_NORMALISED: "the exponentials are not normalised: divide them by their sum along `axis`",
    Mistake.SOFTMAX_ONLY_2D: "scores with more than two dimensions come back unchanged: softmax must work for any "
                             "number of dimensions, along `axis` (keepdims=True keeps the sums broadcastable)",
}
ATTENTION_FORWARD = {
    Mistake.NO_SCALE: "the scores are not scaled: A = softmax(Q Kᵀ / √d)",
    Mistake.SCALE_BY_D: "the scores are divided by d; divide by √d",
    Mistake.SOFTMAX_OVER_QUERIES: "softmax runs over the queries (axis −2); each query's weights over the keys must "
                                  "sum to 1 (axis −1)",
    Mistake.MASK_INVERTED: "the mask is inverted: True means 'may attend', so the scores where mask is False get −∞",
    Mistake.MASK_AFTER_SOFTMAX: "the mask is applied after the softmax; mask the scores before it, so the weights "
                                "still sum to 1",
    Mistake.MASK_IGNORED: "the mask is ignored",
}
ATTENTION_BACKWARD = {
    Mistake.SOFTMAX_DIAG_GRAD: "the softmax backward keeps only the diagonal; dS = A ⊙ (dA − Σ_k A ⊙ dA) (row sums)",
    Mistake.SCALE_NO_GRAD: "the 1/√d scale is missing from the gradients of q and k",
}
# MASK_ADDED alone equals the reference (no row of a course mask blocks every key): it is only
# ever made with MASK_INVERTED, as the published form rnnkit.grading.forms.MASK_ADDED_INVERTED.
MASK_ADDED = {
    Mistake.MASK_ADDED: "the mask is added to the scores as −1e10 instead of setting them to −∞, so a row whose "
                        "keys are all blocked is not masked at all",
}
