"""Warm kernels for a batch: a fork server that imports once what every notebook imports.

A fresh kernel spends most of its start-up importing pandas, matplotlib, seaborn, Ibis and the
helpers (2 to 5 s a run on two busy cores; see docs/performance.md). For a batch of several
runs, :class:`KernelServer` starts one process that imports the notebooks' modules once and
then forks a kernel per run: each kernel is a new process with nothing of another run's state
(the server never executes a notebook, opens a connection or draws a plot), only the imported
modules, shared copy-on-write.

The kernel manager starts :func:`launch` (``python -m helpers.runner.kernels launch``) in place
of ``ipykernel_launcher``; the launcher hands its connection file, working folder, environment
and standard streams to the server, which forks the kernel, and stays as the kernel's stand-in
for the manager: it passes signals on (interrupt, terminate) and exits with the kernel's exit
code. A launcher killed outright takes its kernel with it (the server sees the connection
close); a server that dies takes its kernels with it at once, whatever stage they are at; a
server that cannot be reached makes the launcher start an ordinary kernel, so a run never
fails for the server's sake.

This module imports only the standard library at the top: the launcher must start in
milliseconds.
"""

from __future__ import annotations

import ast
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

#: Modules a kernel always needs, imported ahead besides the notebooks' own imports.
BASE_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "pandas", "numpy", "matplotlib.pyplot",
                "seaborn", "scipy.stats", "statsmodels.api", "ibis", "duckdb")
#: Signals the launcher passes on to its kernel.
RELAYED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
_HEADER = struct.Struct("!I")


def supported() -> bool:
    """Whether this platform can fork warm kernels (POSIX fork, descriptor passing, pidfds)."""
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(os, "pidfd_open")


def notebook_imports(notebooks: list[str | Path]) -> list[str]:
    """The modules the notebooks' code cells import at their top level (``import x``,
    ``from x import y``), in order of first appearance; relative imports are left out."""
    found: dict[str, None] = {}
    for path in notebooks:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            try:
                tree = ast.parse(source)
            except SyntaxError:  # a cell with magics: its imports are found when it runs
                continue
            for node in tree.body:
                if isinstance(node, ast.Import):
                    found.update(dict.fromkeys(a.name for a in node.names))
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found[node.module] = None
                    # `from helpers.areas.overview import calc`: calc is a module to import too
                    found.update(dict.fromkeys(f"{node.module}.{a.name}" for a in node.names))
    return list(found)


class KernelServer:
    """The fork server of one batch, as a context manager (started on entry, ended on exit).

    Parameters
    ----------
    socket_path : where it listens (a Unix socket; the folder must exist).
    modules : what it imports before forking the first kernel.
    env : its environment (the kernels' inherited one plus the batch's kernel settings): what
        the numeric libraries read once at import, such as their thread counts, is read here.
    """

    def __init__(self, socket_path: str | Path, modules: list[str], env: dict[str, str]):
        self.socket_path = str(socket_path)
        self.modules = list(modules)
        self.env = env
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> KernelServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "helpers.runner.kernels", "serve", self.socket_path, *self.modules],
            env=self.env, stdin=subprocess.DEVNULL, start_new_session=True)
        # the launchers connect as soon as the socket exists (their requests queue while it imports)
        deadline = time.monotonic() + 30
        while not Path(self.socket_path).exists() and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        Path(self.socket_path).unlink(missing_ok=True)


# --------------------------------------------------------------------------- the server


def serve(socket_path: str, modules: list[str]) -> None:
    """Listen on ``socket_path``, import ``modules``, then fork a kernel for each launcher."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    Path(socket_path).unlink(missing_ok=True)  # left by a dead process of the same pid
    listener.bind(socket_path)
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # its kernels follow (they die with their parent)
    die_with_parent()
    _preload(modules)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, ("accept", None))
    conns: dict[int, socket.socket] = {}
    while True:
        for key, _ in selector.select():
            kind, pid = key.data
            if kind == "accept":
                conn, _ = listener.accept()
                pid = _fork_kernel(conn, listener, selector) if _same_user(conn) else None
                if pid is None:
                    conn.close()
                    continue
                conns[pid] = conn
                selector.register(conn, selectors.EVENT_READ, ("launcher", pid))
                selector.register(os.pidfd_open(pid), selectors.EVENT_READ, ("kernel", pid))
            elif kind == "launcher":  # the launcher is gone (killed): so is its kernel
                selector.unregister(key.fileobj)
                _signal(pid, signal.SIGKILL)
            else:  # the kernel ended: tell its launcher how
                selector.unregister(key.fileobj)
                os.close(key.fd)
                _, status = os.waitpid(pid, 0)
                conn = conns.pop(pid)
                try:
                    conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                try:
                    selector.unregister(conn)
                except (KeyError, ValueError):
                    pass
                conn.close()


def _same_user(conn: socket.socket) -> bool:
    """Whether the process at the other end runs as this user: a kernel runs any code its
    client sends, so nobody else may have one forked (the socket's folder is private too)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def _preload(modules: list[str]) -> None:
    import importlib

    for name in [*BASE_MODULES, *modules]:
        try:
            importlib.import_module(name)
        except Exception:  # a name that is not a module (an imported function) or fails: the kernel imports it
            pass


def _fork_kernel(conn: socket.socket, listener: socket.socket, selector) -> int | None:
    """Read a launcher's request and fork its kernel; the kernel's pid, or None on a bad request."""
    conn.settimeout(10)  # a client that connects and sends nothing must not stop the server
    fds: list[int] = []
    try:
        head, fds, _, _ = socket.recv_fds(conn, _HEADER.size, 3)
        if len(head) < _HEADER.size or len(fds) != 3:
            raise OSError("short request")
        size = _HEADER.unpack(head)[0]
        body = b""
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                raise OSError("short request")
            body += chunk
        request = json.loads(body)
    except (OSError, ValueError):
        for fd in fds:
            os.close(fd)
        return None
    conn.settimeout(None)
    server = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            # a kernel ends with its server at any stage, also before its own parent poller runs
            die_with_parent(signal.SIGKILL)
            if os.getppid() != server:  # the server died before the line above took effect
                os._exit(1)
            selector.close()
            listener.close()
            _become_kernel(request, fds)
        finally:
            os._exit(1)
    for fd in fds:
        os.close(fd)
    try:
        conn.sendall(f"{pid}\n".encode())
    except OSError:  # the launcher is already gone: so goes its kernel (reaped as any other)
        _signal(pid, signal.SIGKILL)
    return pid


def _become_kernel(request: dict, fds: list[int]) -> None:
    """In the forked child: take the launcher's streams, folder and environment, then run the kernel."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the server's sockets and the other kernels' pidfds
    os.setsid()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(request["cwd"])
    # this process is the run's kernel: its environment is the launcher's, as a fresh kernel's would be
    os.environ.clear()
    os.environ.update(request["env"])
    if "helpers.settings" in sys.modules:
        sys.modules["helpers.settings"].reload()
    code = 0
    try:
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        # the parent poller ends the kernel when the server (its parent) is gone
        app.initialize([*request["argv"], f"--IPKernelApp.parent_handle={request['launcher']}"])
        _enable_ipython_hooks()
        app.start()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _enable_ipython_hooks() -> None:
    """What imported modules do at import only when IPython runs (registering widget comms,
    the inline plots' flush after each cell): the server imported them without IPython, so
    the kernel does it now that its shell exists."""
    widgets = sys.modules.get("ipywidgets")
    if widgets is not None and hasattr(widgets, "_handle_ipython"):
        widgets._handle_ipython()
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is not None and hasattr(inline, "_enable_matplotlib_integration"):
        inline._enable_matplotlib_integration()


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """This process gets ``sig`` when its parent dies (Linux; elsewhere nothing): a batch's
    worker or kernel server when the batch dies, a kernel when its server does."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").prctl(1, sig)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# --------------------------------------------------------------------------- the launcher


def launch(socket_path: str, argv: list[str]) -> int:
    """Have the server fork a kernel for ``argv`` (``-f CONNECTION_FILE``) and stand in for it:
    pass on the signals this process gets, return the kernel's exit code. Without a server,
    become an ordinary kernel."""
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                          "launcher": os.getpid()}).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    reply = b""
    try:
        conn.connect(socket_path)
        socket.send_fds(conn, [_HEADER.pack(len(request))], [0, 1, 2])
        conn.sendall(request)
        while not reply.endswith(b"\n"):
            chunk = conn.recv(64)
            if not chunk:
                raise OSError("the kernel server closed the connection")
            reply += chunk
        pid = int(reply)
    except (OSError, ValueError):
        conn.close()
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])
    for sig in RELAYED:
        signal.signal(sig, lambda signum, _frame: _signal(pid, signum))
    status = b""
    while not status.endswith(b"\n"):
        chunk = conn.recv(64)
        if not chunk:  # the server died: its kernel goes too
            return 1
        status += chunk
    return int(status)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        serve(args[1], args[2:])
        return 0
    if args[:1] == ["launch"]:
        return launch(args[1], args[2:])
    print("usage: python -m helpers.runner.kernels serve SOCKET [MODULE ...] | launch SOCKET -f CONNECTION_FILE",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
