"""Grading a class: `rnnkit grade`, `rnnkit feedback` and `rnnkit report`.

`grade` coordinates: it prepares each submission with nbgrader's sanitize steps, hands a
`job` to workers, judges what comes back and commits through nbgrader (`course`). A
`worker` runs the notebook and then the clean re-check (`recheck`), each in a sandbox
(`isolation`). `reports` writes what people read.
"""

import sys

# jsonschema, which nbformat and nbgrader import, imports rfc3987_syntax when installed, for IRI
# formats that no notebook schema uses; that import builds 38 parsers and takes a second in
# every grading process. Left out, jsonschema skips those formats.
sys.modules.setdefault("rfc3987_syntax", None)
