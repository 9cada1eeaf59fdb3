"""Where a job works: its directory here and where its process sees it, the process started
there, and how the process and all it started end."""

import os
import signal
import subprocess
import sys

import psutil

from rnnkit.autograde import isolation, pools


class Place:
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
