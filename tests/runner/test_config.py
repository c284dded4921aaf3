"""runs.yaml and parameters that do not fit are refused before anything runs, with the file, the run
and the fix; credentials are refused by their shape, whatever the parameter is called."""

from __future__ import annotations

import pytest

from helpers.runner import config
from helpers.runner.cli import main as cli_main
from helpers.runner.config import RunConfigError
from tests.runner.tiny import spec


def _runs(tmp_path, text: str | bytes):
    path = tmp_path / "runs.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize(("body", "message"), [
    ("runs: 5\n", "`runs` must be a list of runs"),
    ("- notebook: x.ipynb\n", "the file must be a mapping"),
    ("defaults: [1, 2]\nruns: []\n", "`defaults` must be a mapping"),
    ("defaults: {parameters: [lang, zh]}\nruns: []\n", "`defaults.parameters` must be a mapping"),
    ("runs:\n  - notebook: NB\n    parameters: [lang, en]\n", "run #1's `parameters` must be a mapping"),
    ("runs:\n  - notebook: NB\n    timeout: abc\n", "run #1: timeout must be whole seconds, not 'abc'"),
    ("defaults: {timeout: -5}\nruns:\n  - notebook: NB\n", "timeout must be 0 (no limit) or more seconds"),
    ("runs:\n  - notebook: NB\n    parameters: {start_date: 2026-02-30}\n", "2026-02-30 do not exist"),
    ("runs:\n  - notebook: NB\n    parameters: {start_date: 2026-13-01}\n", "not valid YAML"),
    ("runs: [\n", "not valid YAML"),
])
def test_a_runs_file_of_the_wrong_shape_is_named(tmp_path, notebook, body, message):
    path = _runs(tmp_path, body.replace("NB", str(notebook)))
    with pytest.raises(RunConfigError, match="runs.yaml") as err:
        config.load_config(path)
    assert message in str(err.value)


def test_a_runs_file_that_is_not_utf8(tmp_path, notebook):
    path = _runs(tmp_path, f"runs:\n  - notebook: {notebook}\n    name: 周报\n".encode("gb18030"))
    with pytest.raises(RunConfigError, match="not UTF-8 text"):
        config.load_config(path)


def test_an_unquoted_impossible_date_through_the_command_line(tmp_path, notebook, capsys):
    assert cli_main(["run", "--notebook", str(notebook), "-p", "start_date", "2026-02-30", "--out",
                     str(tmp_path)]) == 2
    assert "'start_date'='2026-02-30' is not a date" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_a_notebook_name_that_would_leave_the_reports_folder(tmp_path):
    import shutil

    from tests.runner.tiny import tiny_notebook

    odd = tmp_path / "nb"
    odd.mkdir()
    for name in ("...ipynb", ".hidden.ipynb", "a b.ipynb"):
        path = odd / name
        shutil.copy(tiny_notebook(tmp_path / "t.ipynb"), path)
        with pytest.raises(RunConfigError, match="cannot name a reports folder"):
            config.check_names([config.RunSpec("r", str(path))])
    with pytest.raises(RunConfigError, match="may not start with"):
        config.check_names([config.RunSpec(".r", str(tmp_path / "t.ipynb"))])


def test_language_and_date_order_are_checked_before_a_kernel_starts(notebook):
    """Both used to be found inside the kernel, after its five seconds of start-up."""
    with pytest.raises(RunConfigError, match="start_date=2026-11-10 is after end_date=2026-11-01"):
        config.check_parameters(spec(notebook, start_date="2026-11-10", end_date="2026-11-01"))


@pytest.mark.parametrize("value", [
    "postgres://bob:pa/ss@db.example/shop",  # a password with a slash
    "postgres://:hunter2@db.example/shop",  # no user name
    "postgres://bob:hunter 2@db.example/shop",  # a space
    "mysql://bob:p@ss@db.example/shop",  # an @ inside the password
    "trino://db.example:8080/hive?password=hunter2",  # in the query
    "Driver={PostgreSQL};Server=db;Uid=bob;Password=hunter2;",  # an ADO / ODBC string
    "Server=db;User Id=sa;Pwd=hunter2",
])
def test_credentials_are_refused_by_their_shape(notebook, value, tmp_path):
    with pytest.raises(RunConfigError, match="holds a credential") as err:
        config.check_parameters(spec(notebook, label=value))
    assert "hunter" not in str(err.value) and "pa/ss" not in str(err.value)
    path = _runs(tmp_path, f"runs:\n  - notebook: {notebook}\n    parameters: {{label: '{value}'}}\n")
    specs = config.load_config(path)
    with pytest.raises(RunConfigError, match="holds a credential"):
        config.check_parameters(specs[0])
