"""A fork server: a process in a pool sandbox that imports, once, the modules every job needs
(IPython's kernel, NumPy, torch), and forks a job for each request, each in a sandbox of its
own (rnnkit.autograde.isolation.enter). A notebook's kernel then starts in milliseconds instead
of seconds, and no job sees another: the fork happens before any submitted code runs.

    python -m rnnkit.autograde.forkserver MODULE...      (inside a pool sandbox)

It prints {"ready": true} once the modules are imported. Each request is a JSON line on stdin:
{"dir": the job's directory in the pool's jobs/, "argv": ["-m", module, args...] or ["-c", code],
"env": {...},
"cwd": path inside the job's sandbox, "stdin": file or null, "stdout": file or null}; the
answer is a line {"pid": the job's process ID}. Jobs that end are reaped here.
"""

import importlib
import json
import os
import runpy
import select
import sys

from rnnkit.autograde import isolation


def main():
    for module in sys.argv[1:]:
        importlib.import_module(module)
    if len(os.listdir("/proc/self/task")) != 1:  # a fork keeps only the thread that forks: no lock may be held
        raise RuntimeError(f"importing {sys.argv[1:]} started threads; the fork server cannot fork safely")
    print(json.dumps({"ready": True}), flush=True)
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], 1.0)
        _reap()
        if not ready:
            continue
        line = sys.stdin.readline()
        if not line:
            return
        request, server = json.loads(line), os.getpid()
        pid = os.fork()
        if pid == 0:
            _job(request, server)
        print(json.dumps({"pid": pid}), flush=True)


def _reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _job(request, server):
    """In the forked process: move into the job's own sandbox and run its module; never returns.
    If it cannot start, why goes to the file setup-error of its directory."""
    where = f"{isolation.INSIDE}/jobs/{request['dir']}"
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os.closerange(3, 1 << 16)  # the server's pipes, above all: a job talks to no one but its files
        os.setsid()
        isolation.enter(where, server)
        where = isolation.INSIDE
        for fd, path, mode in ((0, request.get("stdin"), os.O_RDONLY), (1, request.get("stdout"), os.O_WRONLY)):
            if path:
                os.dup2(os.open(path, mode | (os.O_CREAT | os.O_TRUNC if fd else 0), 0o600), fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        isolation.limit_resources()
        _reseed()
    except BaseException as error:  # noqa: BLE001
        try:
            with open(f"{where}/setup-error", "w") as f:
                f.write(f"{type(error).__name__}: {error}")
        finally:
            os._exit(127)
    try:
        flag, what, *args = request["argv"]
        if flag == "-m":
            sys.argv = [what, *args]
            runpy.run_module(what, run_name="__main__", alter_sys=True)
        elif flag == "-c":
            sys.argv = ["-c", *args]
            exec(compile(what, "<string>", "exec"), {"__name__": "__main__"})
        else:
            raise ValueError(f"a job runs a module (-m MODULE) or code (-c CODE), not {flag!r}")
    except SystemExit as done:
        _exit(done.code if isinstance(done.code, int) else 0)
    except BaseException:  # noqa: BLE001 (its output says what happened)
        _exit(1)
    _exit(0)


def _exit(code):
    """End a job as a process would, its output flushed, but not the server's exit handlers."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001
            pass
    os._exit(code)


def _reseed():
    """A forked job would share the server's random state; NumPy's global generator is seeded
    afresh, as in a process of its own (Python's random module reseeds itself after a fork)."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


if __name__ == "__main__":
    main()
