"""Publishing into a reports folder: under a lock, atomically, recoverable, and nothing lost."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.runner import publish
from helpers.runner.cli import main as cli_main
from helpers.runner.config import RunResult


def _result(notebook: str, name: str, value: float = 1.0) -> RunResult:
    return RunResult(name, notebook, "ok", 1.0, metrics=[{"name": "sales", "value": value, "unit": "yuan",
                                                          "label": "支付金额"}])


def _publish_many(out_dir: str, prefix: str, n: int) -> None:
    for i in range(n):
        publish.write_index(Path(out_dir), [_result(f"/nb/{prefix}.ipynb", f"{prefix}-{i}")])


def test_two_processes_publishing_into_one_folder_lose_nothing(tmp_path):
    """One Airflow task per report, as the README suggests: each adds its entries under the lock."""
    ctx = mp.get_context("spawn")
    workers = [ctx.Process(target=_publish_many, args=(str(tmp_path), prefix, 60)) for prefix in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    entries = json.loads((tmp_path / "runs.json").read_text(encoding="utf-8"))
    assert len(entries) == 120
    assert (tmp_path / "index.html").read_text(encoding="utf-8").count("<tr><td>") == 120
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _published_run(out_dir: Path, name: str, value: float) -> None:
    folder = out_dir / "00-shop-overview"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text("<html>report</html>", encoding="utf-8")
    (folder / f"{name}.metrics.json").write_text(json.dumps({
        "run": name, "notebook": "00-shop-overview.ipynb", "notebook_path": "/p/notebooks/00-shop-overview.ipynb",
        "parameters": {"lang": "zh"}, "metrics": [{"name": "sales", "value": value, "unit": "yuan"}],
        "seconds": 9.5, "finished": "2026-11-16T07:00:00"}), encoding="utf-8")


def test_a_damaged_catalogue_is_rebuilt_from_the_published_reports(tmp_path):
    _published_run(tmp_path, "weekly", 1000.0)
    _published_run(tmp_path, "monthly", 5000.0)
    (tmp_path / "runs.json").write_text('[{"name": "weekly", "noteb', encoding="utf-8")  # cut short
    publish.write_index(tmp_path, [_result("/nb/01-market-research.ipynb", "market")])
    names = sorted(e["name"] for e in json.loads((tmp_path / "runs.json").read_text(encoding="utf-8")))
    assert names == ["market", "monthly", "weekly"], "the reports already published stay listed"
    assert [p.name for p in tmp_path.glob("runs.json.corrupt-*")], "the damaged file is kept aside"
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'href="00-shop-overview/weekly.html"' in index and "¥5,000" in index


def test_a_failed_run_links_its_failed_notebook(tmp_path):
    folder = tmp_path / "00-shop-overview"
    folder.mkdir()
    (folder / "weekly.failed.ipynb").write_text("{}", encoding="utf-8")
    failed = RunResult("weekly", "/p/notebooks/00-shop-overview.ipynb", "failed", 3.0, error="ValueError: x")
    index = publish.write_index(tmp_path, [failed]).read_text(encoding="utf-8")
    assert 'href="00-shop-overview/weekly.failed.ipynb"' in index and "ValueError: x" in index


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_reports_folder_is_a_clear_error(tmp_path, capsys):
    _published_run(tmp_path, "weekly", 1000.0)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(publish.PublishError, match="cannot write the index"):
            publish.write_index(tmp_path, [_result("/nb/x.ipynb", "x")])
    finally:
        tmp_path.chmod(0o755)
    assert (tmp_path / "00-shop-overview" / "weekly.html").exists()


def test_an_unwritable_index_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch):
    def full_disk(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "write_atomically", full_disk)
    with pytest.raises(publish.PublishError, match="No space left on device"):
        publish.write_index(tmp_path, [_result("/nb/x.ipynb", "x")])


def test_metrics_skip_a_damaged_record_and_survive_a_closed_pipe(tmp_path, capsys):
    _published_run(tmp_path, "weekly", 1000.0)
    (tmp_path / "00-shop-overview" / "broken.metrics.json").write_text("{not json", encoding="utf-8")
    assert cli_main(["metrics", str(tmp_path), "--csv"]) == 0
    captured = capsys.readouterr()
    assert "weekly" in captured.out and "skipped" in captured.err and "broken.metrics.json" in captured.err
    assert captured.out.startswith("\ufeff")  # Excel reads the Chinese labels only with the byte-order mark
    for run in range(300):
        _published_run(tmp_path, f"run{run}", float(run))
    piped = subprocess.run(f"{sys.executable} -m helpers.runner.cli metrics {tmp_path} --csv | head -2",
                           shell=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert "Traceback" not in piped.stderr and len(piped.stdout.splitlines()) == 2


def test_metrics_read_in_a_terminal_one_figure_a_line(tmp_path, capsys):
    _published_run(tmp_path, "weekly", 1234567.0)
    _published_run(tmp_path, "monthly", 89.5)
    assert cli_main(["metrics", str(tmp_path), "--run", "weekly"]) == 0
    out = capsys.readouterr().out
    assert "weekly" in out and "monthly" not in out and "¥1,234,567" in out
    assert max(len(line) for line in out.splitlines()) < 100  # not one 1,500-character row
    assert cli_main(["metrics", str(tmp_path), "--run", "nope"]) == 1
