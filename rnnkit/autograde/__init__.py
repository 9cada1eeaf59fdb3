"""Grading a class: `rnnkit grade`, `rnnkit feedback` and `rnnkit report`.

Submissions run in parallel sandboxes (`sandbox`, `runner`), are re-checked in clean processes
(`clean`), and are committed to the course's nbgrader gradebook by nbgrader's own autograde
steps from one coordinating process (`course`, `grade`). `reports` writes what people read.
"""
