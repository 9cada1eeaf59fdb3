"""The book's figures: training curves, dL/dh_t against t, gate and attention heatmaps.

Every function draws on `ax` (a new figure when None) and returns the Figure. A new figure is
closed in pyplot at once: nothing accumulates across calls, and a notebook shows the returned
figure exactly once (the pyplot backend is what registers the inline display).
"""

import matplotlib.pyplot as plt
import numpy as np


def training_curves(histories, *, key="loss", smooth=1, log=False, ax=None):
    """Plot one field of a train.History (or of each value of a dict label -> History) per step.

    key: "loss", "grad_norm" or "metric" (drawn at its metric_step). smooth: width of a moving
    average, 1 for none. log: logarithmic y axis.
    """
    if key not in ("loss", "grad_norm", "metric"):
        raise ValueError(f"key must be 'loss', 'grad_norm' or 'metric', got {key!r}")
    if isinstance(smooth, bool) or not isinstance(smooth, int) or smooth < 1:
        raise ValueError(f"smooth must be an int >= 1, got {smooth!r}")
    labelled = histories if isinstance(histories, dict) else {None: histories}
    if not labelled:
        raise ValueError("histories must hold at least one History, got an empty dict")
    fig, ax = _axes(ax)
    for label, h in labelled.items():
        if not hasattr(h, key):
            raise ValueError(f"histories[{label!r}] must be a History, got {type(h).__name__}")
        y = np.asarray(getattr(h, key), dtype=float)
        x = np.asarray(h.metric_step) if key == "metric" else np.arange(1, len(y) + 1)
        if len(y) >= smooth > 1:
            y = np.convolve(y, np.ones(smooth) / smooth, mode="valid")  # (len - smooth + 1,)
            x = x[smooth - 1:]
        ax.plot(x, y, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel(key.replace("_", " ") + (f" (moving average of {smooth})" if smooth > 1 else ""))
    if log:
        ax.set_yscale("log")
    if isinstance(histories, dict):
        ax.legend()
    return fig


def grad_norms_over_time(norms_by_label, *, log=True, ax=None):
    """Plot ||dL/dh_t|| against t: `norms_by_label` is a (T,) array or a dict label -> (T,) array."""
    labelled = norms_by_label if isinstance(norms_by_label, dict) else {None: norms_by_label}
    if not labelled:
        raise ValueError("norms_by_label must hold at least one (T,) array, got an empty dict")
    fig, ax = _axes(ax)
    for label, norms in labelled.items():
        norms = _finite(f"norms_by_label[{label!r}]" if label is not None else "norms_by_label", norms, ("T",))
        if log and (norms <= 0).any():
            raise ValueError(f"norms for {label!r} must be > 0 on a log scale, got min {norms.min()}")
        ax.plot(np.arange(1, len(norms) + 1), norms, label=label)
    ax.set_xlabel("time step t")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    if log:
        ax.set_yscale("log")
    if isinstance(norms_by_label, dict):
        ax.legend()
    return fig


def gate_heatmap(gates, *, title=None, vmin=0.0, vmax=1.0, ax=None):
    """Show gate activations `gates` (T, H): time t = 1..T across, hidden units up."""
    gates = _finite("gates", gates, ("T", "H"))
    fig, ax = _axes(ax)
    T, H = gates.shape
    image = ax.imshow(gates.T, aspect="auto", origin="lower", vmin=vmin, vmax=vmax, cmap="viridis",
                      interpolation="nearest", extent=(0.5, T + 0.5, -0.5, H - 0.5))  # (H, T), t from 1
    ax.set_xlabel("time step t")
    ax.set_ylabel("hidden unit")
    if title is not None:
        ax.set_title(title)
    fig.colorbar(image, ax=ax)
    return fig


def attention_heatmap(weights, x_labels=None, y_labels=None, *, ax=None):
    """Show attention weights (Tq, Tk): one row per query (output step), one column per key."""
    weights = _finite("weights", weights, ("Tq", "Tk"))
    Tq, Tk = weights.shape
    for name, labels, n in [("x_labels", x_labels, Tk), ("y_labels", y_labels, Tq)]:
        if labels is not None and len(labels) != n:
            raise ValueError(f"{name} has {len(labels)} labels, expected {n} for weights of shape {weights.shape}")
    fig, ax = _axes(ax)
    image = ax.imshow(weights, vmin=0.0, vmax=1.0, cmap="Greys", interpolation="nearest")
    if x_labels is not None:
        ax.set_xticks(range(Tk), [str(s) for s in x_labels])
    if y_labels is not None:
        ax.set_yticks(range(Tq), [str(s) for s in y_labels])
    ax.set_xlabel("key (input position)")
    ax.set_ylabel("query (output step)")
    fig.colorbar(image, ax=ax)
    return fig


def _axes(ax):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    plt.close(fig)
    return fig, ax


def _finite(name, a, dims):
    """`a` (array, list or CPU tensor) as float64 of shape `dims` (names only), non-empty and finite."""
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{name} must be an array of numbers: {e}") from None
    if a.ndim != len(dims) or a.size == 0:
        want = "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
        raise ValueError(f"{name} has shape {a.shape}, expected a non-empty {want}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite, got {np.count_nonzero(~np.isfinite(a))} NaN/inf values")
    return a
