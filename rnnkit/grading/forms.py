"""Published forms: combinations of mistakes that are not a student's slip but another author's
model or convention, named as such, with how they differ from the course's (PyTorch's).

The grader searches a published form as one part of a combination (rnnkit.grading.search), so
that a student who wrote Keras's GRU and also left out the biases is told both. Each claim was
checked against the source it names: Keras's GRU (`reset_after=False`: "reset gate applied to
hidden state before matrix multiplication", based on arXiv 1406.1078v3, Cho et al.'s EMNLP 2014
paper; kernel blocks z, r, h; h = z * h_prev + (1 - z) * hh), ONNX's GRU operator
(`linear_before_reset=0`, the default: ht = g(Xt Wh^T + (rt ⊙ Ht-1) Rh^T + Rbh + Wbh), weights
W[zrh]), and Chung et al. 2014 (arXiv 1412.3555), whose GRU writes
h_t = (1 − z_t) h_{t−1} + z_t h̃_t; CMU 11-785's mask convention is its handout's docstring ("1/True
indicates a position to ignore", self.eps = 1e10 "DO NOT MODIFY"), in two students' copies in
tests/corpus/05_attention. Plain data: no torch.
"""

from dataclasses import dataclass

from rnnkit.grading.mistakes import Mistake


@dataclass(frozen=True)
class Form:
    """A combination of mistakes that someone published on purpose."""

    mistakes: frozenset
    label: str      # a few words, for the class report
    name: str       # who writes it so
    differs: str    # one sentence: how it differs from the course's form
    section: str    # where the book compares it with the course's: chapter N, 'Heading'


CHO_WITH_CHUNG_Z = Form(
    frozenset({Mistake.RESET_BEFORE, Mistake.Z_SWAPPED}),
    "GRU: Cho et al.'s reset before the product with Chung et al.'s z",
    "Cho et al.'s published GRU (EMNLP 2014: the reset gate applied to h_prev before the product with W_hn) "
    "written with Chung et al.'s convention for z (z weights the candidate: h' = (1 − z) ⊙ h + z ⊙ n)",
    "the course's GRU is PyTorch's, which applies r after the product, r ⊙ (W_hn h + b_hn), and keeps the old "
    "state with z, h' = (1 − z) ⊙ n + z ⊙ h: a different model with the same parameters, not a typo of it",
    "chapter 3, 'Other published GRUs'")
KERAS_RESET_BEFORE = Form(
    frozenset({Mistake.RESET_BEFORE, Mistake.GATE_ORDER_ZRN}),
    "GRU: Keras's reset_after=False (ONNX's default)",
    "the GRU of Keras with reset_after=False, or of ONNX with linear_before_reset=0 (its default): the reset "
    "gate before the product, weights stacked z, r, h",
    "PyTorch, whose layout and equations the course uses, stacks the gates r, z, n and applies r after the "
    "product, r ⊙ (W_hn h + b_hn) (Keras's reset_after=True, ONNX's linear_before_reset=1)",
    "chapter 3, 'Other published GRUs'")
MASK_ADDED_INVERTED = Form(
    frozenset({Mistake.MASK_INVERTED, Mistake.MASK_ADDED}),
    "the mask inverted and added as −1e10 (CMU 11-785's convention)",
    "a mask read as True = 'ignore' and added to the scores as mask × (−1e10) (the convention of CMU 11-785's "
    "mytorch handout)",
    "the course's mask is True where a query may attend (as in torch.nn.functional.scaled_dot_product_attention) "
    "and the blocked scores are set to −∞, e.g. np.where(mask, scores, -np.inf)",
    "chapter 5, 'Two conventions for boolean masks'")

# In the order in which a combination is named: the first form whose mistakes it holds.
FORMS = (CHO_WITH_CHUNG_Z, KERAS_RESET_BEFORE, MASK_ADDED_INVERTED)


def parts(mistakes):
    """The combination `mistakes` as the published forms it holds and its other mistakes, in
    FORMS order and then in Mistake order: the same parts for the same set, however it was found."""
    rest, found = set(mistakes), []
    for form in FORMS:
        if form.mistakes <= rest:
            found.append(form)
            rest -= form.mistakes
    return found + [m for m in Mistake if m in rest]
