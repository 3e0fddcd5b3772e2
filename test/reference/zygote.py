"""Runs the PyTorch reference tools without importing torch every time.

    zygote.py SCRIPT [ARGS...]

Importing torch costs ~1.5 CPU-seconds, and the lit suite starts the
reference tools (make_checkpoint.py through checkpoint_cache.py,
run_reference.py, ...) a few hundred times: about a fifth of the suite's CPU
time went to that import alone. With BITC_CHECKPOINT_CACHE set (lit.cfg.py
sets it), the first call starts a server that imports torch, numpy, PIL and
the reference modules once and then forks a child per request; the child
takes the caller's stdin, stdout and stderr (passed over a Unix socket),
working directory, environment and arguments, runs SCRIPT as __main__ and
sends its exit status back. The server leaves after IDLE_SECONDS without a
request. Its socket name includes a hash of test/reference/*.py, so an edited
reference never runs from a server that imported the old one.

Without the variable, or when the server cannot be reached, SCRIPT runs in
this process as plain `python SCRIPT ARGS` would (the same result, slower).
BITC_TEST_NO_ZYGOTE=1 turns the server off. A SCRIPT run this way must not
exec another program in its own process (the caller would get no status).
"""
import array
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IDLE_SECONDS = 60


def address():
    """An abstract Unix socket name (no file to clean up), or None."""
    cache = os.environ.get("BITC_CHECKPOINT_CACHE")
    if not cache or os.environ.get("BITC_TEST_NO_ZYGOTE", "0") not in ("", "0"):
        return None
    h = hashlib.sha256((sys.executable + "\0" + os.path.abspath(cache)).encode())
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".py"):
            with open(os.path.join(HERE, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return "\0bitc-zygote-" + h.hexdigest()[:24]


def run_here(argv):
    """SCRIPT ARGS in this process, as `python SCRIPT ARGS`."""
    script = os.path.abspath(argv[0])
    sys.argv = [script] + argv[1:]
    sys.path.insert(0, os.path.dirname(script))
    import runpy
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    return 0


def recv_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def request(addr, argv):
    """The exit status of SCRIPT run by the server, or None if there is none."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(addr)
    except OSError:
        return None
    with conn:
        body = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        fds = array.array("i", [0, 1, 2])
        conn.sendmsg([struct.pack("!I", len(body))], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
        conn.sendall(body)
        status = recv_exactly(conn, 4)
    # A server killed mid-request (none is) reads as a failure, not a rerun.
    return struct.unpack("!i", status)[0] if status else 1


def start_server(addr):
    subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", addr.lstrip("\0")],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, close_fds=True)


def serve(name):
    # Bind first: of several servers started at once, one wins and the
    # others leave; the clients retry until the winner answers.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind("\0" + name)
    except OSError:
        return 0
    sys.path.insert(0, HERE)
    import numpy  # noqa: F401
    import torch  # noqa: F401
    import PIL.Image  # noqa: F401
    import bit_reference  # noqa: F401
    import safetensors_io  # noqa: F401
    import preprocess  # noqa: F401
    try:
        import preprocess_fast  # noqa: F401  (torchvision: the fast processor's checks)
    except ImportError:
        pass
    import signal
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    listener.listen(64)
    listener.settimeout(IDLE_SECONDS)
    while True:
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            return 0
        conn.settimeout(30)
        try:
            head, ancillary, _, _ = conn.recvmsg(4, socket.CMSG_SPACE(3 * 4))
            fds = array.array("i")
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
            size = struct.unpack("!I", head)[0] if len(head) == 4 else None
            body = recv_exactly(conn, size) if size is not None else None
        except OSError:
            body = None
        if body is None or len(fds) != 3:
            for fd in fds:
                os.close(fd)
            conn.close()
            continue
        if os.fork() == 0:
            listener.close()
            conn.settimeout(None)
            serve_child(conn, fds, json.loads(body))
        for fd in fds:
            os.close(fd)
        conn.close()


def serve_child(conn, fds, job):
    status = 1
    try:
        # The server ignores SIGCHLD; a child that kept that would see every
        # subprocess it waits for exit 0 (waitpid fails with ECHILD).
        import signal
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        status = run_here(job["argv"])
    except BaseException:  # noqa: B902 - the caller gets a status, never a hang
        import traceback
        traceback.print_exc()
        status = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        try:
            conn.sendall(struct.pack("!i", status))
        finally:
            os._exit(0)


def main(argv):
    if len(argv) == 2 and argv[0] == "--serve":
        return serve(argv[1])
    if not argv:
        print("usage: zygote.py SCRIPT [ARGS...]", file=sys.stderr)
        return 2
    addr = address()
    if addr is not None:
        status = request(addr, argv)
        if status is None:
            start_server(addr)
            deadline = time.monotonic() + 30
            while status is None and time.monotonic() < deadline:
                time.sleep(0.05)
                status = request(addr, argv)
        if status is not None:
            return status
    return run_here(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
