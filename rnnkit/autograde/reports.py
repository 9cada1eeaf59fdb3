"""What instructors and students read after grading: per-student feedback pages and a class
report of scores and the diagnosed mistakes, counted by kind.

Both read the grader's messages in the autograded notebooks. A message's structure is
rnnkit.grading.diagnosis's: a first line, `Wrong:` and `Correct:` outputs, findings on lines
starting with "- ", the `See the book` line and a last `Diagnosis:` line of kinds
(rnnkit.grading.findings). Messages of older gradings, without that line, are counted by their
words.

The feedback page links each section a message cites into the book. Where the book is: the
`book_url` argument (`rnnkit feedback --book-url URL`), else the environment variable
RNNKIT_BOOK_URL, else the book built in the checkout rnnkit runs from (`make book`:
file://.../_build/html). Pages given to students should point at the published book.
"""

import csv
import html
import json
import os
import re
import textwrap
from collections import defaultdict
from pathlib import Path

import rnnkit
from rnnkit.autograde import course as nbg
from rnnkit.grading import book, findings
from rnnkit.grading.assignments import cell_label

_BOOK_URL = "RNNKIT_BOOK_URL"
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


def book_location(given=None):
    """Where the feedback page's links point: `given`, RNNKIT_BOOK_URL, or the local build."""
    local = Path(rnnkit.__file__).resolve().parents[1] / "_build" / "html"
    return given or os.environ.get(_BOOK_URL) or local.as_uri()


# ---- feedback pages --------------------------------------------------------------------------


def feedback(root, assignment, students=None, db_url=None, book_url=None):
    """Write feedback/<student>/<assignment>/<assignment>-results.html; returns the paths."""
    course = nbg.load(root, db_url)
    base = book_location(book_url)
    written = []
    for student in nbg.submissions(course, assignment, students):
        try:
            rows = test_results(course, assignment, student)
        except Exception:  # noqa: BLE001 (not graded yet: no page)
            continue
        path = course.root / course.coursedir.feedback_directory / student / assignment / f"{assignment}-results.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(assignment, student, rows, base))
        written.append(path)
    return written


def page(assignment, student, rows, base):
    """One student's page: per test, the points and what the grader found, output by output."""
    total, most = sum(r[1] for r in rows), sum(r[2] for r in rows)
    body = "".join(
        f"<tr class='{'pass' if s == m else 'fail'}'><td>{html.escape(cell_label(g))}</td>"
        f"<td>{s:g} / {m:g}</td><td>{'pass' if s == m else 'fail'}</td>"
        f"<td>{_found(msg, base) if s < m else ''}</td></tr>" for g, s, m, msg in rows)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(assignment)}: {html.escape(student)}</title>
<style>body{{font-family:sans-serif;max-width:64em;margin:2em auto}}td,th{{padding:.3em .6em;vertical-align:top;
text-align:left}}tr.pass td:nth-child(3),.right{{color:#176f2c}}tr.fail td:nth-child(3),.wrong{{color:#b00020}}
pre{{white-space:pre-wrap;margin:0}}ul{{margin:.3em 0;padding-left:1.2em}}table.outputs td{{padding:.1em .5em}}
p{{margin:.3em 0}}</style></head><body>
<h1>{html.escape(assignment)}: {html.escape(student)}</h1>
<p>Score of the automatic tests: <strong>{total:g} / {most:g}</strong>. Written answers are graded by hand.</p>
<table><tr><th>function</th><th>points</th><th>result</th><th>what the grader found</th></tr>{body}</table>
</body></html>
"""


def _found(message, base):
    """A failed test's message as HTML: the headline, each output right or wrong with what is
    wrong with it, the other findings, links to the sections to read, and the message itself."""
    own = [ln for ln in message.splitlines() if not ln.startswith("  ")]  # not the quoted forward's
    wrong = _listed(own, "Wrong: ")
    correct = _listed(own, "Correct: ")
    notes = _notes(message)
    parts, shown = [f"<p>{html.escape(own[0].removeprefix('GradingError: '))}</p>" if own else ""], set()
    if wrong or correct:
        general = [n for n in notes if not any(_names(n, label) for label in wrong + correct)]
        outputs = [(label, "wrong", [n for n in notes if _names(n, label)] or general) for label in wrong]
        outputs += [(label, "right", []) for label in correct]
        shown = {n for _, _, about in outputs for n in about}
        parts.append("<table class='outputs'>" + "".join(
            f"<tr><td><code>{html.escape(label)}</code></td><td class='{status}'>{status}</td>"
            f"<td>{'<br>'.join(html.escape(n) for n in about)}</td></tr>" for label, status, about in outputs)
            + "</table>")
    if [n for n in notes if n not in shown]:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes if n not in shown) + "</ul>")
    cited = [c for ln in message.splitlines() if ln.strip().startswith("See the book") for c in book.citations(ln)]
    if cited:
        links = dict.fromkeys(f"<a href='{html.escape(book.link(base, page_, heading))}'>{html.escape(heading)}</a>"
                              for page_, heading in cited)
        parts.append(f"<p>Read in the book: {', '.join(links)}.</p>")
    parts.append(f"<details><summary>the grader's message</summary><pre>{html.escape(message)}</pre></details>")
    return "".join(parts)


def _notes(message):
    """The findings of a message: each line starting with "- ", with the indented lines that
    continue it (the parts of a combination)."""
    notes, current = [], None
    for line in message.splitlines():
        if line.startswith("- "):
            current = [line[2:]]
            notes.append(current)
        elif line.startswith("  ") and current is not None:
            current.append(line.strip())
        else:
            current = None
    return [" ".join(parts) for parts in notes]


def _names(note, label):
    """Whether a finding is about the output `label` (dh_next is not h_next)."""
    return re.search(r"(?<![\w'])" + re.escape(label) + r"(?!\w)", note) is not None


def _listed(lines, prefix):
    """The output labels a `Wrong:` or `Correct:` line lists."""
    line = next((ln for ln in lines if ln.startswith(prefix)), None)
    return line[len(prefix):].rstrip(".").split(", ") if line else []


# ---- the class report ------------------------------------------------------------------------


def report(root, assignment, db_url=None, out_dir=None):
    """Scores and diagnosed mistakes by kind (one bar per kind whatever the sizes and seeds) with
    the students who made each: a PNG, a CSV and an HTML page. Returns their paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    course = nbg.load(root, db_url)
    totals, made = [], defaultdict(set)  # (function, kind key) -> students
    for student in nbg.submissions(course, assignment):
        try:
            rows = test_results(course, assignment, student)
        except Exception:  # noqa: BLE001 (not graded: not in the report)
            continue
        totals.append(sum(r[1] for r in rows))
        for gid, score, most, message in rows:
            if score < most:
                for kind in kinds(message):
                    made[(cell_label(gid), kind)].add(student)
    ranked = sorted(made.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out_dir = Path(out_dir or course.root / "reports")
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / f"{assignment}-mistakes.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["function", "kind", "mistake", "students", "who"])
        for (fn, kind), who in sorted(made.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
            w.writerow([fn, kind, findings.label(kind), len(who), " ".join(sorted(who))])
    (out_dir / f"{assignment}-mistakes.html").write_text(_report_page(assignment, totals, ranked))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1, 1.7]})
    a1.hist(totals, bins=min(20, max(len(set(totals)), 1)), color="#4c72b0")
    a1.set(title=f"{assignment}: scores of {len(totals)} students", xlabel="score", ylabel="students")
    top = [(key, who) for key, who in ranked if not _not_a_mistake(key[1])][:8]
    labels = ["\n".join(textwrap.wrap(f"{fn}: {findings.label(kind)}", 48)) for (fn, kind), _ in top]
    a2.barh(labels[::-1], [len(who) for _, who in top][::-1], color="#dd8452")
    a2.set(title="most frequent diagnosed mistakes (by kind)", xlabel="students")
    a2.xaxis.get_major_locator().set_params(integer=True)
    a2.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / f"{assignment}-report.png", dpi=100)
    plt.close(fig)
    return out_dir / f"{assignment}-report.png", out_dir / f"{assignment}-mistakes.csv", out_dir / f"{assignment}-mistakes.html"


def kinds(message):
    """The kinds of what failed a test: the keys of its message's Diagnosis line, or, for a
    message without one, a short name for it."""
    return findings.keys(message) or [_legacy_kind(message)]


def _not_a_mistake(kind):
    return findings.resolve(kind) in findings.NOT_MISTAKES or kind in _NOT_MISTAKES


_NOT_MISTAKES = {"not implemented", "not graded: the notebook was stopped", "its forward pass is wrong first"}


def _legacy_kind(message):
    """A short name for a message without a Diagnosis line: the mistake it names, or what kept it
    from one (a stopped notebook, a timeout...)."""
    found = _MISTAKE.search(message)
    if found:
        return found.group(1)
    for words, kind in (("cannot be checked until", "its forward pass is wrong first"),
                        ("not implemented yet", "not implemented"), ("NotGraded", "not graded: the notebook was stopped"),
                        ("Timeout", "timed out"), ("earns 0", "calls torch or rnnkit (earns 0)"),
                        ("not numerically stable", "numerically unstable")):
        if words in message:
            return kind
    lines = [ln for ln in message.splitlines() if ln.strip()]
    return lines[0] if lines else "no message"


def _report_page(assignment, totals, ranked):
    rows = "".join(f"<tr><td>{html.escape(fn)}</td><td>{html.escape(findings.label(kind))}<br><code>"
                   f"{html.escape(kind)}</code></td><td>{len(who)}</td><td>{html.escape(', '.join(sorted(who)))}</td></tr>"
                   for (fn, kind), who in ranked)
    mean = sum(totals) / len(totals) if totals else 0
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(assignment)}: mistakes</title>
<style>body{{font-family:sans-serif;max-width:64em;margin:2em auto}}td,th{{padding:.3em .6em;vertical-align:top;
text-align:left}}code{{font-size:.8em;color:#555}}</style></head><body>
<h1>{html.escape(assignment)}: diagnosed mistakes</h1>
<p>{len(totals)} students graded, mean score {mean:.3g}. Each row is one kind of mistake in one function, whatever
the input sizes and seeds it was found with; the students who made it are listed.</p>
<table><tr><th>function</th><th>mistake</th><th>students</th><th>who</th></tr>{rows}</table>
</body></html>
"""
