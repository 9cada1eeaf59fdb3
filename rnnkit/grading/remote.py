"""Verdicts from another process. A kernel graded by `rnnkit grade` runs without torch: `check`
observes the student's function there and asks for the verdict over the Unix socket named by
RNNKIT_VERDICTS, which a process with torch serves (`serve`). The check then prints or raises
exactly as it would have judging in the kernel.

What a kernel sends is untrusted: the server decodes it without unpickling, reads no more than
MAX_REQUEST bytes, and answers a malformed request with an error, never with a crash.
"""

import json
import os
import socket
import threading

from rnnkit.grading.encoding import decode, encode

ENV = "RNNKIT_VERDICTS"        # the socket's path, in a kernel graded this way
SEEDS_ENV = "RNNKIT_SEEDS"     # {function: seed of its hidden inputs}, the same for the whole class
MAX_REQUEST = 64 * 2**20


def active():
    return bool(os.environ.get(ENV))


def hidden_seed(name):
    """The seed of `name`'s hidden inputs that the grader chose, or None."""
    seeds = json.loads(os.environ.get(SEEDS_ENV) or "{}")
    return seeds.get(name)


def ask(name, visible, seed, observed):
    """The verdict on what `observe` saw (rnnkit.grading.checking), from the server."""
    request = json.dumps({"name": name, "visible": visible, "seed": seed, "observed": encode(observed)})
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(os.environ[ENV])
        s.sendall(request.encode())
        s.shutdown(socket.SHUT_WR)
        reply = json.loads(_read(s))
    if "error" in reply:
        raise RuntimeError(f"the grader could not judge {name}: {reply['error']}")
    return reply["message"]


def serve(path, judge):
    """Answer requests on a Unix socket at `path`, in a daemon thread, with
    judge(name, visible, seed, observed) -> message or None. Returns a function that stops it."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)

    def loop():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: grading of this notebook is over
                return
            with conn:
                try:
                    request = json.loads(_read(conn))
                    message = judge(str(request["name"]), bool(request["visible"]), int(request["seed"]),
                                    decode(request["observed"]))
                    reply = {"message": message}
                except Exception as error:  # noqa: BLE001 (a bad request from the kernel ends that request only)
                    reply = {"error": f"{type(error).__name__}: {error}"}
                try:
                    conn.sendall(json.dumps(reply).encode())
                except OSError:
                    pass

    threading.Thread(target=loop, daemon=True).start()

    def stop():
        server.close()
        try:
            os.unlink(path)
        except OSError:
            pass
    return stop


def _read(conn):
    chunks, size = [], 0
    while chunk := conn.recv(1 << 16):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_REQUEST:
            raise ValueError(f"a request of more than {MAX_REQUEST} bytes")
    return b"".join(chunks)
