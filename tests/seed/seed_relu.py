# SPDX-License-Identifier: MIT
"""The seed's NumPy ReLU class, verbatim from the blog post (after cs231n).

The one copy of the cs231n reference for plain ReLU: the differential tests
and the demo check both import it from here.
"""


class Relu:
    """
    http://cs231n.github.io/
    """

    def __init__(self):
        self.x = None

    def __call__(self, x):
        self.x = x
        # Must use copy in numpy to avoid pass by reference.
        out = self.x.copy()
        out[out < 0] = 0
        return out

    def backward(self, d_loss):
        relu_mask = (self.x >= 0)
        dx = d_loss * relu_mask
        return dx
