"""What a worker does with one job: run the notebook in a sandbox, as nbgrader's Execute would,
within limits of time, memory and output; then re-check its graded functions in a second,
clean sandbox. `run(job)` needs no gradebook and returns plain data (rnnkit.autograde.job),
so the coordinating process stays the only writer of grades. The worker only drives the
kernel; submitted code runs in sandboxed processes alone."""

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

import psutil

from rnnkit.autograde import isolation, pools
from rnnkit.autograde.job import Result
from rnnkit.grading import remote

# Loaded by a sandboxed kernel at start-up, before any submitted code. It lives in the sandbox,
# not in rnnkit: the grader's watch forbids graded functions to run rnnkit's code, and a graded
# function that prints runs this.
_STARTUP = """\
import sys


def _cap_output(limit, note_stream=sys.stdout):
    left = [limit]
    note = f"\\n[output cut: the limit is {{limit}} characters per notebook]\\n"
    note_write = note_stream.write
    for stream in (sys.stdout, sys.stderr):
        def capped(text, write=stream.write):
            if left[0] <= 0:
                return len(text)
            if len(text) > left[0]:
                write(text[:left[0]])
                note_write(note)  # on stdout: a cut must not look like an error
                left[0] = 0
                return len(text)
            left[0] -= len(text)
            return write(text)
        stream.write = capped


_cap_output({max_output})
del _cap_output
"""
_LIMIT_RESOURCES = "from rnnkit.autograde.isolation import limit_resources\nlimit_resources()\ndel limit_resources\n"


def run(job):
    """Execute job.notebook in a sandbox, then re-check its functions in another; a Result."""
    start = time.monotonic()
    nb, stopped = _notebook(job)
    try:
        recheck = _judge(job, _recheck(nb, job)) if job.functions else {}
    except Exception as error:  # noqa: BLE001 (the notebook's result stands without the re-check)
        recheck = {name: f"the clean re-check could not run: {type(error).__name__}: {error}"
                   for name, _ in job.functions}
    return Result(notebook=nb, stopped=stopped, recheck=recheck, seconds=time.monotonic() - start)


def start(coordinator):
    """A local worker process: it dies with the coordinator, SIGKILL included (and its pools'
    sandboxes with it: bwrap dies with its parent), and imports what every job needs once."""
    import ctypes
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != coordinator:  # the coordinator died before the line above
        os._exit(1)
    warm()


def warm():
    """Import once, in a worker process, what every job needs: the notebook machinery, and the
    references and mistake models (torch) that judge what sandboxes observe."""
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401

    import rnnkit.grading.mistake_models  # noqa: F401
    import rnnkit.reference  # noqa: F401


_VERDICTS = {}  # (name, visible, index, seed, encoded runs) -> message: a class makes the same mistakes


def _size_verdict(name, visible, index, seed, runs):
    from rnnkit.grading import checking
    from rnnkit.grading.encoding import encode
    key = (name, visible, index, seed, json.dumps(encode(runs), sort_keys=True))
    if key not in _VERDICTS:
        if len(_VERDICTS) > 4096:
            _VERDICTS.clear()
        _VERDICTS[key] = checking.size_verdict(name, index, seed, runs, visible=visible)
    return _VERDICTS[key]


def _judge(job, observed):
    """{function: None if what the clean re-check observed is right, else why not}."""
    from rnnkit.grading import verdict
    from rnnkit.grading.encoding import decode
    verdicts = {}
    for name, _ in job.functions:
        got = observed.get(name) or {"error": "the clean re-check gave no result"}
        try:
            verdicts[name] = got["error"] if "error" in got else verdict(name, decode(got["observed"]), job.seeds[name])
        except Exception as error:  # noqa: BLE001 (malformed outputs are wrong outputs)
            verdicts[name] = f"unreadable outputs: {type(error).__name__}: {error}"
    return verdicts


class _Place:
    """Where a job works: a directory here (`host`), and where its process sees it (`seen`).
    Isolated, it is a job directory of a pool (rnnkit.autograde.pools); without isolation, a
    fresh private directory that the process sees as it is."""

    def __init__(self, job, kind):
        self.isolated = job.isolated
        if self.isolated:
            self.pool = pools.get(kind, job.preload if kind == "kernel" else ())
            self.name, self.host = self.pool.job()
        else:
            self.pool, self.name, self.host = None, None, isolation.scratch()
        self.seen = isolation.INSIDE if self.isolated else self.host
        for sub in ("runtime", isolation.GRADER, "ipython/profile_default/startup"):
            os.makedirs(os.path.join(self.host, sub))
        _write_files(os.path.join(self.host, "home"), job.files)
        # Unix sockets live in runtime/ (the kernel's) and grader/ (the grader's); their paths here
        # may pass the 107 characters a socket address holds, so this process names them through
        # descriptors of the directories.
        self._dirs = [os.open(os.path.join(self.host, sub), os.O_PATH | os.O_DIRECTORY)
                      for sub in ("runtime", isolation.GRADER)]
        self.sockets, self.grader = (f"/proc/self/fd/{fd}" for fd in self._dirs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for fd in self._dirs:
            os.close(fd)
        isolation.remove(self.host, top=not self.isolated)

    def environment(self, env):
        """The whole environment of the job's process: its own, and without isolation the worker's."""
        env = isolation.environment(self.host, **env, HOME=f"{self.seen}/home", TMPDIR=f"{self.seen}/tmp")
        return env if self.isolated else {**os.environ, **env}

    def start(self, argv, env, stdin=None, stdout=None):
        """Start `python -m ...` argv in the job's place; a subprocess.Popen or pools.Process."""
        env = self.environment(env)
        if self.isolated:
            isolation.hand_over(self.host)
            return self.pool.spawn(self.name, argv, env, f"{self.seen}/home", stdin, stdout)
        files = {"stdin": open(stdin) if stdin else subprocess.DEVNULL,
                 "stdout": open(stdout, "w") if stdout else subprocess.DEVNULL}
        try:
            return subprocess.Popen([sys.executable, *argv], env=env, cwd=f"{self.seen}/home",
                                    stderr=subprocess.DEVNULL, start_new_session=True, **files)
        finally:
            for f in files.values():
                if f is not subprocess.DEVNULL:
                    f.close()


def _write_files(home, files):
    for rel, data in files.items():
        path = os.path.join(home, rel)
        if os.path.commonpath([home, os.path.realpath(path)]) != home:
            continue  # a file name that climbs out of the sandbox is not copied
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


# ---- the notebook --------------------------------------------------------------------------

def _kernel_manager(place, env):
    """A kernel manager whose kernel starts in the job's place and talks over Unix sockets in
    its directory (a sandbox has no network); interrupts go as messages, since a signal could
    not reach a kernel in a PID namespace of its own."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec

    class PlacedKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            with open(self.connection_file) as f:
                info = json.load(f)
            info["ip"] = os.path.join(place.seen, "runtime", "kernel")
            with open(os.path.join(place.host, "runtime", "kernel-inside.json"), "w") as f:
                json.dump(info, f)
            seen = os.path.join(place.seen, "runtime", "kernel-inside.json")
            argv = ["-m", "ipykernel_launcher", *(seen if a == self.connection_file else a for a in kernel_cmd[3:])]
            process = place.start(argv, env)
            self.provisioner.process, self.provisioner.pid, self.provisioner.pgid = process, process.pid, None
            self._reconcile_connection_info(self.provisioner.connection_info)

    km = PlacedKernelManager(kernel_name="python3", transport="ipc", ip=f"{place.sockets}/kernel")
    km._kernel_spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                 display_name="Python 3", language="python", interrupt_mode="message")
    km.connection_file = os.path.join(place.host, "runtime", f"kernel-{secrets.token_hex(8)}.json")
    return km


def _notebook(job):
    """Run every cell as nbgrader's Execute does, watching time and memory: (nb, stopped)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    ex = job.execution
    nb = nbformat.from_dict(job.notebook)
    with _Place(job, "kernel") as place:
        startup = _STARTUP.format(max_output=int(job.limits.max_output))
        if job.isolated:
            startup = _LIMIT_RESOURCES + startup
        with open(os.path.join(place.host, "ipython/profile_default/startup/00-limits.py"), "w") as f:
            f.write(startup)
        env = {"IPYTHONDIR": f"{place.seen}/ipython", "JUPYTER_RUNTIME_DIR": f"{place.seen}/runtime",
               "MPLCONFIGDIR": f"{place.seen}/home/.matplotlib", "NBGRADER_EXECUTION": "autograde",
               "PATH": os.path.join(sys.prefix, "bin"), remote.ENV: f"{place.seen}/{isolation.GRADER}/verdicts",
               remote.SEEDS_ENV: json.dumps(job.seeds)}
        stop_verdicts = remote.serve(f"{place.grader}/verdicts", _size_verdict)
        km = _kernel_manager(place, env)
        client = NotebookClient(
            nb, km=km, timeout=ex.cell_timeout, interrupt_on_timeout=ex.interrupt_on_timeout, allow_errors=True,
            raise_on_iopub_timeout=ex.raise_on_iopub_timeout,
            error_on_timeout=ex.error_on_timeout or {
                "ename": "CellTimeoutError", "evalue": "",
                "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"]},
            extra_arguments=list(ex.extra_arguments), on_cell_executed=_record_error,
            resources={"metadata": {"path": os.path.join(place.host, "home")}})
        watch = _Watch(km, job.limits.timeout, job.limits.memory)
        stopped = None
        try:
            client.execute()
        except DeadKernelError:
            stopped = watch.reason or "the kernel died (os._exit, a crash, or a signal)"
        except CellTimeoutError:
            stopped = watch.reason or "a cell ran past the per-cell time limit and the kernel did not answer after it"
        except Exception as error:  # noqa: BLE001 (anything else ends this notebook, not the batch)
            stopped = watch.reason or f"execution stopped: {type(error).__name__}: {error}"
        finally:
            watch.stop()
            _shutdown(km)
            stop_verdicts()
    stopped = stopped or watch.reason
    if stopped:
        mark_unrun(nb, stopped)
    _join_streams(nb)
    _limit_output(nb, job.limits.max_output)
    return nb, stopped


def _join_streams(nb):
    """One output for consecutive text on the same stream. How the kernel split it into
    messages depends on timing alone (a check that asks for verdicts takes longer between two
    prints than one that judges in the kernel), and a notebook should not."""
    for cell in nb.cells:
        joined = []
        for output in cell.get("outputs", []):
            last = joined[-1] if joined else None
            if last and output.get("output_type") == last.get("output_type") == "stream" and \
                    output.get("name") == last.get("name"):
                last["text"] = "".join(last["text"]) + "".join(output["text"])
            else:
                joined.append(output)
        if "outputs" in cell:
            cell["outputs"] = joined


def _record_error(cell, cell_index, execute_reply):
    """nbgrader's Execute: an error reply with no error output (a silenced traceback) still fails."""
    content = execute_reply["content"]
    if content["status"] == "error" and not any(
            o.get("output_type") == "error" and o.get("ename") == content.get("ename") for o in cell.outputs):
        import nbformat
        cell.outputs.append(nbformat.NotebookNode(
            output_type="error", ename=content.get("ename", "Error"), evalue=content.get("evalue", ""),
            traceback=content.get("traceback") or ["ERROR: An error occurred while showtraceback was disabled"]))


def _shutdown(km):
    try:
        pid = km.provisioner.process.pid if km.provisioner and km.provisioner.process else None
    except AttributeError:
        pid = None
    if pid:  # nbclient has shut the kernel down; make sure nothing it started lives on
        kill_tree(pid)


class _Watch:
    """Kills the kernel's process tree past the wall-time or memory limit, and says why."""

    def __init__(self, km, timeout, memory_mb):
        self.km, self.deadline, self.limit = km, time.monotonic() + timeout, memory_mb * 2**20
        self.timeout, self.memory_mb, self.reason = timeout, memory_mb, None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.done.wait(0.1):
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is None:
                continue
            if _tree_rss(process.pid) > self.limit:
                self.reason = f"used more than the memory limit of {self.memory_mb} MB"
            elif time.monotonic() > self.deadline:
                self.reason = f"ran longer than the time limit of {self.timeout:g} s"
            if self.reason:
                kill_tree(process.pid)
                return

    def stop(self):
        self.done.set()
        self.thread.join()


def _tree_rss(pid):
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def kill_tree(pid):
    """SIGKILL a process and its descendants. A sandbox's launcher is bwrap itself, whose death
    takes the sandbox's PID namespace, and so every process in it, along."""
    try:
        pids = [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        pids = [pid]
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def mark_unrun(nb, reason):
    """Give every test cell without output an error, so it scores 0 instead of full marks."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution") and not cell.get("outputs"):
            cell["outputs"] = [{"output_type": "error", "ename": "NotGraded", "evalue": reason,
                                "traceback": [f"NotGraded: {reason}"]}]


def _limit_output(nb, max_chars):
    """Cut text outputs so that the notebook's outputs stay under max_chars in all."""
    budget = max_chars
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            fields = [("text", output)] if "text" in output else []
            fields += [(mime, output["data"]) for mime in output.get("data", {})
                       if isinstance(output["data"][mime], (str, list))]
            for key, holder in fields:
                text = "".join(holder[key])
                if len(text) > budget:
                    holder[key] = text[:max(budget, 0)] + f"\n[output cut: {len(text)} characters; the limit is " \
                                                          f"{max_chars} per notebook]\n"
                budget -= min(len(text), max(budget, 0))


# ---- the clean re-check --------------------------------------------------------------------

def _is_test(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _python(source):
    """A cell's source as plain Python: IPython's magics and shell escapes become calls."""
    from IPython.core.inputtransformer2 import TransformerManager
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 (what IPython cannot read, Python will not run either)
        return source


def _recheck(nb, job):
    """Run every code cell but the tests in a fresh sandbox with the submission's own files,
    then the graded functions on the hidden inputs: {name: what observe saw, or an error}."""
    cells = [_python(c.source) for c in nb.cells if c.cell_type == "code" and not _is_test(c)]
    nonce = secrets.token_hex(16)
    request = {"cells": cells, "functions": [list(f) for f in job.functions], "seeds": job.seeds,
               "cell_timeout": job.execution.cell_timeout, "memory": job.limits.memory, "isolated": job.isolated,
               "nonce": nonce}
    with _Place(job, "recheck") as place:
        with open(os.path.join(place.host, isolation.GRADER, "request.json"), "w") as f:
            json.dump(request, f)
        result = os.path.join(place.host, "runtime", "result")
        with open(result, "w"), open(result) as output:  # read through this descriptor: the name may be deleted
            process = place.start(["-m", "rnnkit.autograde.recheck"], {}, stdout=f"{place.seen}/runtime/result",
                                  stdin=f"{place.seen}/{isolation.GRADER}/request.json")
            try:
                process.wait(timeout=job.limits.timeout)
            except subprocess.TimeoutExpired:
                return {name: {"error": f"the clean re-check ran longer than {job.limits.timeout:g} s"}
                        for name, _ in job.functions}
            finally:
                kill_tree(process.pid)
            lines = [ln for ln in output.read().splitlines() if ln.startswith(nonce)]
    if not lines:
        why = f"the clean re-check process ended without a result (exit code {process.returncode})"
        return {name: {"error": why} for name, _ in job.functions}
    found = json.loads(lines[-1][len(nonce):])
    return {name: found.get(name, {"error": "no result"}) for name, _ in job.functions}
