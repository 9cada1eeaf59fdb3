"""Unprivileged accounts for tests that grade without root, and a Python environment they can
run: root's interpreter lives in root's home (mode 0700), so an account gets a virtual
environment of the system's Python with a copy (not an editable link) of this rnnkit."""

import fcntl
import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from notebooks import ROOT

SYSTEM_PYTHON = "/usr/bin/python3"


def account(name):
    """The pwd entry of account `name`, created (with a home directory) if missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
        return pwd.getpwnam(name)


def environment():
    """A virtual environment that any account can run, with rnnkit[grading] as this checkout has
    it now. Built once per checkout and pyproject.toml (about a minute), then only rnnkit is
    reinstalled."""
    key = hashlib.sha256(f"{ROOT}\n{(ROOT / 'pyproject.toml').read_text()}".encode()).hexdigest()[:12]
    env = Path(f"/var/tmp/rnnkit-test-env-{key}")
    with open(f"/var/tmp/rnnkit-test-env-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with tempfile.TemporaryDirectory() as tmp:  # the package's files alone: pip builds nothing in the checkout
            for name in ("pyproject.toml", "README.md"):
                shutil.copy(ROOT / name, tmp)
            shutil.copytree(ROOT / "rnnkit", Path(tmp) / "rnnkit", ignore=shutil.ignore_patterns("__pycache__"))
            if not (env / ".complete").exists():
                shutil.rmtree(env, ignore_errors=True)
                subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(env)], check=True)
                _pip(env, "install", "--quiet", f"{tmp}[grading]")
                (env / ".complete").touch()
            _pip(env, "install", "--quiet", "--no-deps", "--force-reinstall", tmp)
    return env


def _pip(env, *args):
    done = subprocess.run([str(env / "bin" / "python"), "-m", "pip", *args], capture_output=True, text=True)
    assert done.returncode == 0, f"pip {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def owned_by(entry, path):
    """Give path, and all in it, to the account."""
    for root, dirs, files in os.walk(path):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def as_user(entry, env_dir, extra_env=None):
    """Keyword arguments for subprocess that run a command as the account, in its home directory
    (the checkout the tests run from may be one it cannot enter, as `mktemp -d` makes it), with
    its own environment on PATH (nbgrader shells out to alembic)."""
    env = {"HOME": entry.pw_dir, "USER": entry.pw_name, "LOGNAME": entry.pw_name, "LANG": "C.UTF-8",
           "PATH": f"{env_dir}/bin:/usr/bin:/bin", **(extra_env or {})}
    return dict(user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], env=env, cwd=entry.pw_dir)
