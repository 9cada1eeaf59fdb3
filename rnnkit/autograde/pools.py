"""Pools of sandboxes, one per kind of job (a notebook's kernel, a clean re-check) in each
worker process: a fork server (rnnkit.autograde.forkserver) started once in a pool sandbox,
which forks every job of that kind into a sandbox of its own with the modules it needs
already imported. A job here is a directory of the pool and the process working in it."""

import json
import os
import secrets
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
                "jupyter_client.session", "rnnkit.params", "rnnkit.gradcheck"], {}),
    "recheck": (isolation.recheck_view, lambda: [os.path.realpath(sys.executable), "-s", "-S"],
                ["numpy", "rnnkit.grading", "rnnkit.autograde.recheck"], {"PYTHONPATH": isolation.LIBRARY}),
    "probe": (isolation.kernel_view, lambda: [sys.executable], [], {}),  # isolation.check()'s
}
_POOLS, _LOCK = {}, threading.Lock()


PRELOADABLE = ("torch",)  # heavy modules a notebook may import, imported by its pool's server instead


def get(kind, preload=()):
    """This process's pool of `kind` whose server also imported `preload`, started on first use
    and again if its server died."""
    key = (kind, tuple(preload))
    with _LOCK:
        pool = _POOLS.get(key)
        if pool is None or not pool.alive():
            if pool is not None:
                pool.close()
            _POOLS[key] = pool = Pool(kind, preload)
        return pool


class Pool:
    def __init__(self, kind, preload=()):
        view, python, modules, env = KINDS[kind]
        modules = [*modules, *preload]
        self.kind, self.scratch = kind, isolation.scratch()
        os.mkdir(os.path.join(self.scratch, "jobs"))
        isolation.hand_over(self.scratch)
        argv = [*python(), "-m", "rnnkit.autograde.forkserver", *modules]
        self.env = isolation.environment(self.scratch, **env)
        self.server = subprocess.Popen(isolation.command(argv, self.scratch, view(), self.env),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.server.stdout.readline()
        if not line:
            error = self.server.stderr.read().decode(errors="replace")[-600:]
            raise RuntimeError(f"the {kind} pool's fork server did not start: {error}")
        self.lock = threading.Lock()

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
