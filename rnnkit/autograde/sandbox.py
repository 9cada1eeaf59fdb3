"""Run one submission's notebook in a sandbox: a fresh directory outside the course, the
course's private paths and every other sandbox hidden, no capabilities, and limits on wall
time, memory and output. Then re-run its graded functions in a clean process and judge them.

`run(job)` is what a worker does (a local worker process or a Dask worker): it needs no
gradebook and returns plain data, so the coordinating process stays the only writer of grades.
The worker itself only drives the kernel; student code runs in sandboxed processes alone.
"""

import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import psutil

INSIDE = "/var/tmp"  # where a sandbox sees its own directory (in its private mount namespace)
CLEAN_TIMEOUT = 60   # seconds for the clean re-run of all graded functions


def run(job):
    """Execute job["notebook"] sandboxed; returns {"notebook", "reason", "clean", "seconds"}.

    job keys: notebook, config (nbgrader's Execute settings), files ({relative path: bytes} of
    the submission's other files), functions, seeds, answers (see rnnkit.autograde.clean),
    timeout (s, whole notebook), memory (MB), max_output (characters), hide (course paths).
    """
    start = time.monotonic()
    work = tempfile.mkdtemp(prefix="rnnkit-grade-", dir=_base())
    try:
        home = os.path.join(work, "home")
        os.makedirs(os.path.join(work, "runtime"))
        _write_files(home, job.get("files", {}))
        nb, reason = _execute(job, work, home)
        _limit_output(nb, job["max_output"])
        try:
            clean = _clean(nb, job, work, home) if job.get("functions") else {}
        except Exception as error:  # noqa: BLE001 (the notebook's result stands without the re-run)
            clean = {name: f"the clean re-run failed: {type(error).__name__}: {error}" for name, _ in job["functions"]}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"notebook": nb, "reason": reason, "clean": clean, "seconds": time.monotonic() - start}


def _base():
    """The directory of all sandboxes (0700): each sees none of it but its own directory."""
    base = os.path.join(tempfile.gettempdir(), "rnnkit-sandboxes")
    os.makedirs(base, mode=0o700, exist_ok=True)
    return base


def private_paths():
    """Course material outside the course that a sandbox must not read either: the solutions/
    of the checkout rnnkit runs from, if it runs from this course's repository."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return [os.path.join(repo, "solutions")] if os.path.exists(os.path.join(repo, "nbgrader_config.py")) else []


def isolated():
    """Whether sandboxes get private mount and PID namespaces (root, with unshare and setpriv)."""
    return os.geteuid() == 0 and bool(shutil.which("unshare")) and bool(shutil.which("setpriv"))


def _write_files(home, files):
    os.makedirs(home)
    for rel, data in files.items():
        path = os.path.join(home, rel)
        if os.path.commonpath([home, os.path.realpath(path)]) != home:
            continue  # a file name that climbs out of the sandbox is not copied
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def seen(work):
    """The sandbox's directory as the sandboxed process sees it."""
    return INSIDE if isolated() else work


def wrap(command, work, hide):
    """`command` run sandboxed.

    As root: new mount and PID namespaces in which `work` appears at /var/tmp, the course's
    private paths are covered, /tmp is empty but for the Python and rnnkit that the command
    runs (other sandboxes, other courses and scratch files are out of sight), every other
    mount is read-only, and the command runs with no capabilities at all, so it cannot undo
    any of it. Without root: the command as it is, in a fresh directory outside the course
    (no protection of the course's files).
    """
    if not isolated():
        return command
    steps = [f"mount --rbind {_quote(work)} {INSIDE}"]
    for path in [*hide, *private_paths()]:
        if os.path.isdir(path):
            steps.append(f"mount -t tmpfs -o size=4k,mode=000 none {_quote(path)}")
        elif os.path.isfile(path):
            steps.append(f"mount --bind /dev/null {_quote(path)}")
    keep = sorted(p for p in _runtime_paths() if p.startswith("/tmp/"))
    host = f"{INSIDE}/.host-tmp"
    steps += [f"mkdir -p {host}", f"mount --rbind /tmp {host}", "mount -t tmpfs -o mode=1777 none /tmp"]
    steps += [f"mkdir -p {_quote(p)} && mount --rbind {_quote(host + p[4:])} {_quote(p)}" for p in keep]
    steps += [f"umount -l {host}", "mount -t tmpfs -o mode=1777 none /dev/shm", _READ_ONLY, f"cd {INSIDE}/home",
              'exec setpriv --no-new-privs --inh-caps=-all --bounding-set=-all "$@"']
    return ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc",
            "--", "sh", "-c", " && ".join(steps), "sandbox", *command]


def _runtime_paths():
    """What a sandboxed Python needs to run: its environment, its base install, rnnkit."""
    import rnnkit
    return {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
            os.path.dirname(os.path.realpath(rnnkit.__file__))}


# Every other mount read-only: the student's code runs as uid 0 (without capabilities), which
# still owns the machine's files; only /var/tmp (its own directory) and /dev/shm stay writable.
_READ_ONLY = (f"awk '{{print $5}}' /proc/self/mountinfo | while read -r mp; do "
              f"case \"$mp\" in {INSIDE}|/dev/shm|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*) ;; "
              f"*) mount -o remount,bind,ro \"$(printf '%b' \"$mp\")\" 2>/dev/null ;; esac; done; true")


def _quote(path):
    return "'" + path.replace("'", "'\\''") + "'"


def _env(home):
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE",
                                                          "OPENBLAS_L2_SIZE", "VIRTUAL_ENV")}
    return {**keep, "HOME": home, "TMPDIR": home, "IPYTHONDIR": os.path.join(os.path.dirname(home), "ipython"),
            "JUPYTER_RUNTIME_DIR": os.path.join(home, ".runtime"),
            "MPLCONFIGDIR": os.path.join(home, ".mpl"), "JUPYTER_DATA_DIR": os.path.join(home, ".jupyter"),
            "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "NBGRADER_EXECUTION": "autograde"}


# ---- the notebook --------------------------------------------------------------------------


def _kernel_manager(work, hide):
    """A kernel manager whose kernel starts inside the sandbox."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec

    class SandboxKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            inside = os.path.join(seen(work), "runtime", os.path.basename(self.connection_file))
            return wrap([inside if arg == self.connection_file else arg for arg in cmd], work, hide)

    km = SandboxKernelManager(kernel_name="python3")
    km._kernel_spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                 display_name="Python 3", language="python")
    km.connection_file = os.path.join(work, "runtime", f"kernel-{secrets.token_hex(8)}.json")
    km.transport, km.ip = "tcp", "127.0.0.1"
    return km


def _execute(job, work, home):
    """Run every cell as nbgrader's Execute does, watching time and memory; returns (nb, reason)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    config = job.get("config") or {}
    nb = nbformat.from_dict(job["notebook"])
    startup = os.path.join(work, "ipython", "profile_default", "startup")
    os.makedirs(startup)
    with open(os.path.join(startup, "00-rnnkit-limits.py"), "w") as f:
        f.write(f"from rnnkit.autograde.kernel_limits import cap_output\ncap_output({int(job['max_output'])})\n")
    km = _kernel_manager(work, job.get("hide", []))
    client = NotebookClient(
        nb, km=km, timeout=config.get("timeout", 30), interrupt_on_timeout=config.get("interrupt_on_timeout", True),
        allow_errors=True, raise_on_iopub_timeout=config.get("raise_on_iopub_timeout", True),
        error_on_timeout=config.get("error_on_timeout") or {
            "ename": "CellTimeoutError", "evalue": "",
            "traceback": ["\x1b[0;31mCellTimeoutError\x1b[0m: No reply from kernel before timeout"]},
        extra_arguments=config.get("extra_arguments") or ["--HistoryManager.hist_file=:memory:"],
        on_cell_executed=_record_error, resources={"metadata": {"path": home}})
    watch = _Watch(km, job["timeout"], job["memory"])
    reason = None
    try:
        client.execute(env=_env(os.path.join(seen(work), "home")), cwd=home, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    except DeadKernelError:
        reason = watch.reason or "the kernel died (os._exit, a crash, or a signal)"
    except CellTimeoutError:
        reason = watch.reason or "a cell ran past the per-cell time limit and the kernel did not answer after it"
    except Exception as error:  # noqa: BLE001 (anything else ends this notebook, not the batch)
        reason = watch.reason or f"execution stopped: {type(error).__name__}: {error}"
    finally:
        watch.stop()
        _shutdown(km)
    reason = reason or watch.reason
    if reason:
        mark_unrun(nb, reason)
    return nb, reason


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
        _kill_tree(pid)


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
                _kill_tree(process.pid)
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


def _kill_tree(pid):
    try:
        pids = [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        pids = [pid]
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
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


# ---- the clean re-run ----------------------------------------------------------------------


def _defines(cell):
    """The cells a clean re-run needs: the locked setup cell and the solution cells, where the
    graded functions are written; not the demonstrations and gradient checks between them."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution")) or (meta.get("locked") and not meta.get("grade"))


def _clean(nb, job, work, home):
    """Re-run the graded functions in a clean sandboxed process (rnnkit.autograde.clean) and
    judge its outputs here against the coordinator's answers: {name: None if right, else why}."""
    from rnnkit.autograde.clean import decode
    from rnnkit.grading import GradingError, judge

    functions = job["functions"]
    code = [c.source for c in nb.cells if c.cell_type == "code" and _defines(c)]
    os.makedirs(home, exist_ok=True)  # the notebook may have deleted its own directory
    nonce = secrets.token_hex(16)
    request = json.dumps({"cells": code, "functions": functions, "seeds": job["seeds"], "nonce": nonce})
    command = wrap([sys.executable, "-m", "rnnkit.autograde.clean"], work, job.get("hide", []))
    limit = job["memory"] * 2**20
    try:
        done = subprocess.run(command, input=request, capture_output=True, text=True, timeout=CLEAN_TIMEOUT,
                              cwd=home, env=_env(os.path.join(seen(work), "home")),
                              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
        line = [ln for ln in done.stdout.splitlines() if ln.startswith(nonce)][-1]
        results = json.loads(line[len(nonce):])
    except subprocess.TimeoutExpired:
        return {name: "the clean re-run timed out" for name, _ in functions}
    except (IndexError, ValueError):
        return {name: f"the clean re-run gave no result: {done.stderr[-300:]}" for name, _ in functions}
    verdicts = {}
    for name, _ in functions:
        result = results.get(name) or {"error": "no result"}
        if "error" in result:
            verdicts[name] = result["error"]
            continue
        try:
            judge(name, decode(result["outputs"]), decode(job["answers"][name]), job["seeds"][name])
            verdicts[name] = None
        except GradingError as error:
            verdicts[name] = str(error)
        except Exception as error:  # noqa: BLE001 (malformed outputs are wrong outputs)
            verdicts[name] = f"unreadable outputs: {type(error).__name__}: {error}"
    return verdicts
