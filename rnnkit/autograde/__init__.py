"""Grading a class: `rnnkit grade`, `rnnkit feedback` and `rnnkit report`.

`grade` coordinates: it prepares each submission with nbgrader's sanitize steps, hands a
`job` to workers and commits what comes back through nbgrader (`course`). A `worker` runs
the notebook and then the clean re-check (`recheck`), and judges both; each runs in a sandbox
of its own (`isolation`), forked from a `pools` fork server (`forkserver`) that imported
what it needs once. `reports` writes what people read.
"""

import sys

# jsonschema, which nbformat and nbgrader import, imports rfc3987_syntax when installed, for IRI
# formats that no notebook schema uses; that import builds 38 parsers and takes a second in
# every grading process. Left out, jsonschema skips those formats.
sys.modules.setdefault("rfc3987_syntax", None)
