"""JupyterLab as a student or an instructor starts it, and headless Chromium to drive it.

A server runs `.venv/bin/jupyter lab` in a process group of its own, with a PATH that does not
hold the virtual environment (as when nobody activated it), on a free port of 127.0.0.1, with
its own config, data and runtime directories; leaving `serve()` kills the group and the kernels,
whatever happened, and the server dies with the test run even when that is killed. Screenshots
of each step go to _build/test-artifacts/<test>/."""

import contextlib
import functools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil

from notebooks import BIN, ROOT
from rnnkit.autograde import isolation

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "_build" / "test-artifacts"
UNACTIVATED_PATH = "/usr/local/bin:/usr/bin:/bin"  # a login shell's PATH: no .venv on it


class Lab:
    """A running JupyterLab: its base URL, token, root directory and log."""

    def __init__(self, url, token, root, log):
        self.url, self.token, self.root, self.log = url, token, root, log

    def get(self, path):
        """(status, body) of GET `path` (e.g. "/formgrader/api/assignments"), authenticated."""
        request = urllib.request.Request(self.url + path, headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def link(self, path):
        """A browser URL for `path` that logs in with the token."""
        return f"{self.url}{path}{'&' if '?' in path else '?'}token={self.token}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(root, state, *extra, env=None):
    """JupyterLab from .venv on `root`, unactivated; `state` holds its config, data and runtime;
    `env`: more environment variables."""
    token, port = secrets.token_hex(16), free_port()
    for name in ("config/labconfig", "data", "runtime", "ipython"):
        (state / name).mkdir(parents=True, exist_ok=True)
    # no "get notified about Jupyter news?" toast over the screenshots (and no fetching of news)
    (state / "config" / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    env = {"HOME": os.environ.get("HOME", "/root"), "PATH": UNACTIVATED_PATH, "LANG": "C.UTF-8",
           "JUPYTER_CONFIG_DIR": str(state / "config"), "JUPYTER_DATA_DIR": str(state / "data"),
           "JUPYTER_RUNTIME_DIR": str(state / "runtime"), "IPYTHONDIR": str(state / "ipython"), **(env or {})}
    log = state / "jupyter-lab.log"
    command = [os.path.join(BIN, "jupyter"), "lab", "--no-browser", "--allow-root", f"--ServerApp.root_dir={root}",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", "--ServerApp.password=", *extra]
    with open(log, "w") as out:  # the server dies with the test run, SIGKILL included; its kernels follow it
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=functools.partial(isolation.die_with, os.getpid()))
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None, f"jupyter lab exited:\n{log.read_text()[-3000:]}"
            assert time.time() < deadline, f"jupyter lab did not answer in 120 s:\n{log.read_text()[-3000:]}"
            try:
                if lab.get("/api/status")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        yield lab
    finally:
        try:  # kernels run in sessions of their own
            family = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            family = []
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for process in family:
            with contextlib.suppress(psutil.Error):
                process.kill()
        proc.wait()


@contextlib.contextmanager
def chromium():
    """Debian's headless Chromium, driven by playwright with a fresh profile."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Steps:
    """Numbered screenshots of a test's steps in _build/test-artifacts/<test name>/."""

    def __init__(self, test_name):
        self.dir = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.n = 0

    def shot(self, page, what):
        self.n += 1
        page.screenshot(path=str(self.dir / f"{self.n:02d}-{what}.png"), full_page=False)
