"""Loaded by a sandboxed kernel at start-up: cap what a notebook can print.

A cell that prints 100 MB would take minutes to stream and store; past the cap the kernel's
stdout and stderr drop the rest, with one note saying so, and the cell goes on.
"""

import sys


def cap_output(max_chars):
    """Wrap the kernel's stdout and stderr so that together they pass on at most max_chars."""
    left = [max_chars]
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        write = stream.write

        def capped(text, write=write):
            if left[0] <= 0:
                return len(text)
            if len(text) > left[0]:
                write(text[:left[0]] + f"\n[output cut: the limit is {max_chars} characters per notebook]\n")
                left[0] = 0
                return len(text)
            left[0] -= len(text)
            return write(text)

        stream.write = capped
