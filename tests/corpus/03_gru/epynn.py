"""EpyNN (GPL-3.0, the repository's LICENSE) GRU layer, adapted to the 03_gru interface (sequence functions).

Source: Synthaze/EpyNN, commit b889e1ec238d0e1120a4b277ba6b8dda92750cbd: epynn/gru/forward.py
(initialize_forward, gru_forward), epynn/gru/backward.py (initialize_backward, gru_backward),
epynn/gru/parameters.py (gru_compute_shapes, gru_compute_gradients), epynn/gru/models.py (default
activations: tanh for the candidate, sigmoid for both gates); sigmoid and tanh from
epynn/commons/maths.py, commit 26b1875dc3da62ea059251743bda6f2b1c95b869.
EpyNN's GRU: one bias per gate, the reset gate before the product, z keeping the old state:
    r = σ(X Ur + hp Vr + br), z = σ(X Uz + hp Vz + bz), hh = tanh(X Uhh + (r ⊙ hp) Vhh + bhh),
    h = z ⊙ hp + (1 − z) ⊙ hh.
Layout U (D, H), V (H, H), b (1, H); a layer object carries the caches (fc, bc) and gradients (g).

Adaptation, as a student would: the author's functions are kept under a leading underscore; a
plain namespace stands in for the layer object, with sequences=True and the default activations.
Parameters are loaded by gate name from PyTorch's blocks (r, z, n): Ur = W_ir.T, Vr = W_hr.T,
br = b_ir + b_hr, likewise z, and Uhh = W_in.T, Vhh = W_hn.T, bhh = b_in + b_hn. One line changes:
initialize_forward starts from h0 (`h = layer.h0`) where the author started from zeros. gru_backward
runs the author's backward and gru_compute_gradients and returns bc['dh'][:, 0] (the gradient the
loop passes back from step 0) as dh0. The arithmetic, and any bug in it, is the author's.
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


def _gru_compute_shapes(layer, A):
    X = A    # Input of current layer

    layer.fs['X'] = X.shape    # (m, s, e)

    layer.d['m'] = layer.fs['X'][0]    # Number of samples (m)
    layer.d['s'] = layer.fs['X'][1]    # Steps in sequence (s)
    layer.d['e'] = layer.fs['X'][2]    # Elements per step (e)

    # Parameter Shapes             Unit cells (u)
    eu = (layer.d['e'], layer.d['u'])    # (e, u)
    uu = (layer.d['u'], layer.d['u'])    # (u, u)
    u1 = (1, layer.d['u'])               # (1, u)
    # Update gate    Reset gate       Hidden hat
    layer.fs['Uz'] = layer.fs['Ur'] = layer.fs['Uhh'] = eu
    layer.fs['Vz'] = layer.fs['Vr'] = layer.fs['Vhh'] = uu
    layer.fs['bz'] = layer.fs['br'] = layer.fs['bhh'] = u1

    # Shape of hidden state (h) with respect to steps (s)
    layer.fs['h'] = (layer.d['m'], layer.d['s'], layer.d['u'])

    return None


def _initialize_forward(layer, A):
    X = layer.fc['X'] = A

    cache_keys = ['h', 'hp', 'hh_', 'hh', 'z', 'z_', 'r', 'r_']
    layer.fc.update({k: np.zeros(layer.fs['h']) for k in cache_keys})

    h = layer.h0    # Hidden state (the author: layer.fc['h'][:, 0], zeros)

    return X, h


def _gru_forward(layer, A):
    # (1) Initialize cache and hidden state
    X, h = _initialize_forward(layer, A)

    # Iterate over sequence steps
    for s in range(layer.d['s']):

        # (2s) Slice sequence (m, s, e) with respect to step
        X = layer.fc['X'][:, s]

        # (3s) Retrieve previous hidden state
        hp = layer.fc['hp'][:, s] = h

        # (4s) Activate reset gate
        r_ = layer.fc['r_'][:, s] = (
            np.dot(X, layer.p['Ur'])
            + np.dot(hp, layer.p['Vr'])
            + layer.p['br']
        )   # (4.1s)

        r = layer.fc['r'][:, s] = layer.activate_reset(r_)    # (4.2s)

        # (5s) Activate update gate
        z_ = layer.fc['z_'][:, s] = (
            np.dot(X, layer.p['Uz'])
            + np.dot(hp, layer.p['Vz'])
            + layer.p['bz']
        )   # (5.1s)

        z = layer.fc['z'][:, s] = layer.activate_update(z_)   # (5.2s)

        # (6s) Activate hidden hat
        hh_ = layer.fc['hh_'][:, s] = (
            np.dot(X, layer.p['Uhh'])
            + np.dot(r * hp, layer.p['Vhh'])
            + layer.p['bhh']
        )   # (6.1s)

        hh = layer.fc['hh'][:, s] = layer.activate(hh_)       # (6.2s)

        # (7s) Compute current hidden state
        h = layer.fc['h'][:, s] = (
            z*hp
            + (1-z)*hh
        )

    # Return the last hidden state or the full sequence
    A = layer.fc['h'] if layer.sequences else layer.fc['h'][:, -1]

    return A   # To next layer


def _initialize_backward(layer, dX):
    if layer.sequences:
        dA = dX                         # Full length sequence
    elif not layer.sequences:
        dA = np.zeros(layer.fs['h'])    # Empty full length sequence
        dA[:, -1] = dX                  # Assign to last index

    cache_keys = ['dh_', 'dh', 'dhn', 'dhh_', 'dz_', 'dr_']
    layer.bc.update({k: np.zeros(layer.fs['h']) for k in cache_keys})

    layer.bc['dA'] = dA
    layer.bc['dX'] = np.zeros(layer.fs['X'])    # To previous layer

    dh = layer.bc['dh'][:, 0]                   # To previous step

    return dA, dh


def _gru_backward(layer, dX):
    # (1) Initialize cache and hidden state gradients
    dA, dh = _initialize_backward(layer, dX)

    # Reverse iteration over sequence steps
    for s in reversed(range(layer.d['s'])):

        # (2s) Slice sequence (m, s, u) w.r.t step
        dA = layer.bc['dA'][:, s]          # dL/dA

        # (3s) Retrieve previous hidden state
        dhn = layer.bc['dhn'][:, s] = dh   # dL/dhn

        # (4s) Gradient of the loss w.r.t hidden state h_
        dh_ = layer.bc['dh_'][:, s] = (
            (dA + dhn)
        )   # dL/dh_

        # (5s) Gradient of the loss w.r.t hidden hat hh_
        dhh_ = layer.bc['dhh_'][:, s] = (
            dh_
            * (1-layer.fc['z'][:, s])
            * layer.activate(layer.fc['hh_'][:, s], deriv=True)
        )   # dL/dhh_

        # (6s) Gradient of the loss w.r.t update gate z_
        dz_ = layer.bc['dz_'][:, s] = (
            dh_
            * (layer.fc['hp'][:, s]-layer.fc['hh'][:, s])
            * layer.activate_update(layer.fc['z_'][:, s], deriv=True)
        )   # dL/dz_

        # (7s) Gradient of the loss w.r.t reset gate
        dr_ = layer.bc['dr_'][:, s] = (
            np.dot(dhh_, layer.p['Vhh'].T)
            * layer.fc['hp'][:, s]
            * layer.activate_reset(layer.fc['r_'][:, s], deriv=True)
        )   # dL/dr_

        # (8s) Gradient of the loss w.r.t previous hidden state
        dh = layer.bc['dh'][:, s] = (
            np.dot(dhh_, layer.p['Vhh'].T) * layer.fc['r'][:, s]
            + np.dot(dz_, layer.p['Vz'].T) + dh_ * layer.fc['z'][:, s]
            + np.dot(dr_, layer.p['Vr'].T)
        )   # dL/dh

        # (9s) Gradient of the loss w.r.t to X
        dX = layer.bc['dX'][:, s] = (
            np.dot(dhh_, layer.p['Uhh'].T)
            + np.dot(dz_, layer.p['Uz'].T)
            + np.dot(dr_, layer.p['Ur'].T)
        )   # dL/dX

    dX = layer.bc['dX']

    return dX    # To previous layer


def _gru_compute_gradients(layer):
    # Gradients initialization with respect to parameters
    for parameter in layer.p.keys():
        gradient = 'd' + parameter
        layer.g[gradient] = np.zeros_like(layer.p[parameter])

    # Reverse iteration over sequence steps
    for s in reversed(range(layer.d['s'])):

        X = layer.fc['X'][:, s]      # Input for current step
        hp = layer.fc['hp'][:, s]    # Previous hidden state

        # (1) Gradients of the loss with respect to U, V, b
        dhh_ = layer.bc['dhh_'][:, s]            # Gradient w.r.t hidden hat hh_
        layer.g['dUhh'] += np.dot(X.T, dhh_)     # (1.1) dL/dUhh
        layer.g['dVhh'] += np.dot((layer.fc['r'][:, s] * hp).T, dhh_)
        layer.g['dbhh'] += np.sum(dhh_, axis=0)  # (1.3) dL/dbhh

        # (2) Gradients of the loss with respect to U, V, b
        dz_ = layer.bc['dz_'][:, s]             # Gradient w.r.t update gate z_
        layer.g['dUz'] += np.dot(X.T, dz_)      # (2.1) dL/dUz
        layer.g['dVz'] += np.dot(hp.T, dz_)     # (2.2) dL/dVz
        layer.g['dbz'] += np.sum(dz_, axis=0)   # (2.3) dL/dbz

        # (3) Gradients of the loss with respect to U, V, b
        dr_ = layer.bc['dr_'][:, s]             # Gradient w.r.t reset gate r_
        layer.g['dUr'] += np.dot(X.T, dr_)      # (3.1) dL/dUr
        layer.g['dVr'] += np.dot(hp.T, dr_)     # (3.2) dL/dVr
        layer.g['dbr'] += np.sum(dr_, axis=0)   # (3.3) dL/dbr

    return None


# ---- adapters to the course's interface (PyTorch layout, gates r, z, n) ----

def gru_forward(xs, h0, p):
    W_ir, W_iz, W_in = np.split(p["weight_ih"], 3)
    W_hr, W_hz, W_hn = np.split(p["weight_hh"], 3)
    b_ir, b_iz, b_in = np.split(p["bias_ih"], 3)
    b_hr, b_hz, b_hn = np.split(p["bias_hh"], 3)
    layer = SimpleNamespace(fc={}, bc={}, g={}, fs={}, d={'u': h0.shape[1]}, sequences=True, h0=h0,
                            activate=tanh, activate_update=sigmoid, activate_reset=sigmoid,
                            p={'Uz': W_iz.T, 'Vz': W_hz.T, 'bz': (b_iz + b_hz)[None],
                               'Ur': W_ir.T, 'Vr': W_hr.T, 'br': (b_ir + b_hr)[None],
                               'Uhh': W_in.T, 'Vhh': W_hn.T, 'bhh': (b_in + b_hn)[None]})
    _gru_compute_shapes(layer, xs)
    return _gru_forward(layer, xs), layer


def gru_backward(dhs, cache):
    layer = cache
    dxs = _gru_backward(layer, dhs)
    _gru_compute_gradients(layer)
    g = layer.g
    db = np.concatenate([g['dbr'], g['dbz'], g['dbhh']], axis=1).ravel()
    grads = {"weight_ih": np.concatenate([g['dUr'].T, g['dUz'].T, g['dUhh'].T]),
             "weight_hh": np.concatenate([g['dVr'].T, g['dVz'].T, g['dVhh'].T]),
             "bias_ih": db, "bias_hh": db}
    return dxs, layer.bc['dh'][:, 0], grads


# How each tag was verified (scratch script, seeds 0..2, sizes of the hidden tests, every gate order
# and every combination of reset_before, z_swapped, b_hn_outside tried, with and without biases):
# hs and every gradient equal only rnnkit.grading.mistakes' GRU with flags {"reset_before"}
# (r ⊙ h inside the product, b_hn outside r, as Cho et al. 2014) to 1e-15.
EXPECTED = {
    "gru_forward": ["reset_before"],
    "gru_backward": ["reset_before"],
}
