"""A submission's notebook run as nbgrader's Execute runs it, in a kernel started in the job's
place, within limits of time, memory and output. Under rnnkit grade the kernel asks the worker
for its tests' verdicts (rnnkit.grading.remote): it needs no torch."""

import json
import os
import secrets
import sys
import threading
import time

import psutil

from rnnkit.autograde import isolation
from rnnkit.autograde.place import Place, kill_tree
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
    km.client_factory = _ready_client()
    km._kernel_spec = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                                 display_name="Python 3", language="python", interrupt_mode="message")
    km.connection_file = os.path.join(place.host, "runtime", f"kernel-{secrets.token_hex(8)}.json")
    return km


def _ready_client():
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        """jupyter_client's client, except that it knows when the kernel is ready: it waits
        for the kernel to go idle after answering its kernel_info request, not for 0.2 s
        of silence on IOPub (a third of a notebook's time in a warm pool)."""

        async def wait_for_ready(self, timeout=None):
            deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
            while True:
                self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                if reply and reply["msg_type"] == "kernel_info_reply" and await self._idle_after(reply):
                    self._handle_kernel_info_reply(reply)
                    return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

        async def _idle_after(self, reply):
            """Read IOPub up to the idle status that ends the request `reply` answers: True.
            False if IOPub says nothing for 0.05 s at first: it is not connected yet (zmq
            retries a connection every 0.1 s), so ask again. After a first message, 0.2 s of
            silence ends it too, as in jupyter_client."""
            request, heard = reply["parent_header"].get("msg_id"), False
            while True:
                try:
                    msg = await self.iopub_channel.get_msg(timeout=0.2 if heard else 0.05)
                except Empty:
                    return heard
                heard = True
                if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle" and \
                        msg["parent_header"].get("msg_id") == request:
                    return True

    return ReadyClient


def run(job, judge):
    """Run every cell as nbgrader's Execute does, watching time and memory: (nb, stopped).
    judge(name, visible, seed, observed) answers the kernel's tests (rnnkit.grading.remote)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    ex = job.execution
    nb = nbformat.from_dict(job.notebook)
    with Place(job, "kernel") as place:
        startup = _STARTUP.format(max_output=int(job.limits.max_output))
        if job.isolated:
            startup = _LIMIT_RESOURCES + startup
        with open(os.path.join(place.host, "ipython/profile_default/startup/00-limits.py"), "w") as f:
            f.write(startup)
        env = {"IPYTHONDIR": f"{place.seen}/ipython", "JUPYTER_RUNTIME_DIR": f"{place.seen}/runtime",
               "MPLCONFIGDIR": f"{place.seen}/home/.matplotlib", "NBGRADER_EXECUTION": "autograde",
               "PATH": os.path.join(sys.prefix, "bin"), remote.ENV: f"{place.seen}/{isolation.GRADER}/verdicts",
               remote.SEEDS_ENV: json.dumps(job.seeds)}
        stop_verdicts = remote.serve(f"{place.grader}/verdicts", judge)
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

