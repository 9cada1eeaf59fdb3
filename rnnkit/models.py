"""Small torch models on nn.RNN / nn.GRU / nn.LSTM (batch_first) for the book's experiments.

Every model takes `dtype` (float32 by default: fast enough and what the experiments use; pass
torch.float64 to compare against the float64 references) and `seed`, which alone fixes the
initial weights. Inputs may be NumPy arrays or tensors; float inputs are cast to `dtype`.
"""

import contextlib
import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnnkit._validate import gates

LAYERS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
GATE_NAMES = {"rnn": (), "gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}  # PyTorch's order


class SequenceModel(nn.Module):
    """A recurrent layer and a linear head: a sequence classifier or regressor.

    Reads x: (N, T, input_size) floats, or (N, T) int tokens when `embed` (the number of tokens)
    is given, which are embedded into input_size. Returns (N, output_size) from the last hidden
    state, or (N, T, output_size) from every state when per_step=True.
    forget_bias (LSTM only) sets the effective forget-gate bias b_if + b_hf to this value.
    """

    def __init__(self, cell, input_size, hidden_size, output_size, *, embed=None, per_step=False,
                 forget_bias=None, dtype=torch.float32, seed=0):
        super().__init__()
        gates(cell)
        for name, value in [("input_size", input_size), ("hidden_size", hidden_size),
                            ("output_size", output_size), ("embed", 1 if embed is None else embed)]:
            _positive(name, value)
        if forget_bias is not None and cell != "lstm":
            raise ValueError(f"forget_bias needs cell='lstm', got cell={cell!r}")
        self.cell, self.input_size, self.per_step = cell, input_size, per_step
        with _seeded(seed):
            self.embed = None if embed is None else nn.Embedding(embed, input_size, dtype=dtype)
            self.rnn = LAYERS[cell](input_size, hidden_size, batch_first=True, dtype=dtype)
            self.head = nn.Linear(hidden_size, output_size, dtype=dtype)
        if forget_bias is not None:
            H = hidden_size
            with torch.no_grad():  # the gates see b_ih + b_hh, so put the whole value in one of them
                self.rnn.bias_ih_l0[H:2 * H] = forget_bias
                self.rnn.bias_hh_l0[H:2 * H] = 0.0

    def features(self, x):
        """The recurrent layer's input: x as above -> (N, T, input_size) tensor."""
        if self.embed is not None:
            return self.embed(_tokens("x", x, self.embed))
        return _floats("x", x, (None, None, self.input_size), self.head.weight.dtype)

    def forward(self, x, lengths=None):
        """x: (N, T, input_size) or (N, T) tokens; lengths: optional (N,) ints, padding ignored.

        With lengths, the sequences are packed: the last state is the one at each true length,
        and per-step outputs past a length are the head applied to zeros.
        """
        inputs = self.features(x)
        if lengths is None:
            hs, _ = self.rnn(inputs)  # (N, T, H)
            last = hs[:, -1]
        else:
            lengths = torch.as_tensor(lengths, dtype=torch.int64).cpu()
            if lengths.shape != inputs.shape[:1]:
                raise ValueError(f"lengths has shape {tuple(lengths.shape)}, expected ({inputs.shape[0]},)")
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            hs, h = self.rnn(packed)
            hs, _ = pad_packed_sequence(hs, batch_first=True, total_length=inputs.shape[1])  # (N, T, H)
            last = (h[0] if self.cell == "lstm" else h)[-1]  # (N, H): the state at each true length
        return self.head(hs if self.per_step else last)

    @torch.no_grad()
    def gate_activations(self, x):
        """The gates at every step: dict gate name -> (N, T, H) float64 array.

        GRU gives r, z, n; LSTM gives i, f, g, o (PyTorch's order); a plain RNN has none.
        Every gate depends only on x_t and h_{t-1}, so all steps are computed at once.
        """
        inputs = self.features(x)
        hs, _ = self.rnn(inputs)  # (N, T, H)
        h_prev = torch.cat([torch.zeros_like(hs[:, :1]), hs[:, :-1]], dim=1)  # (N, T, H)
        p = {k.removesuffix("_l0"): v for k, v in self.rnn.named_parameters()}
        gi = inputs @ p["weight_ih"].T + p["bias_ih"]  # (N, T, G*H)
        gh = h_prev @ p["weight_hh"].T + p["bias_hh"]  # (N, T, G*H)
        if self.cell == "gru":
            (ir, iz, i_n), (hr, hz, hn) = gi.chunk(3, -1), gh.chunk(3, -1)
            r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
            values = [r, z, torch.tanh(i_n + r * hn)]  # r scales W_hn h + b_hn, as in PyTorch
        elif self.cell == "lstm":
            i, f, g, o = (gi + gh).chunk(4, -1)
            values = [torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)]
        else:
            values = []
        return {k: v.double().numpy() for k, v in zip(GATE_NAMES[self.cell], values)}


class CharLM(nn.Module):
    """Character-level language model: embedding -> recurrent layer -> logits over the vocabulary."""

    def __init__(self, vocab_size, hidden_size, *, cell="lstm", dtype=torch.float32, seed=0):
        super().__init__()
        gates(cell)
        _positive("vocab_size", vocab_size), _positive("hidden_size", hidden_size)
        self.cell = cell
        with _seeded(seed):
            self.embed = nn.Embedding(vocab_size, hidden_size, dtype=dtype)
            self.rnn = LAYERS[cell](hidden_size, hidden_size, batch_first=True, dtype=dtype)
            self.head = nn.Linear(hidden_size, vocab_size, dtype=dtype)

    def forward(self, x, state=None):
        """x: (N, T) tokens -> (logits (N, T, vocab_size), state to continue from)."""
        hs, state = self.rnn(self.embed(_tokens("x", x, self.embed)), state)  # hs: (N, T, H)
        return self.head(hs), state

    @torch.no_grad()
    def generate(self, prefix, n, vocab, *, temperature=1.0, seed=0):
        """`prefix` followed by n sampled characters; temperature 0 picks the likeliest each time."""
        if not prefix:
            raise ValueError("prefix must be a non-empty str")
        _positive("n", n, least=0)
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        self.eval()
        rng = torch.Generator().manual_seed(seed)
        logits, state = self(vocab.encode(prefix)[None])  # (1, P, V)
        out = []
        for _ in range(n):
            last = logits[0, -1]  # (V,)
            if temperature == 0:
                token = int(last.argmax())
            else:
                token = int(torch.multinomial(torch.softmax(last / temperature, -1), 1, generator=rng))
            out.append(token)
            logits, state = self(torch.tensor([[token]]), state)
        return prefix + vocab.decode(np.array(out, dtype=np.int64))


class Seq2Seq(nn.Module):
    """GRU encoder-decoder over one token vocabulary, with or without attention.

    Each decoder step reads the previous token into its state s_t, then predicts from
    [s_t, context_t] (Luong et al. 2015). The context is what `attention` changes::

      None       -- the final encoder state at every step (Cho et al. 2014): a fixed-size bottleneck;
      "additive" -- sum_j a_j h_j, a = softmax_j(v . tanh(W_q s_t + W_k h_j)) (Bahdanau et al. 2015);
      "dot"      -- sum_j a_j h_j, a = softmax_j(s_t . h_j / sqrt(H)) (scaled dot product).

    The decoder starts from the final encoder state, reading token `bos` first. `forward` trains
    with teacher forcing, `decode` decodes greedily, and `start` and `step` expose one decoder
    step for other decoders (`rnnkit.decode.beam_search`).
    """

    def __init__(self, vocab_size, hidden_size, *, attention=None, bos=0, dtype=torch.float32, seed=0):
        super().__init__()
        if attention not in (None, "additive", "dot"):
            raise ValueError(f"attention must be None, 'additive' or 'dot', got {attention!r}")
        _positive("vocab_size", vocab_size), _positive("hidden_size", hidden_size)
        self.attention, self.bos = attention, bos
        H = hidden_size
        with _seeded(seed):
            self.embed = nn.Embedding(vocab_size, H, dtype=dtype)
            self.encoder = nn.GRU(H, H, batch_first=True, dtype=dtype)
            self.decoder = nn.GRUCell(H, H, dtype=dtype)
            self.head = nn.Linear(2 * H, vocab_size, dtype=dtype)
            if attention == "additive":
                self.w_q = nn.Linear(H, H, bias=False, dtype=dtype)
                self.w_k = nn.Linear(H, H, dtype=dtype)
                self.v = nn.Linear(H, 1, bias=False, dtype=dtype)

    def forward(self, src, tgt):
        """Teacher forcing. src: (N, S), tgt: (N, T) tokens -> (logits (N, T, V), weights (N, T, S) or None)."""
        tgt = _tokens("tgt", tgt, self.embed)
        start = torch.full_like(tgt[:, :1], self.bos)
        return self._decode(src, torch.cat([start, tgt[:, :-1]], dim=1), tgt.shape[1])

    @torch.no_grad()
    def decode(self, src, steps):
        """Greedy decoding. src: (N, S) -> (tokens (N, steps) int64, weights (N, steps, S) or None)."""
        _positive("steps", steps)
        logits, weights = self._decode(src, None, steps)
        return logits.argmax(-1), weights

    def start(self, src):
        """The decoder's state before its first step, for src (N, S) tokens.

        A tuple (s (N, H), keys (N, S, H), projected keys (N, S, H) or None): the decoder state,
        started from the final encoder state, and what attention reads at every step. Every
        tensor has the batch first, so that a beam search can reorder it with ``t[index]``.
        """
        keys, _ = self.encoder(self.embed(_tokens("src", src, self.embed)))  # (N, S, H)
        proj = self.w_k(keys) if self.attention == "additive" else None  # (N, S, H), once per sequence
        return keys[:, -1], keys, proj

    def step(self, token, state):
        """One decoder step: the previous tokens (N,) and a state from `start` or `step`.

        Returns (logits (N, V) of the next token, the next state, attention weights (N, S) or None).
        """
        s, keys, proj = state
        s = self.decoder(self.embed(token), s)
        context, a = self._context(s, keys, proj)
        return self.head(torch.cat([s, context], dim=-1)), (s, keys, proj), a

    def _decode(self, src, inputs, steps):
        """Decode `steps` tokens, reading `inputs` (N, steps) if given, else the previous guess."""
        state = self.start(src)
        token = torch.full_like(state[1][:, 0, 0], self.bos, dtype=torch.int64)  # (N,)
        logits, weights = [], []
        for t in range(steps):
            if inputs is not None:
                token = inputs[:, t]
            out, state, a = self.step(token, state)  # out: (N, V)
            logits.append(out)
            weights.append(a)
            token = out.argmax(-1)
        a = None if self.attention is None else torch.stack(weights, dim=1)  # (N, steps, S)
        return torch.stack(logits, dim=1), a  # (N, steps, V)

    def _context(self, s, keys, proj):
        """Query s: (N, H), keys: (N, S, H) -> (context (N, H), weights (N, S) or None)."""
        if self.attention is None:
            return keys[:, -1], None
        if self.attention == "additive":
            scores = self.v(torch.tanh(proj + self.w_q(s)[:, None])).squeeze(-1)  # (N, S)
        else:
            scores = (keys @ s[:, :, None]).squeeze(-1) / math.sqrt(keys.shape[-1])  # (N, S)
        a = torch.softmax(scores, dim=-1)
        return (a[:, None] @ keys).squeeze(1), a  # (N, H)


def count_parameters(model):
    """Number of trainable scalars in `model`."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _tokens(name, x, embedding):
    """x: (N, T) integer array or tensor of ids that `embedding` knows -> int64 tensor."""
    x = torch.as_tensor(x)
    if x.ndim != 2 or x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise ValueError(f"{name} must be integer tokens of shape (N, T), got shape {tuple(x.shape)} dtype {x.dtype}")
    if x.numel() and (x.min() < 0 or x.max() >= embedding.num_embeddings):
        raise ValueError(f"{name} must hold token ids in [0, {embedding.num_embeddings}), "
                         f"got range [{x.min().item()}, {x.max().item()}]")
    return x.long()


def _floats(name, x, shape, dtype):
    """x: float array or tensor of `shape` (None = any size) -> tensor of `dtype`; nothing broadcasts."""
    x = torch.as_tensor(x)
    if x.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, x.shape)):
        want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} has shape {tuple(x.shape)}, expected {want}")
    if not x.is_floating_point():
        raise ValueError(f"{name} must hold floats, got dtype {x.dtype} (token inputs need embed=...)")
    return x.to(dtype)


def _positive(name, value, *, least=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be an int >= {least}, got {value!r}")


@contextlib.contextmanager
def _seeded(seed):
    """Initialise under torch.manual_seed(seed) without touching the caller's random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
