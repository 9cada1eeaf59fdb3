"""CMU 11-785 `mytorch` Sigmoid activation, adapted to the 02_vanishing_gradients interface.

Source: jingxian0320/11785-Deep-Learning-Homework, mytorch/activation.py (class Sigmoid, forward),
commit 831da9608f0ad93cbb72d95f7f17cbe024742b29 (the student's code in the course's skeleton):
    self.state = 1/(1 + np.exp(-x))

Adaptation, as a student would: sigmoid(x) returns Sigmoid().forward(x); the class is kept.
The arithmetic, and any bug in it, is the author's.
"""
import numpy as np


class Sigmoid(object):

    """
    Sigmoid non-linearity
    """

    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        # Might we need to store something before returning?
        self.state = 1/(1 + np.exp(-x))
        return self.state

    def derivative(self, state = None):
        if state is not None:
            self.state = state
        return self.state * (1-self.state)


def sigmoid(x):
    return Sigmoid().forward(x)


# How each tag was verified (scratch script): the values are right, but np.exp(-x) overflows for
# x <= -710 (RuntimeWarning: overflow encountered in exp).
EXPECTED = {
    "sigmoid": ["sigmoid_overflow"],
}
