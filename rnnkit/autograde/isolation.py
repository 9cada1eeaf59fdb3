"""Isolation of a submission's processes: what they see, what they reach, when they end.

A sandbox is a bubblewrap (`bwrap`, the sandbox Flatpak uses) container. bubblewrap rather
than unshare(1): it builds the sandbox's file system from an empty tmpfs, so a submission
sees an allowlist (the paths named here, read-only, and its own scratch directory) instead of
the machine minus a list of hidden paths; it needs no privileges where unprivileged user
namespaces are allowed, so root and ordinary users get the same sandbox; and it kills the
whole tree when it or its parent dies. With unshare(1) we would write the mounts, the
pivot_root and the parent-death handling ourselves.

Inside a sandbox: new user, mount, PID, network, IPC and UTS namespaces; uid 1000 with no
capabilities and no way to gain one, not even in a user namespace of its own (it may create
none, so it cannot mount a tmpfs that no memory limit sees); a network namespace of its own, so no address outside
is reachable, the host's loopback included (the kernel's channel is a Unix socket in the
scratch directory); `INSIDE` (the scratch directory) the only writable place. The sandbox
and every process it starts die when the process that started it dies, SIGKILL included.

As root, bwrap would map the sandbox's uid to root itself, and root without capabilities can
still write /proc/sys. So root hands the sandbox to `nobody`: this module, run as a small
launcher (`python isolation.py SPEC`), makes the paths the sandbox needs reachable by
`nobody` in a mount namespace of its own (root's home is 0700), drops to `nobody`, and
executes bwrap. An ordinary user's sandbox runs as that user, without capabilities.

This module uses only the standard library: the launcher runs it as a script, without site.
"""

import json
import os
import pwd
import re
import select
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass

INSIDE = "/sandbox"     # where a sandbox sees its scratch directory
GRADER = "grader"       # a job's directory for what the grader gives it to read and not change
UID = 1000              # the sandbox's uid and gid, inside
MAX_PROCESSES = 256     # per sandbox (RLIMIT_NPROC counts per user namespace): a fork bomb fails
MAX_FILE_SIZE = 2**30   # bytes: one file cannot fill the disk


class Unavailable(RuntimeError):
    """Isolation cannot run on this machine; the message says why and how to enable it."""


@dataclass(frozen=True)
class View:
    """What a sandboxed command sees besides its scratch directory.

    readable: host paths shown read-only at the same path.
    placed: (host path, path inside) pairs shown read-only where the second says.
    empty: directories inside `readable` that are shown empty.
    """
    readable: tuple
    placed: tuple = ()
    empty: tuple = ()


def kernel_view():
    """The interpreter, its environment (site-packages included) and rnnkit: what a notebook
    needs, ungraded cells that use torch or matplotlib included."""
    paths = [*_interpreter(), _rnnkit_dir()]
    if sys.prefix != sys.base_prefix:
        paths.append(sys.prefix)  # the virtual environment: pyvenv.cfg, bin/, site-packages
    paths += [p for key in ("purelib", "platlib") if os.path.isdir(p := sysconfig.get_paths()[key])]
    return View(tuple(sorted(set(paths))))


LIBRARY = "/opt/rnnkit-lib"  # where a re-check sandbox finds numpy and rnnkit (its PYTHONPATH)


def recheck_view():
    """The standard library, numpy and rnnkit, and nothing else: no torch, no scipy, no
    other package that could compute a graded function's answer."""
    import numpy
    numpy_dir = os.path.dirname(os.path.realpath(numpy.__file__))
    placed = [(numpy_dir, f"{LIBRARY}/numpy"), (_rnnkit_dir(), f"{LIBRARY}/rnnkit")]
    if os.path.isdir(libs := numpy_dir + ".libs"):  # the wheels' bundled OpenBLAS
        placed.append((libs, f"{LIBRARY}/numpy.libs"))
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
    empty = sorted({base[key] for key in ("purelib", "platlib")
                    if base[key].startswith(base["stdlib"] + os.sep) and os.path.isdir(base[key])})
    return View(tuple(_interpreter()), tuple(placed), tuple(empty))


def _interpreter():
    """The executable (each link on its way), the shared libpython, the standard library, and
    the system libraries they load."""
    paths, exe = [], sys.executable
    while True:
        paths.append(os.path.join(os.path.realpath(os.path.dirname(exe)), os.path.basename(exe)))
        if not os.path.islink(exe):
            break
        exe = os.path.join(os.path.dirname(exe), os.readlink(exe))
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})
    paths += [base["stdlib"], base["platstdlib"]]
    libdir, library = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("LDLIBRARY") or ""
    if libdir and library.endswith(".so") and os.path.isdir(libdir):
        paths += [os.path.join(libdir, f) for f in os.listdir(libdir) if f.startswith(library)]
    arch = sysconfig.get_config_var("MULTIARCH")
    system = [f"/usr/lib/{arch}", f"/lib/{arch}"] if arch else []
    paths += [os.path.realpath(p) for p in (*system, "/usr/lib64", "/lib64", "/etc/ld.so.cache") if os.path.exists(p)]
    return [p for p in paths if os.path.exists(p)]


def _rnnkit_dir():
    import rnnkit
    return os.path.dirname(os.path.realpath(rnnkit.__file__))


# ---- who the sandbox runs as ----------------------------------------------------------------

def _as_root():
    return os.geteuid() == 0


def _nobody():
    try:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def scratch():
    """A new private scratch directory for one sandbox; the caller removes it.

    It is a mkdtemp (mode 0700) in the user's runtime directory, else the temp directory, so
    that two users, or two runs of one user, never share one. As root it is /tmp/.../sandbox
    owned by nobody, inside a root-only directory. Its name says which process made it, so
    that `sweep` can remove it once that process is gone.
    """
    path = tempfile.mkdtemp(prefix=f"{_SCRATCH}{_tag(os.getpid())}-", dir=_scratch_base())
    if _as_root():
        path = os.path.join(path, "sandbox")
        os.mkdir(path, 0o700)
    for sub in ("home", "tmp"):  # the process's working directory, and its /tmp
        os.mkdir(os.path.join(path, sub))
    return path


_SCRATCH = "rnnkit-sandbox-"


def _scratch_base():
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not _as_root() and runtime and os.access(runtime, os.W_OK | os.X_OK):
        return runtime
    return tempfile.gettempdir()


def _tag(pid):
    """pid.start time: names one process, even after its pid is reused; None if it is gone
    (a zombie is: it waits only for its exit status to be read)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in "ZX" else f"{pid}.{fields[19]}"


def sweep():
    """Remove the scratch directories of processes that are gone: a worker killed with
    SIGKILL could not remove its own. Only this user's, and only where `scratch` makes them."""
    try:
        entries = list(os.scandir(_scratch_base()))
    except OSError:
        return
    for entry in entries:
        named = re.fullmatch(rf"{_SCRATCH}((\d+)\.\d+)-\w+", entry.name)
        if not named:
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.geteuid():
                continue
        except OSError:
            continue
        if _tag(int(named[2])) != named[1]:
            remove(entry.path, top=False)


def hand_over(path):
    """Give the sandbox its scratch directory: as root, chown it (and all in it) to nobody."""
    if not _as_root():
        return
    uid, gid = _nobody()
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.lchown(name, uid, gid)


def remove(path, top=True):
    """Remove a scratch directory made by `scratch()` (top=False: any directory), whatever the
    sandbox left in it."""
    top = os.path.dirname(path) if top and _as_root() else path
    for root, dirs, _ in os.walk(top):  # a submission may have made its directories read-only
        for d in dirs:
            try:
                os.chmod(os.path.join(root, d), 0o700)
            except OSError:
                pass
    shutil.rmtree(top, ignore_errors=True)


# ---- the command line ------------------------------------------------------------------------

def command(argv, scratch_dir, view, env, cwd=INSIDE):
    """The command line that runs argv, a pool's fork server (rnnkit.autograde.forkserver), in
    a pool sandbox seeing `view` and `scratch_dir` (at INSIDE), with exactly the environment
    `env`. The server is trusted code; each job it forks moves into a sandbox of its own with
    `enter` before any submitted code runs. So the pool sandbox shares the host's PID namespace
    (the worker watches each job by its PID) and may create the user namespaces jobs need."""
    args = [shutil.which("bwrap") or "bwrap", "--unshare-user", "--unshare-ipc", "--unshare-net",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--uid", str(UID),
            "--gid", str(UID),
            "--hostname", "sandbox", "--clearenv", "--cap-drop", "ALL"]
    for link in ("/lib", "/lib64"):  # a merged /usr links these; ELF binaries name the loader through them
        if os.path.islink(link):
            args += ["--symlink", os.readlink(link), link]
    # /tmp first: a view path under /tmp (an environment there) is then shown inside it
    args += ["--bind", scratch_dir, INSIDE, "--bind", os.path.join(scratch_dir, "tmp"), "/tmp"]
    for path in _outermost(view.readable):
        args += ["--ro-bind", path, path]
    for host, inside in view.placed:
        args += ["--ro-bind", host, inside]
    for path in view.empty:
        args += ["--tmpfs", path, "--remount-ro", path]
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--ro-bind-data", "3", "/etc/passwd",
             "--remount-ro", "/", "--chdir", cwd]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    spec = {"bwrap": [*args, "--", *argv], "passwd": _passwd(), "parent": os.getpid()}
    if _as_root():
        spec["user"] = _nobody()
        spec["reach"] = sorted({*view.readable, *(h for h, _ in view.placed), scratch_dir}, key=len)
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), json.dumps(spec)]


def _outermost(paths):
    """The paths not inside another of them, shortest first: a bind inside a read-only bind
    could not be created."""
    kept = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k.rstrip(os.sep) + os.sep) for k in kept):
            kept.append(path)
    return kept


def _passwd():
    return f"root:x:0:0::/:/sbin/nologin\nstudent:x:{UID}:{UID}::{INSIDE}/home:/sbin/nologin\n"


def environment(scratch_dir, **extra):
    """The environment of a sandboxed process: nothing of the grader's. RNNKIT_SANDBOX names
    the scratch directory on the host, so that its processes can be told apart from outside."""
    env = {"HOME": f"{INSIDE}/home", "TMPDIR": f"{INSIDE}/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "RNNKIT_SANDBOX": scratch_dir}
    env.update(extra)
    return env


def limit_resources():
    """Called inside a sandbox before any submitted code runs: at most MAX_PROCESSES processes
    (RLIMIT_NPROC holds per user namespace, so it counts this sandbox's alone) and files of at
    most MAX_FILE_SIZE bytes. Memory and time are watched from outside."""
    import resource
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_SIZE, MAX_FILE_SIZE))


class _Linux:
    """The system calls Python 3.11 lacks, through libc; each raises OSError naming what failed."""

    NEWNS, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET = 0x20000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000
    RDONLY, NOSUID, NODEV, NOEXEC, REMOUNT, BIND, REC, PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
    SET_PDEATHSIG, CAPBSET_DROP = 1, 24

    def __init__(self):
        import ctypes
        self.ctypes, self.libc = ctypes, ctypes.CDLL(None, use_errno=True)

    def _call(self, result, what):
        if result != 0:
            errno = self.ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    def unshare(self, flags):
        self._call(self.libc.unshare(flags), "unshare")

    def mount(self, source, target, fstype, flags, data=None):
        self._call(self.libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                                   data and data.encode()), f"mount {source} on {target}")

    def remount_read_only(self, path):
        """A bind mount read-only, keeping the flags a user namespace may not drop (nosuid...)."""
        kept = os.statvfs(path).f_flag & (self.NOSUID | self.NODEV | self.NOEXEC | 1024 | 2048)  # noatime, nodiratime
        relatime = 1 << 21 if os.statvfs(path).f_flag & 4096 else 0
        self.mount(None, path, None, self.REMOUNT | self.BIND | self.RDONLY | kept | relatime)

    def prctl(self, option, arg):
        self._call(self.libc.prctl(option, arg, 0, 0, 0), f"prctl {option}")

    def drop_capabilities(self):
        """All of them, and the bounding set, for good."""
        for cap in range(64):
            if self.libc.prctl(self.CAPBSET_DROP, cap, 0, 0, 0) != 0 and self.ctypes.get_errno() == 22:
                break  # EINVAL: past the last capability this kernel knows
        header = (self.ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (self.ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: none, twice (64 bits)
        self._call(self.libc.capset(header, data), "capset")


def enter(job_dir, parent):
    """Called in a process forked inside a pool sandbox (`command(pool=True)`), before any
    submitted code: move into a sandbox of the job's own. New user, mount, PID, network, IPC
    and UTS namespaces; `job_dir` (a directory of the pool's scratch) appears at INSIDE, its
    tmp/ at /tmp (with the view's paths under /tmp still shown), its grader/ read-only, and
    the pool's other jobs are out of sight; its own /proc; no capabilities and no further user
    namespace. Returns in the job's first process; the calling process waits for it and exits
    with its status. Both die with the process that forked them (`parent`), even if it died
    before they could ask to."""
    linux, uid, gid = _Linux(), os.getuid(), os.getgid()
    die_with(parent, linux)
    linux.unshare(linux.NEWUSER | linux.NEWNS | linux.NEWPID | linux.NEWNET | linux.NEWIPC | linux.NEWUTS)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    alive, held = os.pipe()  # the job's first process cannot see its parent's PID: it watches this pipe
    child = os.fork()
    if child:
        os.close(alive)
        os._exit(os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) & 0xFF)
    os.close(held)
    linux.prctl(linux.SET_PDEATHSIG, 9)
    if select.select([alive], [], [], 0)[0]:  # end of file: the parent died before the line above
        os._exit(1)
    linux.mount(None, "/", None, linux.REC | linux.PRIVATE)
    linux.mount("proc", "/proc", "proc", linux.NOSUID | linux.NODEV | linux.NOEXEC)
    linux.mount(job_dir, INSIDE, None, linux.BIND | linux.REC)
    shown = [(path, os.open(path, os.O_PATH)) for path in _outermost(_mounts_under("/tmp"))]
    linux.mount(f"{INSIDE}/tmp", "/tmp", None, linux.BIND | linux.REC)
    _show_again(linux, shown, read_only=True)  # the view's paths under /tmp, which the job's /tmp covered
    grader = f"{INSIDE}/{GRADER}"
    if os.path.isdir(grader):  # read-only: a submission that deletes what it finds cannot cut its line to the grader
        linux.mount(grader, grader, None, linux.BIND | linux.REC)
        linux.remount_read_only(grader)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")
    socket.sethostname("sandbox")
    linux.drop_capabilities()


def _mounts_under(top):
    """The mount points below `top` in this mount namespace."""
    with open("/proc/self/mountinfo") as f:
        points = [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[4]) for line in f]
    return [p for p in points if p.startswith(top.rstrip("/") + "/")]


# ---- the launcher: run as a script by the command line above ----------------------------------

def _reach(paths):
    """Make each path reachable by an unprivileged user in a new mount namespace: every top
    directory that others cannot enter (root's home, a 0700 temp directory) is covered with an
    empty tmpfs into which only these paths are bound back. Root only."""
    linux = _Linux()
    tops = {}
    for path in paths:
        parts, top = path.split(os.sep), None
        for i in range(2, len(parts)):
            parent = os.sep.join(parts[:i])
            if not os.stat(parent).st_mode & 0o001:
                top = parent
                break
        if top:
            tops.setdefault(top, []).append(path)
    if not tops:
        return
    linux.unshare(linux.NEWNS)
    linux.mount(None, "/", None, linux.REC | linux.PRIVATE)
    # the outermost paths only: one inside another comes back with it (and may be a link into it)
    held = {p: os.open(p, os.O_PATH) for p in _outermost([p for hidden in tops.values() for p in hidden])}
    for top in sorted(tops, key=len):
        linux.mount("tmpfs", top, "tmpfs", 0, "mode=0755")
    _show_again(linux, held.items())


def _show_again(linux, held, read_only=False):
    """Bind each (path, O_PATH descriptor opened before a mount covered it) at its path again."""
    for path, fd in sorted(held, key=lambda item: len(item[0])):
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
        linux.mount(f"/proc/self/fd/{fd}", path, None, linux.BIND | linux.REC)
        if read_only:
            linux.remount_read_only(path)
        os.close(fd)


def die_with(parent, linux=None):
    """Die with the process `parent` (SIGKILL), or now if it has died already."""
    (linux or _Linux()).prctl(_Linux.SET_PDEATHSIG, 9)
    if os.getppid() != parent:
        os._exit(1)


def _launch(spec):
    if "reach" in spec:
        _reach(spec["reach"])
    read, write = os.pipe()
    os.write(write, spec["passwd"].encode())
    os.close(write)
    if read != 3:
        os.dup2(read, 3)
        os.close(read)
    os.set_inheritable(3, True)
    if "user" in spec:
        uid, gid = spec["user"]
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    die_with(spec["parent"])  # after setresuid, which clears it; bwrap keeps it, then sets its own
    os.execvp(spec["bwrap"][0], spec["bwrap"])


if __name__ == "__main__":
    _launch(json.loads(sys.argv[1]))
