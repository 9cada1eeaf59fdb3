"""Pools of sandboxes, one per kind of job (a notebook's kernel, a clean re-check) in each
worker process: a fork server (rnnkit.autograde.forkserver) started once in a pool sandbox,
which forks every job of that kind into a sandbox of its own with the modules it needs
already imported. A job here is a directory of the pool and the process working in it."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

import psutil

from rnnkit.autograde import isolation

KINDS = {  # kind -> (view, Python command, modules imported once, environment)
    "kernel": (isolation.kernel_view, lambda: [sys.executable],
               ["numpy", "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
                "ipykernel.debugger", "jupyter_client.session", "rnnkit.params", "rnnkit.gradcheck"], {}),
    "recheck": (isolation.recheck_view, lambda: [os.path.realpath(sys.executable), "-s", "-S"],
                ["numpy", "rnnkit.grading", "rnnkit.autograde.recheck"], {"PYTHONPATH": isolation.LIBRARY}),
    "probe": (isolation.kernel_view, lambda: [sys.executable], [], {}),  # check()'s
}
_POOLS, _LOCK = {}, threading.Lock()


PRELOADABLE = ("torch",)  # heavy modules a notebook may import, imported by its pool's server instead


def get(kind, preload=()):
    """This process's pool of `kind` whose server also imported `preload`, started on first use
    and again if its server died."""
    key = (kind, tuple(preload))
    with _LOCK:
        if not _POOLS:
            _on_exit(close_all)
            isolation.sweep()  # what killed workers left
        pool = _POOLS.get(key)
        if pool is None or not pool.alive():
            if pool is not None:
                pool.close()
            _POOLS[key] = pool = Pool(kind, preload)
        return pool


def close_all():
    """End every pool of this process and remove its scratch directory."""
    with _LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.close()


def _on_exit(fn):
    """Call fn when this process exits normally: a plain script runs atexit's functions, a
    multiprocessing worker (local or Dask) only its own finalizers."""
    import atexit
    from multiprocessing import util
    atexit.register(fn)
    util.Finalize(None, fn, exitpriority=100)


class Pool:
    def __init__(self, kind, preload=()):
        view, python, modules, env = KINDS[kind]
        modules = [*modules, *preload]
        self.kind, self.scratch = kind, isolation.scratch()
        os.mkdir(os.path.join(self.scratch, "jobs"))
        isolation.hand_over(self.scratch)
        argv = [*python(), "-m", "rnnkit.autograde.forkserver", *modules]
        self.env = isolation.environment(self.scratch, **env)
        log = os.path.join(self.scratch, "server.log")
        with open(log, "w") as stderr:  # what the server says (warnings of the imports) goes here, not to a pipe
            self.server = subprocess.Popen(isolation.command(argv, self.scratch, view(), self.env),
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        self.lock, self.started = threading.Lock(), False  # the server imports its modules meanwhile

    def wait_started(self):
        """Wait until the server has imported its modules; RuntimeError, with its log, if it could not."""
        if not self.started:
            if not self.server.stdout.readline():
                self.server.wait()
                raise RuntimeError(f"the {self.kind} pool's fork server did not start: "
                                   f"{_read(os.path.join(self.scratch, 'server.log'))[-600:]}")
            self.started = True

    def alive(self):
        return self.server.poll() is None

    def job(self):
        """A new job directory: (its name, its path here); inside, the job sees it at INSIDE."""
        name = secrets.token_hex(4)
        path = os.path.join(self.scratch, "jobs", name)
        for sub in ("home", "tmp"):
            os.makedirs(os.path.join(path, sub))
        return name, path

    def spawn(self, name, argv, env, cwd, stdin=None, stdout=None):
        """Fork the job `name` (its directory must be handed over already) running
        `python -m ...` argv in its sandbox; a Process."""
        request = {"dir": name, "argv": argv, "env": env, "cwd": cwd, "stdin": stdin, "stdout": stdout}
        with self.lock:
            self.wait_started()
            self.server.stdin.write((json.dumps(request) + "\n").encode())
            self.server.stdin.flush()
            reply = self.server.stdout.readline()
        if not reply:
            raise RuntimeError(f"the {self.kind} pool's fork server stopped")
        return Process(json.loads(reply)["pid"])

    def close(self):
        if self.server.poll() is None:
            self.server.kill()  # bwrap: every job of the pool goes with it
            self.server.wait()
        isolation.remove(self.scratch)


def check():
    """Raise Unavailable, saying why and what to do, unless sandboxes can run here: a pool
    sandbox starts, and a job in it moves into a sandbox of its own and imports what a notebook
    needs."""
    if not shutil.which("bwrap"):
        raise isolation.Unavailable("bubblewrap is not installed. Install it (Debian and Ubuntu: apt install bubblewrap; "
                          "Fedora: dnf install bubblewrap), or grade with --no-isolation, which gives up the "
                          "protection described in the grading appendix.")
    pool = Pool("probe")
    try:
        try:
            pool.wait_started()
        except RuntimeError as error:
            _unavailable(str(error))
        name, path = pool.job()
        isolation.hand_over(path)
        code = "import numpy, rnnkit.grading, ipykernel; print('ok')"
        process = pool.spawn(name, ["-c", code], isolation.environment(path), f"{isolation.INSIDE}/home",
                             stdout=f"{isolation.INSIDE}/probe")
        process.wait(timeout=120)
        if _read(os.path.join(path, "probe")).strip() != "ok":
            _unavailable(_read(os.path.join(path, "setup-error")) or "a job in the sandbox printed nothing")
    finally:
        pool.close()


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _unavailable(error):
    error = error.strip()[-600:]
    if any(words in error for words in ("namespace", "uid map", "uid_map", "Operation not permitted", "unshare")):
        raise isolation.Unavailable(
            f"this machine does not allow unprivileged user namespaces, which the sandbox needs ({error}). "
            "Enable them: sysctl -w user.max_user_namespaces=15000; on Debian before 11, also sysctl -w "
            "kernel.unprivileged_userns_clone=1; on Ubuntu 23.10 and later, sysctl -w "
            "kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile that lets bwrap create them); "
            "in a container, a seccomp profile that allows them. Or grade with --no-isolation, which gives up the "
            "protection described in the grading appendix.")
    who = "nobody, so the environment must be readable by other users (chmod -R o+rX)" if os.geteuid() == 0 else "you"
    raise isolation.Unavailable(f"a sandbox cannot run this Python environment (it runs as {who}): {error}")


class Process:
    """A job's process, forked by a pool's server: what subprocess.Popen offers for a child,
    for a process that is not this one's child."""

    stdin = stdout = stderr = None

    def __init__(self, pid):
        self.pid, self.returncode = pid, None
        try:
            self._process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            self._process, self.returncode = None, 0

    def poll(self):
        if self.returncode is None:
            try:
                if self._process.status() == psutil.STATUS_ZOMBIE:
                    self.returncode = 0
            except psutil.NoSuchProcess:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum):
        if self.poll() is None:
            try:
                self._process.send_signal(signum)  # psutil checks it is still the process forked
            except psutil.NoSuchProcess:
                pass

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)
