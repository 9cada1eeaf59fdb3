"""deeplearning.ai "Sequence Models" (Coursera), week 1 "Building your Recurrent Neural Network - Step
by Step", LSTM part, as solved by ernestng11, adapted to the 04_lstm interface.

Source: ernestng11/rnn-from-scratch, lstm_forward.py (lstm_cell_forward, lstm_forward),
lstm_backward.py (lstm_cell_backward, lstm_backward) and rnn_utils.py (sigmoid, softmax), commit
bcb64cd02c4c99a96d91735bee392633294e3e6e (no license stated). The function skeletons and docstrings
are the course's; the bodies are the author's.
The course's layout is column-major: xt (n_x, m), a_prev (n_a, m), one weight per gate over the
concatenation [a_prev; xt], Wf/Wi/Wc/Wo (n_a, n_a + n_x), biases (n_a, 1); the cell also computes a
prediction yt_pred = softmax(Wy a_next + by), which the course here has no use for.
lstm_backward calls lstm_cell_backward(da[:, :, t], dc_prevt, caches[t]) with dc_prevt left at zeros
and never adds the da_prev of step t + 1: no gradient is carried from a step into the one before,
neither through h nor through c (the cell's own gradients are right).

Adaptation, as a student would: the author's functions are kept under a leading underscore, bodies
unchanged except that _lstm_forward takes c0 and starts from it (`c_next = c0` where the author wrote
`c_next = np.zeros((n_a, m))`; the course's LSTM has no c0) and returns its caches only, and
_lstm_backward also returns the last dc_prev it got as dc0. Adapters pass x.T, h.T, c.T and build the
author's parameters by gate name from PyTorch's blocks i, f, g, o: Wi = [W_hh_i | W_ih_i] and
bi = (b_ih_i + b_hh_i)[:, None], likewise f, c (= g), o; Wy = zeros((1, H)), by = zeros((1, 1)) only
so that the author's prediction line runs. Results are transposed back; each gate's dW splits into
its W_hh and W_ih columns and its db goes to both biases. The arithmetic, and any bug in it, is the
author's.
"""
import numpy as np


def softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _lstm_cell_forward(xt, a_prev, c_prev, parameters):
    # Retrieve parameters from "parameters"
    Wf = parameters["Wf"]  # forget gate weight
    bf = parameters["bf"]
    Wi = parameters["Wi"]  # update gate weight (notice the variable name)
    bi = parameters["bi"]  # (notice the variable name)
    Wc = parameters["Wc"]  # candidate value weight
    bc = parameters["bc"]
    Wo = parameters["Wo"]  # output gate weight
    bo = parameters["bo"]
    Wy = parameters["Wy"]  # prediction weight
    by = parameters["by"]

    # Retrieve dimensions from shapes of xt and Wy
    n_x, m = xt.shape
    n_y, n_a = Wy.shape

    # Concatenate a_prev and xt
    concat = np.concatenate((a_prev, xt), axis=0)

    # Compute values for ft (forget gate), it (update gate),
    # cct (candidate value), c_next (cell state),
    # ot (output gate), a_next (hidden state)
    ft = sigmoid(np.dot(Wf, concat) + bf)        # forget gate
    it = sigmoid(np.dot(Wi, concat) + bi)        # update gate
    cct = np.tanh(np.dot(Wc, concat) + bc)       # candidate value
    c_next = ft * c_prev + it * cct    # cell state
    ot = sigmoid(np.dot(Wo, concat) + bo)        # output gate
    a_next = ot * np.tanh(c_next)    # hidden state

    # Compute prediction of the LSTM cell
    yt_pred = softmax(np.dot(Wy, a_next) + by)

    # store values needed for backward propagation in cache
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)

    return a_next, c_next, yt_pred, cache


def _lstm_forward(x, a0, c0, parameters):
    # Initialize "caches", which will track the list of all the caches
    caches = []

    # saving parameters['Wy'] in a local variable
    Wy = parameters['Wy']
    # Retrieve dimensions from shapes of x and parameters['Wy']
    n_x, m, T_x = x.shape
    n_y, n_a = Wy.shape

    # initialize "a", "c" and "y" with zeros
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    y = np.zeros((n_y, m, T_x))

    # Initialize a_next and c_next
    a_next = a0
    c_next = c0  # the author: c_next = np.zeros((n_a, m))

    # loop over all time-steps
    for t in range(T_x):
        # Get the 2D slice 'xt' from the 3D input 'x' at time step 't'
        xt = x[:, :, t]
        # Update next hidden state, next memory state, compute the prediction, get the cache
        a_next, c_next, yt, cache = _lstm_cell_forward(
            xt, a_next, c_next, parameters)
        # Save the value of the new "next" hidden state in a
        a[:, :, t] = a_next
        # Save the value of the next cell state
        c[:, :, t] = c_next
        # Save the value of the prediction in y
        y[:, :, t] = yt
        # Append the cache into caches
        caches.append(cache)

    # store values needed for backward propagation in cache
    caches = (caches, x)

    return a, y, c, caches


def _lstm_cell_backward(da_next, dc_next, cache):
    # Retrieve information from "cache"
    (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters) = cache

    # Retrieve dimensions from xt's and a_next's shape
    n_x, m = xt.shape
    n_a, m = a_next.shape

    dot = da_next * np.tanh(c_next) * ot * (1 - ot)
    dcct = (dc_next * it + ot * (1 - np.square(np.tanh(c_next)))
            * it * da_next) * (1 - np.square(cct))
    dit = (dc_next * cct + ot * (1 - np.square(np.tanh(c_next)))
           * cct * da_next) * it * (1 - it)
    dft = (dc_next * c_prev + ot * (1 - np.square(np.tanh(c_next)))
           * c_prev * da_next) * ft * (1 - ft)

    concat = np.concatenate((a_prev, xt), axis=0)

    dWf = np.dot(dft, concat.T)
    dWi = np.dot(dit, concat.T)
    dWc = np.dot(dcct, concat.T)
    dWo = np.dot(dot, concat.T)
    dbf = np.sum(dft, axis=1, keepdims=True)
    dbi = np.sum(dit, axis=1, keepdims=True)
    dbc = np.sum(dcct, axis=1,  keepdims=True)
    dbo = np.sum(dot, axis=1, keepdims=True)

    # Compute derivatives w.r.t previous hidden state, previous memory state and input.
    da_prev = np.dot(parameters['Wf'][:, :n_a].T, dft) + np.dot(parameters['Wi'][:, :n_a].T, dit) + \
        np.dot(parameters['Wc'][:, :n_a].T, dcct) + \
        np.dot(parameters['Wo'][:, :n_a].T, dot)
    dc_prev = dc_next * ft + ot * \
        (1 - np.square(np.tanh(c_next))) * ft * da_next
    dxt = np.dot(parameters['Wf'][:, n_a:].T, dft) + np.dot(parameters['Wi'][:, n_a:].T, dit) + \
        np.dot(parameters['Wc'][:, n_a:].T, dcct) + \
        np.dot(parameters['Wo'][:, n_a:].T, dot)

    # Save gradients in dictionary
    gradients = {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo}

    return gradients


def _lstm_backward(da, caches):
    # Retrieve values from the first cache (t=1) of caches.
    (caches, x) = caches
    (a1, c1, a0, c0, f1, i1, cc1, o1, x1, parameters) = caches[0]

    # Retrieve dimensions from da's and x1's shapes
    n_a, m, T_x = da.shape
    n_x, m = x1.shape

    # initialize the gradients with the right sizes
    dx = np.zeros((n_x, m, T_x))
    da0 = np.zeros((n_a, m))
    da_prevt = np.zeros(da0.shape)
    dc_prevt = np.zeros(da0.shape)
    dWf = np.zeros((n_a, n_a + n_x))
    dWi = np.zeros(dWf.shape)
    dWc = np.zeros(dWf.shape)
    dWo = np.zeros(dWf.shape)
    dbf = np.zeros((n_a, 1))
    dbi = np.zeros(dbf.shape)
    dbc = np.zeros(dbf.shape)
    dbo = np.zeros(dbf.shape)

    # loop back over the whole sequence
    for t in reversed(range(T_x)):
        # Compute all gradients using lstm_cell_backward
        gradients = _lstm_cell_backward(da[:, :, t], dc_prevt, caches[t])
        # Store or add the gradient to the parameters' previous step's gradient
        dx[:, :, t] = gradients["dxt"]
        dWf += gradients["dWf"]
        dWi += gradients["dWi"]
        dWc += gradients["dWc"]
        dWo += gradients["dWo"]
        dbf += gradients["dbf"]
        dbi += gradients["dbi"]
        dbc += gradients["dbc"]
        dbo += gradients["dbo"]
    # Set the first activation's gradient to the backpropagated gradient da_prev.
    da0 = gradients["da_prev"]

    # Store the gradients in a python dictionary
    gradients = {"dx": dx, "da0": da0, "dWf": dWf, "dbf": dbf, "dWi": dWi, "dbi": dbi,
                 "dWc": dWc, "dbc": dbc, "dWo": dWo, "dbo": dbo,
                 "dc0": gradients["dc_prev"]}  # dc0 added to the author's dictionary

    return gradients


# ---- adapters to the course's interface (PyTorch layout, batch-first) ----

_GATES = {"i": 0, "f": 1, "c": 2, "o": 3}  # PyTorch stacks i, f, g, o; the course's c is PyTorch's g


def _parameters(p):
    H = p["weight_hh"].shape[1]
    parameters = {}
    for name, k in _GATES.items():
        rows = slice(k * H, (k + 1) * H)
        parameters["W" + name] = np.concatenate((p["weight_hh"][rows], p["weight_ih"][rows]), axis=1)
        parameters["b" + name] = (p["bias_ih"][rows] + p["bias_hh"][rows])[:, None]
    parameters["Wy"] = np.zeros((1, H))
    parameters["by"] = np.zeros((1, 1))
    return parameters


def _grads(g):
    H = g["dWf"].shape[0]
    dW = [g["dW" + name] for name in _GATES]
    db = np.concatenate([g["db" + name].ravel() for name in _GATES])
    return {"weight_ih": np.concatenate([w[:, H:] for w in dW]),
            "weight_hh": np.concatenate([w[:, :H] for w in dW]),
            "bias_ih": db, "bias_hh": db.copy()}


def lstm_step_forward(x, h_prev, c_prev, p):
    a_next, c_next, _, cache = _lstm_cell_forward(x.T, h_prev.T, c_prev.T, _parameters(p))
    return a_next.T, c_next.T, cache


def lstm_step_backward(dh_next, dc_next, cache):
    g = _lstm_cell_backward(dh_next.T, dc_next.T, cache)
    return g["dxt"].T, g["da_prev"].T, g["dc_prev"].T, _grads(g)


def lstm_forward(xs, h0, c0, p):
    a, _, _, caches = _lstm_forward(xs.transpose(2, 0, 1), h0.T, c0.T, _parameters(p))
    return a.transpose(1, 2, 0), caches


def lstm_backward(dhs, cache):
    g = _lstm_backward(dhs.transpose(2, 0, 1), cache)
    return g["dx"].transpose(1, 2, 0), g["da0"].T, g["dc0"].T, _grads(g)


# How each tag was verified (scratch script, hidden seeds 11 and 12, tests/test_corpus.py's check):
# - the step functions and lstm_forward pass rnnkit.grading.check.
# - no_carry: lstm_backward's every output is wrong and the grader's only match is
#   rnnkit.grading.mistakes' LSTM with {"no_carry"} (no gradient into step t - 1 through h or c).
EXPECTED = {
    "lstm_step_forward": [],
    "lstm_step_backward": [],
    "lstm_forward": [],
    "lstm_backward": ["no_carry"],
}
