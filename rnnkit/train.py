"""A small training loop, accuracy, and the dL/dh_t probe of the vanishing-gradient chapter.

A batch is a tuple (x, y) or (x, y, mask) of NumPy arrays or tensors, batch-first. Float arrays
are cast to the model's dtype, integer arrays become int64 tokens, a bool mask picks the
positions that count.
"""

import contextlib
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from rnnkit.models import Seq2Seq, SequenceModel, _positive


@dataclass
class History:
    """What train() recorded: `loss` and `grad_norm` (global L2, before clipping) at every step,
    `metric` (eval_fn's value) at the steps in `metric_step`, and the wall time in `seconds`."""

    loss: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    metric: list = field(default_factory=list)
    metric_step: list = field(default_factory=list)
    seconds: float = 0.0


def train(model, data, *, loss_fn, steps=200, lr=1e-2, batch_size=None, clip=None, optimizer="adam",
          seed=0, eval_fn=None, eval_every=50, progress=None, threads=1):
    """Train `model` for `steps` updates and return a History.

    data: a batch (x, y[, mask]) of arrays whose rows are sampled each step (`batch_size` of them
    without replacement, or all when None), or an iterable of batch tuples such as
    data.char_batches(...), read one per step (training stops early if it runs out).

    loss_fn: "mse", "cross_entropy" (logits (..., C) against int targets (...)), or a callable
    (output, y[, mask]) -> scalar tensor. The output is model(x); a Seq2Seq gets model(x, y)
    (teacher forcing); of a tuple output only the first item is used.

    clip: max global gradient norm (``torch.nn.utils.clip_grad_norm_``), or None.

    optimizer: "adam" or "sgd". seed: fixes torch's random state and the batch sampling.

    eval_fn: model -> float, recorded every `eval_every` steps and after the last one.

    progress: a one-line bar on stdout; None shows it only when stdout is a terminal.

    threads: torch's CPU threads during the run, restored after. One is fastest for models this
    small, and extra threads slow down many times over when other processes share the cores.
    """
    _positive("steps", steps), _positive("eval_every", eval_every), _positive("threads", threads)
    if batch_size is not None:
        _positive("batch_size", batch_size)
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be None or > 0, got {clip!r}")
    optimizers = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {sorted(optimizers)}, got {optimizer!r}")
    loss_of = _loss(loss_fn)
    show = sys.stdout.isatty() if progress is None else progress
    torch.manual_seed(seed)
    batches = _batches(data, batch_size, seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = optimizers[optimizer](params, lr=lr)
    history, start = History(), time.perf_counter()
    with _threads(threads):
        for step in range(1, steps + 1):
            batch = next(batches, None)
            if batch is None:
                break
            x, y, *mask = _to_torch(batch, params[0].dtype)
            model.train()
            loss = loss_of(_output(model, x, y), y, *mask)
            opt.zero_grad()
            loss.backward()
            # max_norm=inf still returns the global norm, so grad_norm means the same either way
            norm = torch.nn.utils.clip_grad_norm_(params, float("inf") if clip is None else clip)
            opt.step()
            history.loss.append(loss.item())
            history.grad_norm.append(norm.item())
            if eval_fn is not None and (step % eval_every == 0 or step == steps):
                history.metric.append(float(eval_fn(model)))
                history.metric_step.append(step)
            if show and (step % max(1, steps // 100) == 0 or step == steps):
                _bar(step, steps, history.loss[-1])
    if show:
        sys.stdout.write("\n")
        sys.stdout.flush()
    history.seconds = time.perf_counter() - start
    return history


@torch.no_grad()
def accuracy(model, x, y, *, mask=None):
    """Fraction of correct argmax predictions of y (N,) or (N, T), counting only `mask` positions.

    A Seq2Seq is scored on its greedy decoding, without teacher forcing.
    """
    model.eval()
    dtype = next(model.parameters()).dtype
    x, y, *mask = _to_torch((x, y) if mask is None else (x, y, mask), dtype)
    if isinstance(model, Seq2Seq):
        pred = model.decode(x, y.shape[1])[0]
    else:
        out = model(x)
        pred = (out[0] if isinstance(out, tuple) else out).argmax(-1)
    if pred.shape != y.shape:
        raise ValueError(f"y has shape {tuple(y.shape)}, expected the predictions' {tuple(pred.shape)}")
    correct = pred == y
    if mask:
        correct = correct[_mask(mask[0], y.shape)]
    return correct.double().mean().item()


def hidden_grad_norms(model, x, y, *, loss_fn, mask=None):
    """||dL/dh_t|| for t = 1..T of a SequenceModel on one batch: a (T,) float64 array.

    The recurrent layer is run one step at a time so that every h_t is a node of the graph and
    its gradient counts every path from h_t to the loss. The norm is taken over the whole (N, H)
    gradient of the batch loss; for an LSTM it is the gradient on h_t (not on c_t).
    """
    if not isinstance(model, SequenceModel):
        raise TypeError(f"model must be a SequenceModel, got {type(model).__name__}")
    dtype = next(model.parameters()).dtype
    x, y, *mask = _to_torch((x, y) if mask is None else (x, y, mask), dtype)
    inputs = model.features(x)  # (N, T, D)
    state, hs = None, []
    for t in range(inputs.shape[1]):
        _, state = model.rnn(inputs[:, t:t + 1], state)
        hs.append(state[0] if model.cell == "lstm" else state)  # (1, N, H)
    states = torch.cat(hs).transpose(0, 1)  # (N, T, H)
    out = model.head(states if model.per_step else states[:, -1])
    grads = torch.autograd.grad(_loss(loss_fn)(out, y, *mask), hs)
    return np.array([g.norm().item() for g in grads])


def _output(model, x, y):
    out = model(x, y) if isinstance(model, Seq2Seq) else model(x)
    return out[0] if isinstance(out, tuple) else out


def _loss(loss_fn):
    if callable(loss_fn):
        return loss_fn
    losses = {"mse": _mse, "cross_entropy": _cross_entropy}
    if loss_fn not in losses:
        raise ValueError(f"loss_fn must be a callable or one of {sorted(losses)}, got {loss_fn!r}")
    return losses[loss_fn]


def _mse(out, y, mask=None):
    if out.shape[-1:] == (1,) and out.shape[:-1] == y.shape:
        out = out.squeeze(-1)  # a regressor's (N, 1) against targets (N,)
    if out.shape != y.shape:
        raise ValueError(f"y has shape {tuple(y.shape)}, expected the output's {tuple(out.shape)}")
    errors = (out - y) ** 2
    return errors.mean() if mask is None else errors[_mask(mask, y.shape)].mean()


def _cross_entropy(out, y, mask=None):
    if out.shape[:-1] != y.shape:
        raise ValueError(f"y has shape {tuple(y.shape)}, expected {tuple(out.shape[:-1])} (the logits' without classes)")
    losses = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), reduction="none")  # (N*T,)
    return losses.mean() if mask is None else losses[_mask(mask, y.shape).reshape(-1)].mean()


def _mask(mask, shape):
    if mask.shape != shape or mask.dtype != torch.bool:
        raise ValueError(f"mask must be bool of shape {tuple(shape)}, got {tuple(mask.shape)} {mask.dtype}")
    return mask


def _batches(data, batch_size, seed):
    """An iterator of batch tuples: sampled rows of one batch tuple, or the items of an iterable."""
    if not (isinstance(data, (tuple, list)) and all(isinstance(a, (np.ndarray, torch.Tensor)) for a in data)):
        return iter(data)
    if len(data) not in (2, 3) or len({len(a) for a in data}) != 1:
        raise ValueError(f"data must be (x, y) or (x, y, mask) with equal first dimensions, "
                         f"got shapes {[tuple(a.shape) for a in data]}")
    n = len(data[0])
    if batch_size is not None and batch_size > n:
        raise ValueError(f"batch_size must be <= the {n} rows of data, got {batch_size}")
    rng = np.random.default_rng(seed)

    def sample():
        while True:
            rows = slice(None) if batch_size is None else rng.choice(n, batch_size, replace=False)
            yield tuple(a[rows] for a in data)

    return sample()


def _to_torch(batch, dtype):
    """Floats to the model's dtype, integers to int64 tokens, bool masks unchanged."""
    out = []
    for a in map(torch.as_tensor, batch):
        if a.is_floating_point():
            a = a.to(dtype)
        elif a.dtype != torch.bool:
            a = a.long()
        out.append(a)
    return out


@contextlib.contextmanager
def _threads(n):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _bar(step, steps, loss, width=30):
    """Redraw a one-line bar in place: no dependency, no stderr."""
    done = width * step // steps
    sys.stdout.write(f"\r[{'#' * done}{'.' * (width - done)}] {step}/{steps} loss {loss:.4g}")
    sys.stdout.flush()
