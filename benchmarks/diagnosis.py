"""How long the grader takes to diagnose a wrong function (target: under 1 s on 2 cores).

    python benchmarks/diagnosis.py

For every wrong function of the corpus of public implementations (tests/corpus), runs it once on
the hidden sizes (rnnkit.grading.observe, not timed) and times rnnkit.grading.verdict on what it
gave: the right answers, the search for the combination of mistake models that reproduces it
and the message. The right answers are computed again for each function, as for a class graded
with fresh seeds. Prints min, median and max with the slowest functions, then the same for the
worst case of each graded function: outputs that no combination reproduces (the right answers
with noise), where the search tries every candidate it may.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from corpus import files, load  # noqa: E402

from rnnkit.grading import GradingError, checking, observe, verdict  # noqa: E402
from rnnkit.grading.assignments import FUNCTIONS  # noqa: E402
from rnnkit.grading.specs import SPECS  # noqa: E402

SEED = 11


def timed(name, observed):
    """(seconds, message) of judging `observed`, with no right answer computed before."""
    checking._ANSWERS.clear()
    start = time.perf_counter()
    message = verdict(name, observed, SEED)
    return time.perf_counter() - start, message


def corpus():
    """(label, seconds, the message's last line) of every wrong function of the corpus."""
    for rel in files():
        module = load(rel)
        for name, tags in module.EXPECTED.items():
            if not tags:
                continue
            forward = getattr(module, FUNCTIONS[name].forward) if FUNCTIONS[name].forward else None
            try:
                observed = observe(name, getattr(module, name), forward, SEED)
            except GradingError:
                continue
            seconds, message = timed(name, observed)
            yield f"{rel}::{name}", seconds, (message or "passed").splitlines()[-1]


def noisy(name):
    """What observe() would give for a function whose every output is the right one with 30% noise."""
    spec, rng, observed = SPECS[name], np.random.default_rng(0), []

    def jitter(out):
        if isinstance(out, dict):
            return {k: jitter(v) for k, v in out.items()}
        out = np.asarray(out, dtype=np.float64)
        return out * (1 + 0.3 * rng.normal(size=out.shape))

    for i, size in enumerate(spec.hidden):
        inputs = spec.make(np.random.default_rng(SEED + i), size)
        before = {"outputs": SPECS[spec.forward].reference(inputs)} if spec.forward else None
        observed.append([before, {"outputs": [jitter(o) for o in spec.reference(inputs)]}])
    return observed


def summary(title, rows):
    times = [s for _, s, _ in rows]
    print(f"{title}: {len(rows)} functions, min {min(times):.3f} s, median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s")
    for label, seconds, last in sorted(rows, key=lambda r: -r[1])[:5]:
        print(f"  {seconds:6.3f} s  {label:60s} {last}")
    return {"functions": len(rows), "min": min(times), "median": statistics.median(times), "max": max(times)}


def main():
    timed("rnn_forward", observe("rnn_forward", lambda xs, h0, p: (np.zeros_like(xs[..., :1]), None), None, SEED))
    figures = {"corpus": summary("wrong functions of the corpus", list(corpus())),
               "worst": summary("worst case (noise: no combination fits)",
                                [(name, *timed(name, noisy(name))[:1], "") for name in sorted(SPECS)])}
    print(json.dumps({"target": "< 1 s per wrong function", **figures}))


if __name__ == "__main__":
    main()
