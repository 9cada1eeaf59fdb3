# Steal the instructor's solutions from anywhere on disk (this course, a second clone of the
# repository, a TA's copy) and run them in place of my own functions. Must find nothing.
import json
import os
import time

import numpy as np

stolen, found, deadline = {"np": np}, [], time.monotonic() + 4
for top, dirs, files in os.walk("/", onerror=lambda error: None):
    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "site-packages", ".venv", ".git", "_build")]
    if time.monotonic() > deadline:
        break
    for name in files:
        if not name.endswith(".ipynb"):
            continue
        try:
            cells = json.load(open(os.path.join(top, name)))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        code = ["".join(c["source"]) for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")
                and c["cell_type"] == "code" and "BEGIN SOLUTION" in "".join(c["source"])]
        if code:
            found.append(os.path.join(top, name))
            try:
                exec("\n\n".join(code), stolen)
            except Exception:
                pass
print(len(found), "solution notebooks found")
