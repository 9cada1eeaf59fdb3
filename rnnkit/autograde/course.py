"""The nbgrader side of `rnnkit grade`: the course's config and gradebook, sanitizing a
submission exactly as `nbgrader autograde` does, and committing an executed notebook through
nbgrader's own autograde steps, so scores, feedback, formgrader and export are nbgrader's."""

import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.api import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import DeduplicateIds, Execute, IgnorePattern, NbGraderPreprocessor
from nbgrader.utils import determine_grade
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader


@dataclass
class Course:
    root: Path
    config: Config
    coursedir: CourseDirectory

    @property
    def db_url(self):
        return self.coursedir.db_url

    def state_dir(self, assignment):
        return self.root / ".rnnkit-grade" / assignment


def load(root, db_url=None):
    """The course at `root`: its nbgrader_config.py (if any), and the gradebook to write."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise ValueError(f"course directory {root} does not exist")
    config = Config()
    if (root / "nbgrader_config.py").exists():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    if db_url:
        config.CourseDirectory.db_url = db_url
    return Course(root, config, CourseDirectory(config=config))


def submissions(course, assignment, students=None):
    """{student: submission directory} for every submitted/<student>/<assignment>."""
    base = Path(course.coursedir.format_path(course.coursedir.submitted_directory, ".", "."))
    found = {p.parent.name: p for p in sorted(base.glob(f"*/{assignment}")) if p.is_dir()}
    if students:
        missing = sorted(set(students) - set(found))
        if missing:
            raise ValueError(f"no submission of {assignment} for student(s) {missing} in {base}")
        found = {s: found[s] for s in students}
    return found


def notebooks(course, assignment):
    """The notebook names of an assignment, from the gradebook (generate_assignment put them there)."""
    with Gradebook(course.db_url) as gb:
        try:
            return [nb.name for nb in gb.find_assignment(assignment).notebooks]
        except MissingEntry:
            raise ValueError(f"assignment {assignment!r} is not in the gradebook {course.db_url}; "
                             f"run `nbgrader generate_assignment {assignment}` first") from None


def fingerprint(path):
    """A hash of every file of a submission directory: a changed submission is graded again."""
    digest = hashlib.sha256()
    for file in sorted(p for p in Path(path).rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def sanitize(course, assignment, student, name, path):
    """The submitted notebook after nbgrader's sanitize steps (clear outputs, restore test cells...)."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as error:  # noqa: BLE001 (any unreadable notebook gets the same treatment)
        raise ValueError(f"{name}.ipynb is not a readable notebook: {type(error).__name__}: {str(error)[:200]}") \
            from None
    resources = {"nbgrader": {"notebook": name, "assignment": assignment, "student": student,
                              "db_url": course.db_url}}
    for pp in _sanitize_steps(course):
        nb, resources = pp(config=course.config).preprocess(nb, resources)
    return nb


class DropEmptyMetadata(NbGraderPreprocessor):
    """Drop the empty nbgrader metadata DeduplicateIds leaves on a duplicated cell: nbgrader
    0.9's OverwriteCells fails on it, and the submission would not be graded at all."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("metadata", {}).get("nbgrader", None) == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


def _sanitize_steps(course):
    steps = list(Autograde(coursedir=course.coursedir, config=course.config).sanitize_preprocessors)
    at = next((i + 1 for i, s in enumerate(steps) if _is(s, DeduplicateIds)), 0)
    return steps[:at] + [DropEmptyMetadata] + steps[at:]


def execution(course):
    """The course's Execute settings that a worker applies (rnnkit.autograde.job.Execution)."""
    from rnnkit.autograde.job import Execution
    settings = Execute(config=course.config)
    return Execution(cell_timeout=settings.timeout, interrupt_on_timeout=settings.interrupt_on_timeout,
                     raise_on_iopub_timeout=settings.raise_on_iopub_timeout,
                     extra_arguments=tuple(settings.extra_arguments or ["--HistoryManager.hist_file=:memory:"]),
                     error_on_timeout=json.loads(json.dumps(settings.error_on_timeout, default=str)))


class Replay(NbGraderPreprocessor):
    """Stands in for Execute during the commit: hands nbgrader the notebook the sandbox ran,
    which `sanitize` prepared with nbgrader's own sanitize steps."""

    executed = {}

    def preprocess(self, nb, resources):
        return self.executed.pop((resources["nbgrader"]["student"], resources["nbgrader"]["notebook"])), resources


class CleanVerdict(NbGraderPreprocessor):
    """After IgnorePattern: a test cell that passes in the notebook while its function failed
    the clean re-check gets an error output saying so, so nbgrader scores it 0, and the
    feedback, the gradebook, formgrader and export all show the clean verdict."""

    failed = {}      # (student, notebook) -> {test cell id: the clean re-check's message}
    overruled = {}   # (student, notebook) -> [test cell ids this step failed]

    def preprocess(self, nb, resources):
        key = (resources["nbgrader"]["student"], resources["nbgrader"]["notebook"])
        failed, overruled = self.failed.pop(key, {}), []
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in failed and cell.cell_type == "code" and _passes(cell):
                cell.outputs.append(nbformat.NotebookNode(
                    output_type="error", ename="FailedCleanRecheck", evalue=failed[grade_id],
                    traceback=[f"FailedCleanRecheck: {failed[grade_id]}"]))
                overruled.append(grade_id)
        self.overruled[key] = overruled
        return nb, resources


def _passes(cell):
    score, most = determine_grade(cell)
    return score is not None and score >= most


def commit(course, assignment, student, executed, failed_recheck):
    """Run nbgrader's autograde for one student with the workers' executed notebooks.

    failed_recheck: {notebook: {test cell id: message}} for functions that failed the clean
    re-check. Returns (nbgrader's log, {notebook: [test cells the clean verdict failed]});
    raises RuntimeError if nbgrader fails."""
    for name, nb in executed.items():
        Replay.executed[(student, name)] = nbformat.from_dict(nb)
        CleanVerdict.failed[(student, name)] = failed_recheck.get(name, {})
    config = Config(course.config)
    config.Autograde.sanitize_preprocessors = []  # done before the notebook ran: see sanitize()
    steps = [Replay if _is(step, Execute) else step
             for step in Autograde(coursedir=course.coursedir, config=course.config).autograde_preprocessors]
    after = next((i for i, step in enumerate(steps) if _is(step, IgnorePattern)), steps.index(Replay))
    config.Autograde.autograde_preprocessors = steps[:after + 1] + [CleanVerdict] + steps[after + 1:]
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    try:
        result = api.autograde(assignment, student, force=True, create=True)
        overruled = {name: CleanVerdict.overruled.get((student, name), []) for name in executed}
    finally:
        for name in executed:
            Replay.executed.pop((student, name), None)
            CleanVerdict.failed.pop((student, name), None)
            CleanVerdict.overruled.pop((student, name), None)
    if not result.get("success"):
        raise RuntimeError(f"nbgrader autograde failed for {student}: {result.get('error') or result.get('log')}")
    return result.get("log", ""), overruled


@contextmanager
def lighter():
    """While it lasts, two of nbgrader's costs that change nothing it computes are paid once
    instead of on every call; they were half of what this process spends per student:
    - each Gradebook makes a database engine of its own, so SQLAlchemy compiles every
      statement anew: here one engine per gradebook URL serves them all;
    - each cell's metadata is checked with jsonschema.validate, which first checks nbgrader's
      schema itself against the metaschema: here the schema is checked once."""
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common as metadata
    from jsonschema.exceptions import best_match

    engines, validators = {}, {}
    create_engine = nbgrader.api.create_engine

    def one_engine(url, **kw):
        if url not in engines:
            engines[url] = create_engine(url, **kw)
        return engines[url]

    def validate(instance, schema):  # jsonschema.validate, the schema checked on first use
        key = json.dumps(schema, sort_keys=True)
        if key not in validators:
            cls = jsonschema.validators.validator_for(schema)
            cls.check_schema(schema)
            validators[key] = cls(schema)
        error = best_match(validators[key].iter_errors(instance))
        if error is not None:
            raise error

    nbgrader.api.create_engine, metadata.jsonschema = one_engine, SimpleNamespace(validate=validate)
    try:
        yield
    finally:
        nbgrader.api.create_engine, metadata.jsonschema = create_engine, jsonschema
        for engine in engines.values():
            engine.dispose()


def _is(step, cls):
    return step is cls or (isinstance(step, str) and step.rsplit(".", 1)[-1] == cls.__name__)


def flag(course, assignment, student, overruled):
    """Mark where the clean re-check overruled the notebook ({notebook: [test cell ids]}), as
    formgrader shows it where the instructor grades: the notebook flagged in its list of
    submissions, and each overruled test cell's score highlighted as needing a look until the
    instructor resolves it. Scores stay as they are; a flag is never removed here."""
    overruled = {name: cells for name, cells in overruled.items() if cells}
    if not overruled:
        return
    with Gradebook(course.db_url) as gb:
        for name, cells in overruled.items():
            gb.find_submission_notebook(name, assignment, student).flagged = True
            for cell in cells:
                gb.find_grade(cell, name, assignment, student).needs_manual_grade = True
        gb.db.commit()


def scores(course, assignment, student):
    """{grade cell: (score, max)} of a student's autograded cells, and the total."""
    out = {}
    with Gradebook(course.db_url) as gb:
        sub = gb.find_submission(assignment, student)
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.cell.cell_type == "code":
                    out[grade.name] = (grade.score, grade.max_score)
    return out


def save_state(course, assignment, student, state):
    path = course.state_dir(assignment) / f"{student}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    os.replace(tmp, path)  # atomic: a run killed here leaves the old state or the new one


def load_state(course, assignment, student):
    path = course.state_dir(assignment) / f"{student}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
