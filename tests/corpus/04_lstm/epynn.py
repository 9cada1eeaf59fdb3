"""EpyNN (GPL-3.0, the repository's LICENSE) LSTM layer, adapted to the 04_lstm interface (sequence functions).

Source: Synthaze/EpyNN: epynn/lstm/forward.py and epynn/lstm/backward.py at commit
b889e1ec238d0e1120a4b277ba6b8dda92750cbd, epynn/lstm/parameters.py (lstm_compute_shapes,
lstm_compute_gradients) at commit f48cc9b93de461d0697d6c0c7ff89dab1abdb40e; sigmoid and tanh from
epynn/commons/maths.py, commit 26b1875dc3da62ea059251743bda6f2b1c95b869 (EpyNN's LSTM defaults:
tanh for the candidate and the memory, sigmoid for the three gates).
Separate parameters per gate: U (D, H), V (H, H), b (1, H) for f, i, g, o; a layer object carries
the caches (fc, bc) and gradients (g).

Adaptation, as a student would: the author's functions are kept under a leading underscore; a
plain namespace stands in for the layer object, with sequences=True and the default activations.
Parameters are loaded by gate name from PyTorch's blocks (i, f, g, o): Ui = W_ii.T, Vi = W_hi.T,
bi = b_ii + b_hi, and so on. One line changes: initialize_forward starts from h0 and c0 (the author
started from zeros). lstm_backward runs the author's backward and lstm_compute_gradients and returns
bc['dh'][:, 0] and bc['dC'][:, 0] (what the loop passes back from step 0) as dh0 and dc0.
The arithmetic, and any bug in it, is the author's.
"""
from types import SimpleNamespace

import numpy as np


def sigmoid(x, deriv=False):
    if not deriv:
        # Numerically stable version of sigmoid function
        x = np.where(
            x >= 0, # condition
            1 / (1+np.exp(-x)), # For positive values
            np.exp(x) / (1+np.exp(x)) # For negative values
        )

    elif deriv:
        x = sigmoid(x) * (1-sigmoid(x))

    return x


def tanh(x, deriv=False):
    if not deriv:
        x = (np.exp(x)-np.exp(-x)) / (np.exp(x)+np.exp(-x))

    elif deriv:
        x = 1 - tanh(x)**2

    return x


def _lstm_compute_shapes(layer, A):
    X = A    # Input of current layer

    layer.fs['X'] = X.shape    # (m, s, e)

    layer.d['m'] = layer.fs['X'][0]    # Number of samples (m)
    layer.d['s'] = layer.fs['X'][1]    # Steps in sequence (s)
    layer.d['e'] = layer.fs['X'][2]    # Elements per step (e)

    # Parameter Shapes             Unit cells (u)
    eu = (layer.d['e'], layer.d['u'])    # (v, u)
    uu = (layer.d['u'], layer.d['u'])    # (u, u)
    u1 = (1, layer.d['u'])               # (1, u)
    # Forget gate    Input gate       Candidate        Output gate
    layer.fs['Uf'] = layer.fs['Ui'] = layer.fs['Ug'] = layer.fs['Uo'] = eu
    layer.fs['Vf'] = layer.fs['Vi'] = layer.fs['Vg'] = layer.fs['Vo'] = uu
    layer.fs['bf'] = layer.fs['bi'] = layer.fs['bg'] = layer.fs['bo'] = u1

    # Shape of hidden (h) and memory (C) state with respect to steps (s)
    layer.fs['h'] = layer.fs['C'] = (layer.d['m'], layer.d['s'], layer.d['u'])

    return None


def _initialize_forward(layer, A):
    X = layer.fc['X'] = A

    cache_keys = ['h', 'hp', 'o_', 'o', 'i_', 'i', 'f_', 'f', 'g_', 'g', 'C_', 'Cp_', 'C']
    layer.fc.update({k: np.zeros(layer.fs['h']) for k in cache_keys})

    h = layer.h0    # Hidden state (the author: layer.fc['h'][:, 0], zeros)
    C_ = layer.c0   # Memory state (the author: layer.fc['C_'][:, 0], zeros)

    return X, h, C_


def _lstm_forward(layer, A):
    # (1) Initialize cache, hidden and memory states
    X, h, C_ = _initialize_forward(layer, A)

    # Iterate over sequence steps
    for s in range(layer.d['s']):

        # (2s) Slice sequence (m, s, e) w.r.t to step
        X = layer.fc['X'][:, s]

        # (3s) Retrieve previous states
        hp = layer.fc['hp'][:, s] = h       # (3.1s) Hidden
        Cp_ = layer.fc['Cp_'][:, s] = C_    # (3.2s) Memory

        # (4s) Activate forget gate
        f_ = layer.fc['f_'][:, s] = (
            np.dot(X, layer.p['Uf'])
            + np.dot(hp, layer.p['Vf'])
            + layer.p['bf']
        )   # (4.1s)

        f = layer.fc['f'][:, s] = layer.activate_forget(f_)      # (4.2s)

        # (5s) Activate input gate
        i_ = layer.fc['i_'][:, s] = (
            np.dot(X, layer.p['Ui'])
            + np.dot(hp, layer.p['Vi'])
            + layer.p['bi']
        )   # (5.1s)

        i = layer.fc['i'][:, s] = layer.activate_input(i_)       # (5.2s)

        # (6s) Activate candidate
        g_ = layer.fc['g_'][:, s] = (
            np.dot(X, layer.p['Ug'])
            + np.dot(hp, layer.p['Vg'])
            + layer.p['bg']
        )   # (6.1s)

        g = layer.fc['g'][:, s] = layer.activate_candidate(g_)   # (6.2s)

        # (7s) Activate output gate
        o_ = layer.fc['o_'][:, s] = (
            np.dot(X, layer.p['Uo'])
            + np.dot(hp, layer.p['Vo'])
            + layer.p['bo']
        )   # (7.1s)

        o = layer.fc['o'][:, s] = layer.activate_output(o_)      # (7.2s)

        # (8s) Compute current memory state
        C_ = layer.fc['C_'][:, s] = (
            Cp_ * f
            + i * g
        )   # (8.1s)

        C = layer.fc['C'][:, s] = layer.activate(C_)             # (8.2s)

        # (9s) Compute current hidden state
        h = layer.fc['h'][:, s] = o * C

    # Return the last hidden state or the full sequence
    A = layer.fc['h'] if layer.sequences else layer.fc['h'][:, -1]

    return A    # To next layer


def _initialize_backward(layer, dX):
    if layer.sequences:
        dA = dX                         # Full length sequence
    elif not layer.sequences:
        dA = np.zeros(layer.fs['h'])    # Empty full length sequence
        dA[:, -1] = dX                  # Assign to last index

    cache_keys = [
        'dh_', 'dh', 'dhn',
        'dC_', 'dC', 'dCn',
        'do_', 'dg_', 'di_', 'df_', 'dz_'
    ]

    layer.bc.update({k: np.zeros(layer.fs['h']) for k in cache_keys})

    layer.bc['dA'] = dA
    layer.bc['dX'] = np.zeros(layer.fs['X'])    # To previous layer

    dh = layer.bc['dh'][:, 0]                   # To previous step
    dC = layer.bc['dC'][:, 0]                   # To previous step

    return dA, dh, dC


def _lstm_backward(layer, dX):
    # (1) Initialize cache, hidden and memory state gradients
    dA, dh, dC = _initialize_backward(layer, dX)

    # Reverse iteration over sequence steps
    for s in reversed(range(layer.d['s'])):

        # (2s) Slice sequence (m, s, u) w.r.t step
        dA = layer.bc['dA'][:, s]          # dL/dA

        # (3s) Gradient of the loss w.r.t. next states
        dhn = layer.bc['dhn'][:, s] = dh   # (3.1) dL/dhn
        dCn = layer.bc['dCn'][:, s] = dC   # (3.2) dL/dCn

        # (4s) Gradient of the loss w.r.t hidden state h_
        dh_ = layer.bc['dh_'][:, s] = (
            (dA + dhn)
        )   # dL/dh_

        # (5s) Gradient of the loss w.r.t memory state C_
        dC_ = layer.bc['dC_'][:, s] = (
            dh_
            * layer.fc['o'][:, s]
            * layer.activate(layer.fc['C_'][:, s], deriv=True)
            + dCn
        )   # dL/dC_

        # (6s) Gradient of the loss w.r.t output gate o_
        do_ = layer.bc['do_'][:, s] = (
            dh_
            * layer.fc['C'][:, s]
            * layer.activate_output(layer.fc['o_'][:, s], deriv=True)
        )   # dL/do_

        # (7s) Gradient of the loss w.r.t candidate g_
        dg_ = layer.bc['dg_'][:, s] = (
            dC_
            * layer.fc['i'][:, s]
            * layer.activate_candidate(layer.fc['g_'][:, s], deriv=True)
        )   # dL/dg_

        # (8s) Gradient of the loss w.r.t input gate i_
        di_ = layer.bc['di_'][:, s] = (
            dC_
            * layer.fc['g'][:, s]
            * layer.activate_input(layer.fc['i_'][:, s], deriv=True)
        )   # dL/di_

        # (9s) Gradient of the loss w.r.t forget gate f_
        df_ = layer.bc['df_'][:, s] = (
            dC_
            * layer.fc['Cp_'][:, s]
            * layer.activate_forget(layer.fc['f_'][:, s], deriv=True)
        )   # dL/df_

        # (10s) Gradient of the loss w.r.t memory state C
        dC = layer.bc['dC'][:, s] = (
            dC_
            * layer.fc['f'][:, s]
        )   # dL/dC

        # (11s) Gradient of the loss w.r.t hidden state h
        dh = layer.bc['dh'][:, s] = (
            np.dot(do_, layer.p['Vo'].T)
            + np.dot(dg_, layer.p['Vg'].T)
            + np.dot(di_, layer.p['Vi'].T)
            + np.dot(df_, layer.p['Vf'].T)
        )   # dL/dh

        # (12s) Gradient of the loss w.r.t hidden state X
        dX = layer.bc['dX'][:, s] = (
            np.dot(dg_, layer.p['Ug'].T)
            + np.dot(do_, layer.p['Uo'].T)
            + np.dot(di_, layer.p['Ui'].T)
            + np.dot(df_, layer.p['Uf'].T)
        )   # dL/dX

    dX = layer.bc['dX']

    return dX    # To previous layer


def _lstm_compute_gradients(layer):
    # Gradients initialization with respect to parameters
    for parameter in layer.p.keys():
        gradient = 'd' + parameter
        layer.g[gradient] = np.zeros_like(layer.p[parameter])

    # Reverse iteration over sequence steps
    for s in reversed(range(layer.d['s'])):

        X = layer.fc['X'][:, s]      # Input for current step
        hp = layer.fc['hp'][:, s]    # Previous hidden state

        # (1) Gradients of the loss with respect to U, V, b
        do_ = layer.bc['do_'][:, s]            # Gradient w.r.t output gate o_
        layer.g['dUo'] += np.dot(X.T, do_)     # (1.1) dL/dUo
        layer.g['dVo'] += np.dot(hp.T, do_)    # (1.2) dL/dVo
        layer.g['dbo'] += np.sum(do_, axis=0)  # (1.3) dL/dbo

        # (2) Gradients of the loss with respect to U, V, b
        dg_ = layer.bc['dg_'][:, s]            # Gradient w.r.t candidate g_
        layer.g['dUg'] += np.dot(X.T, dg_)     # (2.1) dL/dUg
        layer.g['dVg'] += np.dot(hp.T, dg_)    # (2.2) dL/dVg
        layer.g['dbg'] += np.sum(dg_, axis=0)  # (2.3) dL/dbg

        # (3) Gradients of the loss with respect to U, V, b
        di_ = layer.bc['di_'][:, s]            # Gradient w.r.t input gate i_
        layer.g['dUi'] += np.dot(X.T, di_)     # (3.1) dL/dUi
        layer.g['dVi'] += np.dot(hp.T, di_)    # (3.2) dL/dVi
        layer.g['dbi'] += np.sum(di_, axis=0)  # (3.3) dL/dbi

        # (4) Gradients of the loss with respect to U, V, b
        df_ = layer.bc['df_'][:, s]            # Gradient w.r.t forget gate f_
        layer.g['dUf'] += np.dot(X.T, df_)     # (4.1) dL/dUf
        layer.g['dVf'] += np.dot(hp.T, df_)    # (4.2) dL/dVf
        layer.g['dbf'] += np.sum(df_, axis=0)  # (4.3) dL/dbf

    return None


# ---- adapters to the course's interface (PyTorch layout, gates i, f, g, o) ----

def lstm_forward(xs, h0, c0, p):
    W = dict(zip("ifgo", np.split(p["weight_ih"], 4)))
    V = dict(zip("ifgo", np.split(p["weight_hh"], 4)))
    b = dict(zip("ifgo", np.split(p["bias_ih"] + p["bias_hh"], 4)))
    params = {}
    for gate in "figo":
        params['U' + gate], params['V' + gate], params['b' + gate] = W[gate].T, V[gate].T, b[gate][None]
    layer = SimpleNamespace(fc={}, bc={}, g={}, fs={}, d={'u': h0.shape[1]}, sequences=True, h0=h0, c0=c0,
                            activate=tanh, activate_output=sigmoid, activate_candidate=tanh,
                            activate_input=sigmoid, activate_forget=sigmoid, p=params)
    _lstm_compute_shapes(layer, xs)
    return _lstm_forward(layer, xs), layer


def lstm_backward(dhs, cache):
    layer = cache
    dxs = _lstm_backward(layer, dhs)
    _lstm_compute_gradients(layer)
    g = layer.g
    db = np.concatenate([g['db' + gate] for gate in "ifgo"], axis=1).ravel()
    grads = {"weight_ih": np.concatenate([g['dU' + gate].T for gate in "ifgo"]),
             "weight_hh": np.concatenate([g['dV' + gate].T for gate in "ifgo"]),
             "bias_ih": db, "bias_hh": db}
    return dxs, layer.bc['dh'][:, 0], layer.bc['dC'][:, 0], grads


# Verified: both pass rnnkit.grading.check with hidden seeds 11 and 12.
EXPECTED = {
    "lstm_forward": [],
    "lstm_backward": [],
}
