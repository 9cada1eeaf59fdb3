"""Grading a class: `rnnkit grade`, `rnnkit feedback` and `rnnkit report`.

`grade` coordinates: it prepares each submission with nbgrader's sanitize steps, hands a
`job` to workers, judges what comes back and commits through nbgrader (`course`). A
`worker` runs the notebook and then the clean re-check (`recheck`), each in a sandbox
(`isolation`). `reports` writes what people read.
"""
