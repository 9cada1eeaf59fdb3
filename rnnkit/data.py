"""Seeded synthetic tasks and a tiny text corpus; NumPy out, batch-first, no downloads.

Every task takes `seed` and returns the same arrays for the same arguments. Inputs are float64
(or int64 tokens when the task is about symbols), targets float64 or int64.
"""

import numpy as np


def adding_problem(n, T, *, seed=0):
    """The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015).

    Channel 0 holds values U(0, 1); channel 1 is a marker with exactly two 1s, one in each half
    of the sequence. The target is the sum of the two marked values (predicting 1 scores MSE ~1/6).

    Returns x: (n, T, 2) float64, y: (n,) float64.
    """
    _positive("n", n), _positive("T", T, least=2)
    rng = np.random.default_rng(seed)
    values = rng.random((n, T))
    rows = np.arange(n)
    first = rng.integers(0, T // 2, size=n)
    second = rng.integers(T // 2, T, size=n)  # the halves never share a position
    marks = np.zeros((n, T))
    marks[rows, first] = marks[rows, second] = 1.0
    x = np.stack([values, marks], axis=-1)  # (n, T, 2)
    return x, values[rows, first] + values[rows, second]


def copy_task(n, T, *, n_symbols=8, delay=10, seed=0):
    """Memorise T symbols, wait `delay` blanks, then reproduce them (Arjovsky et al. 2016).

    Tokens: 0 = blank, 1..n_symbols = symbols, n_symbols + 1 = "go" (vocabulary n_symbols + 2).
    The input is `s_1..s_T, blank * delay, go, blank * (T - 1)`; the target is blank until the go
    step, then `s_1..s_T`. Only positions where `mask` is True count (blanks are trivial).

    Returns x, y: (n, 2T + delay) int64 and mask: (n, 2T + delay) bool.
    """
    _positive("n", n), _positive("T", T), _positive("n_symbols", n_symbols), _positive("delay", delay, least=0)
    rng = np.random.default_rng(seed)
    symbols = rng.integers(1, n_symbols + 1, size=(n, T))
    length = 2 * T + delay
    x = np.zeros((n, length), dtype=np.int64)
    y = np.zeros((n, length), dtype=np.int64)
    x[:, :T] = symbols
    x[:, T + delay] = n_symbols + 1
    y[:, T + delay:] = symbols
    mask = np.zeros((n, length), dtype=bool)
    mask[:, T + delay:] = True
    return x, y, mask


def first_symbol(n, T, *, n_classes=4, n_noise=4, seed=0):
    """Classify a sequence of T tokens by its first one; the other T - 1 are noise.

    The first token is the class, in [0, n_classes); the rest are random noise tokens in
    [n_classes, n_classes + n_noise), so a model must carry one token through T - 1 noisy updates.
    Within a few hundred Adam steps a GRU learns this for T of a few dozen, where a tanh RNN stays
    far from 100%. Chance accuracy is 1 / n_classes. Embed with n_classes + n_noise tokens.

    Returns x: (n, T) int64, y: (n,) int64.
    """
    _positive("n", n), _positive("T", T), _positive("n_classes", n_classes, least=2), _positive("n_noise", n_noise)
    rng = np.random.default_rng(seed)
    x = rng.integers(n_classes, n_classes + n_noise, size=(n, T))
    x[:, 0] = rng.integers(0, n_classes, size=n)
    return x, x[:, 0].copy()


def reverse_task(n, L, *, n_symbols=10, reverse=True, seed=0):
    """Reverse (or with reverse=False, copy) a string of L digits: a task for an encoder-decoder.

    Tokens: 0 = start-of-output (the decoder's first input), 1..n_symbols = digits, so the
    vocabulary has n_symbols + 1 tokens. Without attention the whole string must pass through one
    hidden vector, so accuracy falls as L grows; copying is the harder case for that bottleneck
    (the first output is the oldest input) and the easier one for attention.

    Returns src, tgt: (n, L) int64; tgt is src reversed along time, or src itself.
    """
    _positive("n", n), _positive("L", L), _positive("n_symbols", n_symbols)
    src = np.random.default_rng(seed).integers(1, n_symbols + 1, size=(n, L))
    return src, (src[:, ::-1] if reverse else src).copy()


def variable_length(n, max_T, *, min_T=1, input_size=1, seed=0):
    """Sequences of random lengths in [min_T, max_T], zero-padded at the end.

    The target is the mean of the valid values of channel 0, so a model that reads the padding
    (instead of masking or packing it) is measurably wrong.

    Returns x: (n, max_T, input_size) float64, lengths: (n,) int64, y: (n,) float64.
    """
    _positive("n", n), _positive("max_T", max_T), _positive("input_size", input_size)
    _positive("min_T", min_T)
    if min_T > max_T:
        raise ValueError(f"min_T must be <= max_T={max_T}, got {min_T}")
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_T, max_T + 1, size=n)
    valid = np.arange(max_T) < lengths[:, None]  # (n, max_T)
    x = rng.random((n, max_T, input_size)) * valid[..., None]  # (n, max_T, input_size)
    return x, lengths, x[..., 0].sum(axis=1) / lengths


def char_corpus():
    """A few KB of original English prose shipped with the package, for character-level LMs."""
    return _CORPUS


class CharVocab:
    """Characters of a text, sorted, each mapped to an integer id in [0, size)."""

    def __init__(self, text):
        if not isinstance(text, str) or not text:
            raise ValueError(f"text must be a non-empty str, got {text!r:.40}")
        self.chars = sorted(set(text))
        self._index = {c: i for i, c in enumerate(self.chars)}

    @property
    def size(self):
        return len(self.chars)

    def __len__(self):
        return len(self.chars)

    def encode(self, s):
        """str of length T -> (T,) int64 ids; a character outside the vocabulary is a ValueError."""
        unknown = sorted(set(s) - self._index.keys())
        if unknown:
            raise ValueError(f"s contains characters not in the vocabulary: {unknown}")
        return np.array([self._index[c] for c in s], dtype=np.int64)

    def decode(self, ids):
        """(T,) ints -> str of length T."""
        ids = np.asarray(ids)
        if ids.size == 0:
            return ""
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be a 1-D integer array, got shape {ids.shape} dtype {ids.dtype}")
        if (ids.min() < 0 or ids.max() >= self.size):
            raise ValueError(f"ids must lie in [0, {self.size}), got range [{ids.min()}, {ids.max()}]")
        return "".join(self.chars[i] for i in ids)


def char_batches(text, seq_len, batch_size, *, vocab=None, seed=0):
    """Endless random windows of `text` for next-character prediction.

    `vocab` defaults to CharVocab(text). Each item is (x, y), both (batch_size, seq_len) int64,
    with y[:, t] the character after x[:, t].
    """
    _positive("seq_len", seq_len), _positive("batch_size", batch_size)
    vocab = CharVocab(text) if vocab is None else vocab
    ids = vocab.encode(text)
    if len(ids) <= seq_len:
        raise ValueError(f"text must be longer than seq_len={seq_len}, got {len(ids)} characters")
    rng = np.random.default_rng(seed)
    offsets = np.arange(seq_len + 1)

    def batches():
        while True:
            start = rng.integers(0, len(ids) - seq_len, size=batch_size)
            window = ids[start[:, None] + offsets]  # (batch_size, seq_len + 1)
            yield window[:, :-1], window[:, 1:]

    return batches()


def _positive(name, value, *, least=1):
    """Check `value` is an int >= least (bools are not ints here)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ValueError(f"{name} must be an int >= {least}, got {value!r}")


_CORPUS = """\
The lighthouse stood at the end of a long spit of shingle, and the keeper had lived there for \
eleven winters. Each evening he climbed the hundred and twelve steps, trimmed the wick, wound the \
clockwork that turned the great lens, and wrote three lines in the log: the time, the wind, and \
the state of the sea. On calm nights he added a fourth line about whatever he had seen.

Most of what he saw was ordinary. A fishing boat came home late with its lamps swinging. A heron \
stood in the shallows until the tide lifted its feet. Once a fox walked the whole length of the \
spit in the moonlight, stopped beneath the tower, looked up at the turning beam as if counting \
it, and walked back the way it had come. He wrote that line twice, because he did not trust his \
hand the first time.

The village at the landward end of the spit was small and kept its own hours. The baker lit her \
oven before the gulls woke. The schoolmaster rang a bell that could be heard on the water, and the \
children ran down the lane with their slates held over their heads when it rained. On market days \
a cart came over the hill with apples, rope, lamp oil and news, and the news was always a week \
old, which nobody minded, because a week was about as fast as anything important ever travelled.

In spring the keeper painted the iron rail around the gallery. In summer he mended nets for the \
fishermen, who paid him in mackerel and in stories. In autumn he counted the geese going south \
and wrote the number in the margin of the log, and in winter he counted the ships that did not \
come in, and wrote nothing at all.

A girl from the village began to visit him on Sundays. She wanted to know how the lens worked, so \
he showed her how the prisms bent the small flame into a single flat blade of light, and how the \
blade swept the water once every ten seconds, so that a sailor who counted between the flashes \
would know which coast he was looking at. Every lighthouse has its own rhythm, he told her, the \
way every person has their own walk. You learn to recognise it in the dark.

She asked what happened if the clockwork stopped. Then you turn it by hand, he said, all night if \
you must, and you count out loud so that you do not lose the rhythm. The sea does not care how \
tired you are. She thought about this for a long time and then asked whether he had ever had to \
do it. Twice, he said. Once in a gale, and once because I forgot to wind it. The second time was \
worse.

Years later, when the light was fitted with an electric lamp and a motor, and the keeper had \
moved into a cottage by the harbour, the girl, who was by then the harbour master, found the old \
logs in a box in the tower. She read them in order, one winter, a few pages each night. The \
entries were short and mostly the same: the time, the wind, the state of the sea. But every so \
often there was a fourth line, and she began to look forward to those lines the way one looks \
forward to a letter. The fox was there, twice. So was a night of green lightning, a whale that \
surfaced so close to the rocks that its breath fogged the lower windows, and a small boat with \
nobody in it that drifted past at dawn and was never explained.

On the last page of the last log, in a hand that was less steady than the rest, he had written: \
Calm. Wind light from the west. Sea slight. And below that, a fourth line: Counted the flashes \
tonight from the harbour wall, as a sailor would. It is a good rhythm. I would know it anywhere.
"""
