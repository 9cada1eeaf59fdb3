"""What instructors and students read after grading: per-student feedback pages and a class
report of scores and the most frequent diagnosed mistakes."""

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path

from rnnkit.autograde import course as nbg
from rnnkit.grading.assignments import cell_label

_MISTAKE = re.compile(r"Most likely mistake: (.+?)\.(?:\\n|\n|$)")


def test_results(course, assignment, student):
    """[(test cell, score, max, message)] from the autograded notebooks and the gradebook."""
    scores = nbg.scores(course, assignment, student)
    rows = []
    for path in sorted((course.root / course.coursedir.autograded_directory / student / assignment).glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in scores:
                rows.append((gid, *scores[gid], _message(cell)))
    return rows


def _message(cell):
    """The grader's words in a test cell's output: the error's message, or stderr, or ''."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
        elif out.get("output_type") == "stream" and out.get("name") == "stderr" and not parts:
            parts.append("".join(out.get("text", "")))
    return "\n".join(parts).strip()


def feedback(root, assignment, students=None, db_url=None):
    """Write feedback/<student>/<assignment>/<assignment>-results.html; returns the paths."""
    course = nbg.load(root, db_url)
    written = []
    for student in nbg.submissions(course, assignment, students):
        try:
            rows = test_results(course, assignment, student)
        except Exception:  # noqa: BLE001 (not graded yet: no page)
            continue
        path = course.root / course.coursedir.feedback_directory / student / assignment / f"{assignment}-results.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_page(assignment, student, rows))
        written.append(path)
    return written


def _page(assignment, student, rows):
    total, most = sum(r[1] for r in rows), sum(r[2] for r in rows)
    body = "".join(
        f"<tr class='{'pass' if s == m else 'fail'}'><td>{html.escape(cell_label(g))}</td>"
        f"<td>{s:g} / {m:g}</td><td>{'pass' if s == m else 'fail'}</td>"
        f"<td><pre>{html.escape(msg)}</pre></td></tr>" for g, s, m, msg in rows)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(assignment)}: {html.escape(student)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.3em .6em;vertical-align:top;
text-align:left}}tr.pass td:nth-child(3){{color:#176f2c}}tr.fail td:nth-child(3){{color:#b00020}}
pre{{white-space:pre-wrap;margin:0}}</style></head><body>
<h1>{html.escape(assignment)}: {html.escape(student)}</h1>
<p>Score of the automatic tests: <strong>{total:g} / {most:g}</strong>. Written answers are graded by hand.</p>
<table><tr><th>function</th><th>points</th><th>result</th><th>what the grader found</th></tr>{body}</table>
</body></html>
"""


def report(root, assignment, db_url=None, out_dir=None):
    """Score distribution and most frequent mistakes per function, as a PNG and a CSV."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    course = nbg.load(root, db_url)
    totals, mistakes = [], Counter()
    for student in nbg.submissions(course, assignment):
        try:
            rows = test_results(course, assignment, student)
        except Exception:  # noqa: BLE001 (not graded: not in the report)
            continue
        totals.append(sum(r[1] for r in rows))
        for gid, score, most, message in rows:
            if score < most:
                mistakes[(cell_label(gid), _kind(message))] += 1
    out_dir = Path(out_dir or course.root / "reports")
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / f"{assignment}-mistakes.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["function", "mistake", "students"])
        for (fn, text), n in sorted(mistakes.items(), key=lambda kv: (kv[0][0], -kv[1])):
            w.writerow([fn, text, n])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [1, 1.6]})
    a1.hist(totals, bins=min(20, max(len(set(totals)), 1)), color="#4c72b0")
    a1.set(title=f"{assignment}: scores of {len(totals)} students", xlabel="score", ylabel="students")
    top = [(key, n) for key, n in mistakes.most_common() if key[1] not in _NOT_MISTAKES][:8]
    a2.barh([f"{fn}: {text[:55]}" for (fn, text), _ in top][::-1], [n for _, n in top][::-1], color="#dd8452")
    a2.set(title="most frequent diagnosed mistakes", xlabel="students")
    a2.xaxis.get_major_locator().set_params(integer=True)
    a2.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / f"{assignment}-report.png", dpi=100)
    plt.close(fig)
    return out_dir / f"{assignment}-report.png", out_dir / f"{assignment}-mistakes.csv"


_NOT_MISTAKES = {"not implemented", "not graded: the notebook was stopped", "its forward pass is wrong first"}


def _kind(message):
    """A short name for why a test failed: the diagnosed mistake, or what kept it from one."""
    found = _MISTAKE.search(message)
    if found:
        return found.group(1)
    for words, kind in (("cannot be checked until", "its forward pass is wrong first"),
                        ("not implemented yet", "not implemented"), ("NotGraded", "not graded: the notebook was stopped"),
                        ("earns 0", "calls torch or rnnkit (earns 0)"), ("not numerically stable", "numerically unstable")):
        if words in message:
            return kind
    lines = [ln for ln in message.splitlines() if ln.strip()]
    return lines[0][:120] if lines else "no message"
