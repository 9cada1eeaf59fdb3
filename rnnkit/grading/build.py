"""Build the nbgrader source notebooks `solutions/<id>/<id>.ipynb` from `solutions/<id>.md`.

    python -m rnnkit.grading.build             # every assignment: what `make solutions` runs
    python -m rnnkit.grading.build 03_gru      # one
    python -m rnnkit.grading.build --list      # the assignment ids, one a line

A source is a MyST Markdown notebook, as the book's chapters are: the text, the solution code
and the test cells, with nbgrader's metadata on the cells nbgrader handles. The build adds what
the registry (rnnkit.grading.assignments) holds, so that nothing is written twice: each test
cell's points, the written answer's points, and the facts the text cites as `{{ number }}`,
`{{ chapter }}` (a link to the chapter; `{{ chapter_2 }}` links to chapter 2), `{{ points }}`
and `{{ written_points }}`. A cell's id is its grade id, else its position, so a source always
builds the same bytes. A source that breaks the layout every notebook keeps is refused, with
what to change.
"""

import argparse
import posixpath
import re
import sys
from pathlib import Path

import jupytext
import nbformat

from rnnkit.grading.assignments import ASSIGNMENTS, assignment

# What nbgrader is told about each kind of cell: (cell type, grade, solution, locked).
_KINDS = {
    "setup": ("code", False, False, True),
    "function": ("code", False, True, False),
    "test": ("code", True, False, True),
    "question": ("markdown", False, False, True),
    "answer": ("markdown", True, True, False),
}
_FACT = re.compile(r"\{\{ (\w+) \}\}")


def source_of_test_cell(function):
    """The source of the test cell of `function`: visible check, then the hidden one."""
    args = f"{function.name}, {function.forward}" if function.forward else function.name
    return (f'check("{function.name}", {args}, visible=True)\n'
            "### BEGIN HIDDEN TESTS\n"
            "from rnnkit.grading import check as hidden_check\n"
            f'hidden_check("{function.name}", {args})\n'
            "### END HIDDEN TESTS")


def notebook(root, a):
    """The source notebook of assignment `a` built from `root / a.source`; a ValueError lists
    every way the source breaks the layout."""
    nb = jupytext.read(Path(root) / a.source, fmt="md:myst")
    problems = _layout_problems(nb, a)
    facts = _facts(a)
    points = {f.test_cell: f.points for f in a.functions} | {"written_answer": a.written_points}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if "points" in meta:
            problems.append(f"cell {meta.get('grade_id')} states points: the registry "
                            f"(rnnkit/grading/assignments.py) holds them; remove them here")
        elif meta.get("grade_id") in points:
            meta["points"] = points[meta["grade_id"]]
        if cell.cell_type == "markdown":
            unknown = sorted(set(_FACT.findall(cell.source)) - set(facts))
            if unknown:
                problems.append(f"cell {i} cites {unknown}; the facts there are {sorted(facts)}")
            cell.source = _FACT.sub(lambda m: facts.get(m.group(1), m.group(0)), cell.source)
        cell.id = meta.get("grade_id") or f"cell-{i:02d}"
    if problems:
        raise ValueError(f"{a.source}: " + "; ".join(problems))
    nb.metadata = {"kernelspec": nb.metadata["kernelspec"], "language_info": {"name": "python"},
                   "rnnkit": {"generated": f"from {a.source} by `make solutions`; edit that file, not this notebook"}}
    nbformat.validate(nb)
    return nb


def text(root, a):
    """The bytes `make solutions` writes to `a.notebook`, as text."""
    return nbformat.writes(notebook(root, a)) + "\n"


def chapter_link(a, of):
    """A Markdown link from the notebooks of assignment `a` to the chapter of assignment `of`.

    It names the chapter's source, relative to the notebook: JupyterLab opened on the repository
    opens that file (as a notebook, with jupytext), and the book, which renders the released
    notebook as a page, resolves a link to a source into a link to its page."""
    target = posixpath.relpath(f"{of.chapter}.md", posixpath.dirname(a.release))
    return f"[Chapter {of.number}, *{of.title}*]({target})"


def _facts(a):
    """What a source's text may cite from the registry, as it is written into the notebook:
    `chapter` links to the assignment's chapter, `chapter_<n>` to chapter n."""
    return {"number": str(a.number),
            "chapter": chapter_link(a, a),
            **{f"chapter_{b.number}": chapter_link(a, b) for b in ASSIGNMENTS},
            "points": ", ".join(f"{f.name} {f.points}" for f in a.functions),
            "written_points": f"{a.written_points} point{'s' * (a.written_points != 1)}"}


def _layout_problems(nb, a):
    """How the cells nbgrader handles differ from the layout: the locked setup cell is the first
    code cell; each graded function's cell is followed by its test cell (only ungraded cells
    between them); the written question and its answer are the last two cells."""
    expected = [("setup", "setup")]
    for f in a.functions:
        expected += [(f.name, "function"), (f.test_cell, "test")]
    expected += [("written_question", "question"), ("written_answer", "answer")]
    graded = [(i, c) for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata]
    got = [c.metadata["nbgrader"].get("grade_id") for _, c in graded]
    if got != [gid for gid, _ in expected]:
        return [f"its nbgrader cells are {got}; the registry's functions need {[gid for gid, _ in expected]}"]
    problems = []
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code or graded[0][0] != code[0]:
        problems.append("the setup cell must be the first code cell")
    if graded[-1][0] != len(nb.cells) - 1 or graded[-2][0] != len(nb.cells) - 2:
        problems.append("the written question and its answer must be the last two cells")
    functions = {f.name: f for f in a.functions} | {f.test_cell: f for f in a.functions}
    for (i, cell), (gid, kind) in zip(graded, expected):
        meta = cell.metadata["nbgrader"]
        cell_type, grade, solution, locked = _KINDS[kind]
        want = {"grade": grade, "solution": solution, "locked": locked, "schema_version": 3}
        if cell.cell_type != cell_type or {k: meta.get(k) for k in want} != want:
            problems.append(f"cell {gid} must be a {cell_type} cell with nbgrader {want}")
        if kind == "function" and not re.search(rf"^def {gid}\(", cell.source, re.M):
            problems.append(f"cell {gid} must define {gid}")
        if kind == "test" and cell.source != source_of_test_cell(functions[gid]):
            problems.append(f"cell {gid} must read exactly:\n{source_of_test_cell(functions[gid])}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnnkit.grading.build", description=__doc__.split("\n")[0])
    parser.add_argument("ids", nargs="*", help="the assignments to build (default: all)")
    parser.add_argument("--list", action="store_true", help="print the assignment ids, one a line; build nothing")
    parser.add_argument("--root", default=".", help="the course directory (default: .)")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(a.id for a in ASSIGNMENTS))
        return 0
    try:
        chosen = [assignment(i) for i in args.ids] or ASSIGNMENTS
        for a in chosen:
            path = Path(args.root) / a.notebook
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(args.root, a), encoding="utf-8")
            print(a.notebook)
    except ValueError as error:
        print(f"rnnkit.grading.build: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
