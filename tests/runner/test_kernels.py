"""Warm kernels: a batch's kernels forked from one process that imported the notebooks' modules."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers import settings
from helpers.core.shop import project_root
from helpers.runner import batch, execute, kernels
from tests.runner.tiny import spec, tiny_notebook

pytestmark = pytest.mark.skipif(not kernels.supported(), reason="no fork server on this platform")

# What a run leaves behind in a process it shares with nothing: a module attribute, an
# environment variable, a global of the kernel; and what it must find: its own folder, its
# settings, a plot drawn inline, a widget.
PROBE = """import os, sys
import matplotlib.pyplot as plt
import ipywidgets
import helpers.settings as hs
from IPython.display import display
from helpers.present.display import record
record("leak", str(getattr(hs, "_probe_leak", "") or os.environ.get("PROBE_LEAK", "")), "text", "Leak")
hs._probe_leak = label
os.environ["PROBE_LEAK"] = label
record("pid", str(os.getpid()), "text", "Pid")
record("cwd", os.getcwd(), "text", "Folder")
record("static", str(hs.get().static), "text", "Static")
record("threads", hs.get().duckdb_threads, "text", "Threads")
plt.plot([1, 2, 3], [1, 4, 9])
plt.show()
display(ipywidgets.IntSlider(value=3))"""


def _metrics(result):
    return {m["name"]: m["value"] for m in result.metrics}


def _outputs(path):
    nb = nbformat.read(path, as_version=4)
    return [sorted(o.get("data", {})) or [o["output_type"]] for c in nb.cells if c.cell_type == "code"
            for o in c.outputs]


def test_the_server_imports_what_the_notebooks_import(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import pandas as pd\nfrom helpers.areas.overview import calc, views\n"
                                          "from .local import thing\nx = 1"),
                nbformat.v4.new_code_cell("%matplotlib inline\nimport nothing_found_here"),
                nbformat.v4.new_markdown_cell("import markdown_is_not_code")]
    nbformat.write(nb, tmp_path / "a.ipynb")
    assert kernels.notebook_imports([tmp_path / "a.ipynb"]) == [
        "pandas", "helpers.areas.overview", "helpers.areas.overview.calc", "helpers.areas.overview.views"]


@pytest.mark.reports
def test_warm_kernels_give_the_reports_of_fresh_ones_and_share_nothing(tmp_path):
    """Each run's kernel is a process of its own (nothing one run sets is seen by the next, in
    the same worker), in the notebook's folder, with the run's settings; plots and widgets come
    out as from a fresh kernel."""
    (tmp_path / "nb").mkdir()
    notebook = tiny_notebook(tmp_path / "nb" / "01-probe.ipynb", PROBE)
    specs = [spec(notebook, "a", label="A"), spec(notebook, "b", label="B"), spec(notebook, "c", label="C")]
    with settings.override(duckdb_threads=""):
        warm = batch.run_batch(specs, tmp_path / "warm", jobs=1, quiet=True)
        fresh = batch.run_batch(specs, tmp_path / "fresh", jobs=1, quiet=True, warm_kernels=False)
    assert [r.status for r in warm + fresh] == ["ok"] * 6, [r.error for r in warm + fresh]
    for result in warm:
        m = _metrics(result)
        assert m["leak"] == "", f"run {result.name} saw what an earlier run left: {m['leak']}"
        assert m["cwd"] == str(tmp_path / "nb") and m["static"] == "True"
    assert len({_metrics(r)["pid"] for r in warm}) == 3
    for w, f in zip(warm, fresh, strict=True):
        assert _outputs(w.ipynb) == _outputs(f.ipynb)
        assert ["image/png", "text/plain"] in _outputs(w.ipynb)
        assert any("application/vnd.jupyter.widget-view+json" in o for o in _outputs(w.ipynb))


@pytest.mark.reports
def test_a_timed_out_run_ends_its_warm_kernel_and_the_next_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("PROBE_MARKER", str(tmp_path))  # the server and its kernels inherit it
    notebook = tiny_notebook(tmp_path / "05-slow.ipynb")
    slow = spec(notebook, "slow", pause=60.0)
    slow.timeout = 5
    results = batch.run_batch([slow, spec(notebook, "next")], tmp_path / "out", jobs=1, quiet=True)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "timed out" in results[0].error
    _wait_until(lambda: not _kernels_of(tmp_path), 15)  # a kernel's parent poller looks once a second
    assert not _kernels_of(tmp_path), "the timed-out run's kernel is still running"


@pytest.mark.reports
def test_a_launcher_without_a_server_starts_an_ordinary_kernel(tmp_path):
    """A server that is gone never fails a run: the launcher becomes a kernel itself."""
    notebook = tiny_notebook(tmp_path / "06-alone.ipynb")
    result = execute.execute_run(spec(notebook, "alone", label="alone"), tmp_path / "out",
                                 kernel_server=str(tmp_path / "absent.sock"))
    assert result.status == "ok", result.error
    assert "alone" in (tmp_path / "out" / "06-alone" / "alone.html").read_text(encoding="utf-8")


def test_a_killed_launcher_takes_its_kernel_and_a_stopped_server_its_kernels(tmp_path):
    """kill -9 of the launcher (what a kernel manager does last) ends the kernel it stands for;
    the server's end (the batch's end) ends every kernel it forked."""
    from jupyter_client.manager import KernelManager

    sock = tmp_path / "s.sock"
    marker = {"PROBE_MARKER": str(tmp_path)}
    with kernels.KernelServer(sock, ["json"], {**os.environ, **marker}) as server:
        procs = []
        for _ in range(2):
            km = KernelManager(kernel_name="python3")
            km.write_connection_file()
            procs.append(subprocess.Popen([sys.executable, "-m", "helpers.runner.kernels", "launch", str(sock), "-f",
                                           km.connection_file], cwd=tmp_path, env={**os.environ, **marker}))
        deadline = time.time() + 60
        while time.time() < deadline and len(_kernels_of(tmp_path, exclude=[p.pid for p in procs])) < 2:
            time.sleep(0.2)
        kernels_now = _kernels_of(tmp_path, exclude=[p.pid for p in procs] + [server.process.pid])
        assert len(kernels_now) == 2, "both kernels were forked"
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(10)
        _wait_until(lambda: len(_kernels_of(tmp_path, exclude=[p.pid for p in procs] + [server.process.pid])) == 1)
    procs[1].wait(15)
    _wait_until(lambda: not _kernels_of(tmp_path, exclude=[p.pid for p in procs]))
    assert not _kernels_of(tmp_path, exclude=[p.pid for p in procs]), "a kernel outlived its server"


def test_a_killed_batch_leaves_no_kernel_server(tmp_path):
    notebook = tiny_notebook(tmp_path / "04-slow.ipynb")
    config_path = tmp_path / "runs.yaml"
    config_path.write_text(f"runs:\n  - {{name: slow1, notebook: {notebook}, parameters: {{pause: 120.0}}}}\n"
                           f"  - {{name: slow2, notebook: {notebook}, parameters: {{pause: 120.0}}}}\n",
                           encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "helpers.runner.cli", "run", str(config_path), "--out", str(out),
                             "--jobs", "2", "--quiet"], cwd=project_root(),
                            env={**os.environ, "PROBE_MARKER": str(tmp_path)})
    _wait_until(lambda: len(list(out.glob("04-slow/.run-*"))) == 2 and len(_kernels_of(tmp_path)) >= 4, 120)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    _wait_until(lambda: not _kernels_of(tmp_path), 30)
    assert not _kernels_of(tmp_path), "the server or its kernels outlived the batch"


def _wait_until(condition, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and not condition():
        time.sleep(0.2)


def _kernels_of(tmp_path, exclude=()) -> list[int]:
    """Processes started with PROBE_MARKER=<tmp_path> in their environment (a fork keeps it)."""
    found = []
    needle = f"PROBE_MARKER={tmp_path}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in exclude or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:
            continue
    return found


def test_the_launcher_reports_the_kernels_exit_code(tmp_path):
    """A kernel that exits with a code: its launcher (what the kernel manager watches) exits with it."""
    sock = tmp_path / "s.sock"
    broken = tmp_path / "conn.json"
    broken.write_text("{not json", encoding="utf-8")  # the kernel cannot start on it and exits with an error
    with kernels.KernelServer(sock, [], dict(os.environ)):
        code = subprocess.run([sys.executable, "-m", "helpers.runner.kernels", "launch", str(sock), "-f",
                               str(broken)], cwd=tmp_path, timeout=60, capture_output=True).returncode
    assert code == 1


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to connect as another user")
def test_another_user_cannot_have_a_kernel_forked(tmp_path, request):
    """Whoever gets a kernel can run code as the batch's user: the server forks only for its own user
    (checked on a socket anybody can reach; the batch's own socket folder is private as well)."""
    import tempfile

    open_dir = Path(tempfile.mkdtemp(dir="/tmp"))
    open_dir.chmod(0o777)
    request.addfinalizer(lambda: shutil.rmtree(open_dir, ignore_errors=True))
    sock = open_dir / "s.sock"
    with kernels.KernelServer(sock, [], {**os.environ, "PROBE_MARKER": str(tmp_path)}) as server:
        sock.chmod(0o777)
        conn = tmp_path / "conn.json"
        conn.write_text("{}", encoding="utf-8")
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the intruder: another user on the same machine
            try:
                os.setuid(65534)
                s = socket.socket(socket.AF_UNIX)
                s.connect(str(sock))
                body = json.dumps({"argv": ["-f", str(conn)], "cwd": "/", "env": {}, "launcher": os.getpid()}).encode()
                socket.send_fds(s, [struct.pack("!I", len(body))], [0, 1, 2])
                s.sendall(body)
                os.write(write_end, repr(s.recv(64)).encode())
            except BaseException as exc:
                os.write(write_end, repr(exc).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        os.waitpid(pid, 0)
        answer = os.read(read_end, 200)
        assert answer == b"b''" or answer.startswith(b"ConnectionResetError"), f"the server answered: {answer}"
        assert not _kernels_of(tmp_path, exclude=[server.process.pid]), "a kernel was forked for another user"
