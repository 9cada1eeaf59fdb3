"""How the grader exercises each graded function: how to make its inputs, call it, compute
the right answer, and which common mistakes a wrong answer is compared with.

A spec's `run(fn, forward, inputs)` returns the student's graded outputs as a list;
`reference(inputs)` and `model(inputs, flags)` return the same list, computed by
rnnkit.reference and rnnkit.grading.mistake_models. Outputs are arrays, or dicts of arrays for
parameter gradients. Which assignment a function belongs to, and which forward pass a backward
one takes, is the registry's (rnnkit.grading.assignments). The specs are written by chapter:
`cells` (chapters 1, 3, 4), `numerics` (2), `attention` (5); `base` holds what they share.
"""

from rnnkit.grading.specs.attention import attention_specs
from rnnkit.grading.specs.base import Spec, WrongReturn
from rnnkit.grading.specs.cells import cell_specs
from rnnkit.grading.specs.numerics import numerics_specs

SPECS = {s.name: s for s in [
    *cell_specs("rnn", {"forward": "section 'The forward pass'",
                        "backward": "section 'Backpropagation through time'",
                        "bptt": "section 'Backpropagation through time'"}),
    *numerics_specs(),
    *cell_specs("gru", {"forward": "section 'The equations'",
                        "backward": "section 'The backward pass of one step'",
                        "bptt": "section 'The backward pass of one step' (the loop over time: "
                                "chapter 1, 'Backpropagation through time')"}),
    *cell_specs("lstm", {"forward": "section 'Two states: a memory and an output'",
                         "backward": "section 'The backward pass of one step'",
                         "bptt": "section 'The cell state is an additive path for gradients'"}),
    *attention_specs(),
]}

__all__ = ["SPECS", "Spec", "WrongReturn"]
