"""What the coordinator hands a worker, and what the worker hands back: plain data that a
local process or a Dask worker can receive, with no gradebook and no right answers in it."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Execution:
    """nbgrader's Execute settings that the worker applies, from the course's config."""
    cell_timeout: float = 30                 # s; a cell past it is interrupted and scores 0
    interrupt_on_timeout: bool = True
    raise_on_iopub_timeout: bool = True
    extra_arguments: tuple = ("--HistoryManager.hist_file=:memory:",)
    error_on_timeout: dict = None            # the error a timed-out cell gets; None: nbgrader's


@dataclass(frozen=True)
class Limits:
    timeout: float = 600         # s, the whole notebook
    memory: int = 2048           # MB, the kernel's process tree, and the re-check process
    max_output: int = 1_000_000  # characters of output the kernel passes on


@dataclass(frozen=True)
class Job:
    """One submitted notebook to run.

    notebook: the notebook as nbgrader's sanitize steps left it (nbformat dict).
    files: the submission's other files, {relative path: bytes}, copied beside it.
    functions: the graded functions it defines, as (name, the forward a backward needs or None).
    seeds: {function: seed of its hidden inputs} for the clean re-check.
    isolated: run in a sandbox (rnnkit.autograde.isolation); False only with --no-isolation.
    preload: heavy modules the notebook imports (rnnkit.autograde.pools.PRELOADABLE), imported
      once by the pool its kernel forks from.
    """
    student: str
    name: str
    notebook: dict
    files: dict = field(default_factory=dict)
    functions: tuple = ()
    seeds: dict = field(default_factory=dict)
    execution: Execution = Execution()
    limits: Limits = Limits()
    isolated: bool = True
    preload: tuple = ()


@dataclass(frozen=True)
class Result:
    """A job's outcome.

    notebook: the executed notebook, or None if the worker could not run it at all.
    stopped: why the notebook stopped before its end (time, memory, a dead kernel), else None.
    recheck: {function: None if it is right in the clean re-check, else why not}.
    """
    notebook: dict = None
    stopped: str = None
    recheck: dict = field(default_factory=dict)
    seconds: float = 0.0
