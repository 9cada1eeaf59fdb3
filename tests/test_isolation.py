"""rnnkit.autograde.isolation: a sandbox shows an allowlist and nothing else, reaches no
network, runs unprivileged, holds few processes, dies with its parent, and where it cannot run
`rnnkit grade` says why instead of grading unprotected."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from accounts import account, as_user, environment, owned_by
from courses import make_course
from notebooks import BIN, ENV, ROOT, notebook, with_solution_code
from rnnkit.autograde import isolation, pools

pytestmark = pytest.mark.isolation


@pytest.fixture(scope="module", autouse=True)
def no_pools_left():
    yield
    for pool in pools._POOLS.values():
        pool.close()
    pools._POOLS.clear()


def sandboxed(code, kind="probe", stdin="", timeout=60, pool=None):
    """Run Python `code` as a job of a pool of `kind` (the probe's view is the kernel's), or of
    `pool`; what it printed (and why it could not start, if it could not)."""
    pool = pool or pools.get(kind)
    name, path = pool.job()
    os.makedirs(os.path.join(path, "runtime"))
    with open(os.path.join(path, "runtime", "stdin"), "w") as f:
        f.write(stdin)
    isolation.hand_over(path)
    inside = f"{isolation.INSIDE}/runtime"
    process = pool.spawn(name, ["-c", textwrap.dedent(code)], isolation.environment(path), f"{isolation.INSIDE}/home",
                         stdin=f"{inside}/stdin", stdout=f"{inside}/stdout")
    try:
        process.wait(timeout=timeout)
        out = pools._read(os.path.join(path, "runtime", "stdout"))
        assert out, pools._read(os.path.join(path, "setup-error")) or "the job printed nothing"
        return out
    finally:
        process.kill()
        isolation.remove(path, top=False)


def test_a_sandbox_sees_its_allowlist_and_nothing_else():
    out = sandboxed("""
        import json, os
        seen = {p: os.path.exists(p) for p in json.loads(input())}
        print(json.dumps({"top": sorted(os.listdir("/")), "seen": seen, "home": os.listdir("/sandbox"),
                          "tmp": os.listdir("/tmp"), "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}))
    """, stdin=json.dumps([str(ROOT / "solutions"), str(ROOT / ".git"), str(ROOT / "README.md"), "/home", "/var", "/usr/local", "/usr/bin", "/etc/shadow", os.path.expanduser("~/.bashrc"),
                           str(ROOT / "rnnkit" / "reference.py"), sys.prefix]))
    found = json.loads(out)
    allowed = {p.split(os.sep)[1] for p in isolation.kernel_view().readable} | {"dev", "proc", "etc", "sandbox",
                                                                                  "tmp", "lib", "lib64"}
    assert set(found["top"]) <= allowed, set(found["top"]) - allowed
    visible = [p for p, there in found["seen"].items() if there]
    assert visible == [str(ROOT / "rnnkit" / "reference.py"), sys.prefix], visible
    under_tmp = sorted({p.split(os.sep)[2] for p in isolation.kernel_view().readable if p.startswith("/tmp/")})
    assert sorted(found["home"]) == ["home", "runtime", "tmp"]
    assert found["tmp"] == under_tmp  # its own, not the pool's: empty, but for where an environment under /tmp shows
    assert found["pids"] == [1]  # its own process namespace: no other job, no fork server


def test_an_environment_under_tmp_is_shown_read_only_in_a_tmp_the_job_can_write(monkeypatch):
    """A checkout or virtual environment in /tmp: the sandbox's own /tmp must not hide it."""
    env = Path(tempfile.mkdtemp(prefix="rnnkit-env-", dir="/tmp"))
    (env / "lib").mkdir()
    (env / "lib" / "answer.py").write_text("ANSWER = 42\n")
    (env / "pyvenv.cfg").write_text("")
    for path in (env, env / "lib"):
        path.chmod(0o755)
    view = isolation.View((*isolation.kernel_view().readable, str(env / "lib"), str(env / "pyvenv.cfg")))
    monkeypatch.setitem(pools.KINDS, "probe", (lambda: view, *pools.KINDS["probe"][1:]))
    pool = pools.Pool("probe")
    try:
        out = sandboxed(f"""
            import os, sys
            sys.path.insert(0, {str(env / "lib")!r})
            import answer
            open("/tmp/mine", "w").write("x")
            try:
                open({str(env / "lib" / "x")!r}, "w")
                written = True
            except OSError:
                written = False
            print(answer.ANSWER, os.path.exists({str(env / "pyvenv.cfg")!r}), sorted(os.listdir("/tmp")), written)
        """, pool=pool)
        assert out.split(" ", 2)[:2] == ["42", "True"] and "'mine'" in out and out.strip().endswith("False"), out
    finally:
        pool.close()
        shutil.rmtree(env)


def test_an_environment_in_a_private_directory_is_shown_with_the_links_inside_it(monkeypatch):
    """A checkout made by `mktemp -d` (mode 0700) that others cannot enter: as root the sandbox
    runs as nobody, so the directory is covered and the view's paths in it are bound back; a
    path inside another (a virtual environment's bin/python, a link) comes back with it."""
    top = Path(tempfile.mkdtemp(prefix="r", dir="/tmp"))  # a short path: bound back before the link's target
    env = top / "env"
    (env / "bin").mkdir(parents=True)
    (env / "answer.py").write_text("ANSWER = 42\n")
    (env / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    for path in (env, env / "bin"):
        path.chmod(0o755)
    view = isolation.View((*isolation.kernel_view().readable, str(env), str(env / "bin" / "python")))
    monkeypatch.setitem(pools.KINDS, "probe", (lambda: view, *pools.KINDS["probe"][1:]))
    pool = pools.Pool("probe")
    try:
        out = sandboxed(f"""
            import os, sys
            sys.path.insert(0, {str(env)!r})
            import answer
            print(answer.ANSWER, os.path.islink({str(env / "bin" / "python")!r}))
        """, pool=pool)
        assert out.split() == ["42", "True"], out
    finally:
        pool.close()
        shutil.rmtree(top)


def test_a_sandbox_writes_only_to_its_scratch_directory():
    out = sandboxed(f"""
        import os
        for path in ({str(ROOT / 'rnnkit' / 'x')!r}, {sys.prefix + '/x'!r}, "/x", "/usr/x", "/etc/x", "/dev/x",
                     "/dev/shm/x", "/proc/x"):
            try:
                open(path, "w").write("x")
                print("wrote", path)
            except OSError:
                pass
        open("/sandbox/home/mine", "w").write("x")
        open("/tmp/mine", "w").write("x")
        print("scratch ok")
    """)
    assert out.strip() == "scratch ok"


def test_a_sandbox_reaches_no_network_not_even_the_hosts_loopback():
    server = socket.create_server(("127.0.0.1", 0))
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0rnnkit-test-{os.getpid()}")
    abstract.listen()
    try:
        out = sandboxed(f"""
            import socket
            for family, address in ((socket.AF_INET, ("127.0.0.1", {server.getsockname()[1]})),
                                    (socket.AF_UNIX, "\\0rnnkit-test-{os.getpid()}"),
                                    (socket.AF_INET, ("1.1.1.1", 53))):
                try:
                    socket.socket(family).connect(address)
                    print("reached", address)
                except OSError as error:
                    pass
            print(sorted(name for _, name in socket.if_nameindex()))
        """)
    finally:
        server.close()
        abstract.close()
    assert out.strip() == "['lo']"


def test_a_sandbox_runs_unprivileged_and_cannot_write_kernel_settings():
    out = sandboxed("""
        import os
        status = dict(line.split(":\\t") for line in open("/proc/self/status").read().splitlines() if ":\\t" in line)
        try:
            open("/proc/sys/vm/stat_interval", "w").write(open("/proc/sys/vm/stat_interval").read())
            wrote = True
        except OSError:
            wrote = False
        import ctypes
        nested = ctypes.CDLL(None, use_errno=True).unshare(0x10000000) == 0  # CLONE_NEWUSER: could mount a tmpfs
        print(os.getuid(), int(status["CapEff"], 16), status["NoNewPrivs"], wrote, nested)
    """)
    assert out.split() == ["1000", "0", "1", "False", "False"]


def test_as_root_the_sandbox_is_nobody_outside():
    if os.geteuid() != 0:
        pytest.skip("root only")
    pool = pools.get("probe")
    name, path = pool.job()
    isolation.hand_over(path)
    process = pool.spawn(name, ["-c", "import time; time.sleep(30)"], isolation.environment(path),
                         f"{isolation.INSIDE}/home")
    try:
        job = psutil.Process(process.pid)
        assert job.uids().real == isolation._nobody()[0]
        assert all(p.uids().real == isolation._nobody()[0] for p in psutil.Process(pool.server.pid).children(True))
    finally:
        process.kill()
        isolation.remove(path, top=False)


def test_a_fork_bomb_stops_at_the_process_limit():
    out = sandboxed("""
        import os, time
        n = 0
        try:
            for n in range(1000):
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
        except OSError:
            pass
        print(n, flush=True)
        os._exit(0)
    """)
    assert 100 < int(out) < isolation.MAX_PROCESSES


def test_a_sandbox_dies_with_the_process_that_started_it(tmp_path):
    """The worker that started a pool dies with SIGKILL: its fork server, a job's processes and
    a daemon the job started go too."""
    starter = tmp_path / "starter.py"
    starter.write_text(textwrap.dedent("""
        import time
        from rnnkit.autograde import isolation, pools
        pool = pools.get("probe")
        name, path = pool.job()
        isolation.hand_over(path)
        code = "import os, time\\nif os.fork() == 0:\\n    os.setsid()\\n    time.sleep(60)\\ntime.sleep(60)"
        pool.spawn(name, ["-c", code], isolation.environment(path), isolation.INSIDE + "/home")
        print(pool.scratch, flush=True)
        time.sleep(60)
    """))
    proc = subprocess.Popen([sys.executable, str(starter)], stdout=subprocess.PIPE, text=True)
    scratch = proc.stdout.readline().strip()
    assert scratch, "the starter could not start a pool"

    def sandbox():
        found = []
        for p in psutil.process_iter():
            try:
                if p.environ().get("RNNKIT_SANDBOX", "").startswith(scratch) or scratch in " ".join(p.cmdline()):
                    found.append(p)
            except psutil.Error:
                pass
        return found

    deadline = time.time() + 20
    while len(sandbox()) < 5 and time.time() < deadline:  # bwrap, the server, the job's two, the daemon
        time.sleep(0.1)
    assert len(sandbox()) >= 5, [p.cmdline() for p in sandbox()]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while sandbox() and time.time() < deadline:
        time.sleep(0.1)
    assert not sandbox()
    isolation.remove(scratch)


def test_scratch_directories_are_private_and_removed():
    a, b = isolation.scratch(), isolation.scratch()
    assert a != b and os.stat(a).st_mode & 0o777 == 0o700
    if os.geteuid() == 0:
        assert os.stat(os.path.dirname(a)).st_mode & 0o777 == 0o700
    for path in (a, b):
        isolation.remove(path)
        assert not os.path.exists(path)


def test_sweep_removes_the_scratch_directories_of_processes_that_are_gone(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    mine = isolation.scratch()
    child = subprocess.run([sys.executable, "-c", "from rnnkit.autograde import isolation; print(isolation.scratch())"],
                           env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True, text=True, check=True)
    gone = child.stdout.strip()
    os.chmod(os.path.join(gone, "home"), 0)  # what a submission may leave
    reused = tmp_path / f"rnnkit-sandbox-{os.getpid()}.1-abcdefgh"  # this pid, another start: a process gone
    reused.mkdir()
    other = tmp_path / "rnnkit-sandbox-notes"
    other.mkdir()
    assert os.path.exists(gone)
    isolation.sweep()
    assert os.path.exists(mine) and not os.path.exists(gone) and not reused.exists() and other.exists()
    isolation.remove(mine)


def test_the_recheck_sandbox_has_numpy_and_rnnkit_but_no_torch():
    out = sandboxed("""
        import importlib.util, sys
        sys.path[:0] = ["/opt/rnnkit-lib"]
        import numpy, rnnkit.grading
        print([m for m in ("torch", "scipy", "IPython", "nbformat") if importlib.util.find_spec(m)])
    """, kind="recheck")
    assert out.strip() == "[]"


@pytest.fixture(scope="module")
def grader():
    return account("rnnkit-grader"), environment()


def test_without_bubblewrap_grading_stops_and_says_how_to_get_it(tmp_path):
    course = make_course(tmp_path / "course", {"ada": with_solution_code(notebook("01_rnn"))})
    env = {**ENV, "PATH": BIN}  # the venv's tools, and no bwrap
    run = subprocess.run([os.path.join(BIN, "rnnkit"), "--course", str(course), "grade", "01_rnn"], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "bubblewrap is not installed" in run.stderr and "--no-isolation" in run.stderr
    assert not (course / "autograded").exists()


def test_where_user_namespaces_are_forbidden_grading_stops_and_says_how_to_enable_them(grader):
    """bwrap --disable-userns sets the limit of user namespaces to 0 for what runs inside it,
    as `sysctl user.max_user_namespaces=0` would for the machine."""
    entry, env = grader
    top = Path(tempfile.mkdtemp(prefix="rnnkit-no-userns-", dir="/var/tmp"))
    try:
        course = make_course(top / "course", {"ada": with_solution_code(notebook("01_rnn"))})
        owned_by(entry, top)
        run = subprocess.run(["bwrap", "--dev-bind", "/", "/", "--unshare-user", "--disable-userns", "--",
                              str(env / "bin" / "rnnkit"), "--course", str(course), "grade", "01_rnn"],
                             capture_output=True, text=True, **as_user(entry, env))
        assert run.returncode == 2, run.stdout + run.stderr
        assert "user namespaces" in run.stderr and "--no-isolation" in run.stderr
        assert not (course / "autograded").exists()
    finally:
        shutil.rmtree(top, ignore_errors=True)
