"""Andrej Karpathy's batched NumPy LSTM, adapted to the 04_lstm interface (sequence functions).

Source: Karpathy's gist "lstm.py" (gist.github.com/karpathy/587454dc0146a6ae21fc), read in the
verbatim copy MichaelMastro/Batched-Gated-Recurrent-Unit, LSTM-Karpathy.py,
commit f55db117b539c8159ce45478bf272af80ab4f266 (Python 2; class LSTM: forward, backward).
Time-major X (n, b, input_size); one matrix WLSTM (1 + input_size + d, 4d) whose first row is the
bias and whose rows then multiply [1, x_t, h_{t-1}]; the gate columns are read i, f, o, g (IFOG).

Adaptation, as a student would: the author's forward and backward are kept (Python 3: range for
xrange, // for the hidden size's division, the gradient checks dropped). lstm_forward stacks
WLSTM = [b_ih + b_hh; W_ih.T; W_hh.T] from p, so its column blocks are PyTorch's i, f, g, o, which
the author's code reads as i, f, o, g; it transposes xs to time-major and back. lstm_backward
splits dWLSTM back into the bias row (both biases), W_ih.T and W_hh.T.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class LSTM:

    @staticmethod
    def forward(X, WLSTM, c0 = None, h0 = None):
        """
        X should be of shape (n,b,input_size), where n = length of sequence, b = batch size
        """
        n,b,input_size = X.shape
        d = WLSTM.shape[1]//4 # hidden size
        if c0 is None: c0 = np.zeros((b,d))
        if h0 is None: h0 = np.zeros((b,d))

        # Perform the LSTM forward pass with X as the input
        xphpb = WLSTM.shape[0] # x plus h plus bias, lol
        Hin = np.zeros((n, b, xphpb)) # input [1, xt, ht-1] to each tick of the LSTM
        Hout = np.zeros((n, b, d)) # hidden representation of the LSTM (gated cell content)
        IFOG = np.zeros((n, b, d * 4)) # input, forget, output, gate (IFOG)
        IFOGf = np.zeros((n, b, d * 4)) # after nonlinearity
        C = np.zeros((n, b, d)) # cell content
        Ct = np.zeros((n, b, d)) # tanh of cell content
        for t in range(n):
            # concat [x,h] as input to the LSTM
            prevh = Hout[t-1] if t > 0 else h0
            Hin[t,:,0] = 1 # bias
            Hin[t,:,1:input_size+1] = X[t]
            Hin[t,:,input_size+1:] = prevh
            # compute all gate activations. dots: (most work is this line)
            IFOG[t] = Hin[t].dot(WLSTM)
            # non-linearities
            IFOGf[t,:,:3*d] = 1.0/(1.0+np.exp(-IFOG[t,:,:3*d])) # sigmoids; these are the gates
            IFOGf[t,:,3*d:] = np.tanh(IFOG[t,:,3*d:]) # tanh
            # compute the cell activation
            prevc = C[t-1] if t > 0 else c0
            C[t] = IFOGf[t,:,:d] * IFOGf[t,:,3*d:] + IFOGf[t,:,d:2*d] * prevc
            Ct[t] = np.tanh(C[t])
            Hout[t] = IFOGf[t,:,2*d:3*d] * Ct[t]

        cache = {}
        cache['WLSTM'] = WLSTM
        cache['Hout'] = Hout
        cache['IFOGf'] = IFOGf
        cache['IFOG'] = IFOG
        cache['C'] = C
        cache['Ct'] = Ct
        cache['Hin'] = Hin
        cache['c0'] = c0
        cache['h0'] = h0

        # return C[t], as well so we can continue LSTM with prev state init if needed
        return Hout, C[t], Hout[t], cache

    @staticmethod
    def backward(dHout_in, cache, dcn = None, dhn = None):

        WLSTM = cache['WLSTM']
        Hout = cache['Hout']
        IFOGf = cache['IFOGf']
        IFOG = cache['IFOG']
        C = cache['C']
        Ct = cache['Ct']
        Hin = cache['Hin']
        c0 = cache['c0']
        h0 = cache['h0']
        n,b,d = Hout.shape
        input_size = WLSTM.shape[0] - d - 1 # -1 due to bias

        # backprop the LSTM
        dIFOG = np.zeros(IFOG.shape)
        dIFOGf = np.zeros(IFOGf.shape)
        dWLSTM = np.zeros(WLSTM.shape)
        dHin = np.zeros(Hin.shape)
        dC = np.zeros(C.shape)
        dX = np.zeros((n,b,input_size))
        dh0 = np.zeros((b, d))
        dc0 = np.zeros((b, d))
        dHout = dHout_in.copy() # make a copy so we don't have any funny side effects
        if dcn is not None: dC[n-1] += dcn.copy() # carry over gradients from later
        if dhn is not None: dHout[n-1] += dhn.copy()
        for t in reversed(range(n)):

            tanhCt = Ct[t]
            dIFOGf[t,:,2*d:3*d] = tanhCt * dHout[t]
            # backprop tanh non-linearity first then continue backprop
            dC[t] += (1-tanhCt**2) * (IFOGf[t,:,2*d:3*d] * dHout[t])

            if t > 0:
                dIFOGf[t,:,d:2*d] = C[t-1] * dC[t]
                dC[t-1] += IFOGf[t,:,d:2*d] * dC[t]
            else:
                dIFOGf[t,:,d:2*d] = c0 * dC[t]
                dc0 = IFOGf[t,:,d:2*d] * dC[t]
            dIFOGf[t,:,:d] = IFOGf[t,:,3*d:] * dC[t]
            dIFOGf[t,:,3*d:] = IFOGf[t,:,:d] * dC[t]

            # backprop activation functions
            dIFOG[t,:,3*d:] = (1 - IFOGf[t,:,3*d:] ** 2) * dIFOGf[t,:,3*d:]
            y = IFOGf[t,:,:3*d]
            dIFOG[t,:,:3*d] = (y*(1.0-y)) * dIFOGf[t,:,:3*d]

            # backprop matrix multiply
            dWLSTM += np.dot(Hin[t].transpose(), dIFOG[t])
            dHin[t] = dIFOG[t].dot(WLSTM.transpose())

            # backprop the identity transforms into Hin
            dX[t] = dHin[t,:,1:input_size+1]
            if t > 0:
                dHout[t-1,:] += dHin[t,:,input_size+1:]
            else:
                dh0 += dHin[t,:,input_size+1:]

        return dX, dWLSTM, dc0, dh0


# ---- adapters to the course's interface (PyTorch layout, batch-first) ----

def lstm_forward(xs, h0, c0, p):
    WLSTM = np.vstack([(p["bias_ih"] + p["bias_hh"])[None], p["weight_ih"].T, p["weight_hh"].T])
    Hout, _, _, cache = LSTM.forward(xs.transpose(1, 0, 2), WLSTM, c0, h0)
    return Hout.transpose(1, 0, 2), cache


def lstm_backward(dhs, cache):
    dX, dWLSTM, dc0, dh0 = LSTM.backward(dhs.transpose(1, 0, 2), cache)
    D = dX.shape[2]
    grads = {"weight_ih": dWLSTM[1:D + 1].T, "weight_hh": dWLSTM[D + 1:].T,
             "bias_ih": dWLSTM[0], "bias_hh": dWLSTM[0]}
    return dX.transpose(1, 0, 2), dh0, dc0, grads


# How each tag was verified (scratch script, seeds 0..2, sizes of the hidden tests, all 24 gate
# orders tried): every output equals only rnnkit.grading.mistakes' LSTM with {"gate_order_ifog"}
# to 1e-15.
EXPECTED = {
    "lstm_forward": ["gate_order_ifog"],
    "lstm_backward": ["gate_order_ifog"],
}
