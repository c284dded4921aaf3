"""Run configuration: ``runs.yaml``, run names, and each run's parameters checked against its
notebook before anything executes.

A run is a notebook, a name and parameters. Runs come from a config file (``defaults`` plus
a ``runs`` list) or from the command line. Every run's parameters are checked against the
notebook's own ``parameters`` cell (names, types, dates); relative dates for cron
(``today``, ``yesterday``, ``last_7_days``, ``last_week``, ``last_month``) are resolved
then. Parameters that hold credentials are refused: papermill writes parameters into the
executed notebook and the report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.core.secrets import has_secret, mask_url
from helpers.core.shop import project_root
from helpers.i18n import check_lang

DEFAULT_TIMEOUT = 1200  # seconds for a whole run
RELATIVE_DATES = ("today", "yesterday", "last_7_days", "last_week", "last_month")
SECRET_NAME = re.compile(r"pass(word)?|pwd|token|secret|api_?key|private_?key|credential|dsn", re.I)
SAFE_NAME = re.compile(r"^[\w.\-]+$")


class RunConfigError(ValueError):
    """A run cannot start: bad config, unknown notebook, or a parameter that does not fit."""


@dataclass
class RunSpec:
    name: str
    notebook: str
    parameters: dict[str, Any] = field(default_factory=dict)
    timeout: int = DEFAULT_TIMEOUT
    pdf: bool = True  # print the report to PDF beside its HTML (needs a Chromium)


@dataclass
class RunResult:
    name: str
    notebook: str
    status: str  # "ok" or "failed"
    seconds: float
    html: str | None = None
    ipynb: str | None = None
    error: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    finished: str = ""
    pdf_error: str | None = None  # why the report has no PDF, when asked for one


def list_notebooks(root: Path | None = None) -> list[Path]:
    """The report notebooks, in their numbered order."""
    return sorted((root or project_root()).joinpath("notebooks").glob("[0-9][0-9]-*.ipynb"))


def load_config(path: str | Path) -> list[RunSpec]:
    """Read a runs file: ``defaults`` (parameters, timeout, pdf) and ``runs`` (name, notebook,
    parameters, timeout, pdf).

    Notebook paths are relative to the config file's folder.

    Raises
    ------
    RunConfigError
        naming the file and the run for a file that is not UTF-8 YAML, an entry of the wrong
        shape, a missing notebook, a duplicate or unsafe name, or a timeout that is not a whole
        number of seconds.
    """
    import yaml

    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise RunConfigError(f"{path}: cannot read the runs file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise RunConfigError(f"{path}: the runs file is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    try:
        config = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date such as 2026-02-30
        raise RunConfigError(f"{path}: not valid YAML ({' '.join(str(exc).split())}); dates like "
                             "2026-02-30 do not exist, and text with ':' needs quotes") from exc
    config = {} if config is None else config
    _expect(isinstance(config, dict), path, "the file", "a mapping with `runs:` (and `defaults:`)", config)
    defaults = config.get("defaults") or {}
    _expect(isinstance(defaults, dict), path, "`defaults`", "a mapping (parameters, timeout)", defaults)
    unknown = set(defaults) - {"parameters", "timeout", "pdf"}
    if unknown:
        raise RunConfigError(f"{path}: unknown keys in defaults: {sorted(unknown)}; use parameters, timeout, pdf")
    shared = defaults.get("parameters") or {}
    _expect(isinstance(shared, dict), path, "`defaults.parameters`", "a mapping of name: value", shared)
    runs = config.get("runs") or []
    _expect(isinstance(runs, list), path, "`runs`", "a list of runs (`- notebook: ...`)", runs)
    base = path.parent
    specs = []
    for i, entry in enumerate(runs):
        where = f"run #{i + 1}"
        if not isinstance(entry, dict) or "notebook" not in entry:
            raise RunConfigError(f"{path}: {where} needs at least `notebook:`")
        extra = set(entry) - {"name", "notebook", "parameters", "timeout", "pdf"}
        if extra:
            raise RunConfigError(f"{path}: {where}: unknown keys {sorted(extra)}")
        params = entry.get("parameters") or {}
        _expect(isinstance(params, dict), path, f"{where}'s `parameters`", "a mapping of name: value", params)
        notebook = (base / str(entry["notebook"])).resolve()
        name = str(entry.get("name") or notebook.stem)
        timeout = _timeout(entry.get("timeout", defaults.get("timeout", DEFAULT_TIMEOUT)), path, where)
        pdf = entry.get("pdf", defaults.get("pdf", True))
        _expect(isinstance(pdf, bool), path, f"{where}'s `pdf`", "true or false", pdf)
        specs.append(RunSpec(name, str(notebook), {**shared, **params}, timeout, pdf))
    if not specs:
        raise RunConfigError(f"{path}: no runs listed under `runs:`")
    check_names(specs)
    return specs


def _expect(ok: bool, path: Path, what: str, shape: str, value: Any) -> None:
    if not ok:
        raise RunConfigError(f"{path}: {what} must be {shape}, not {type(value).__name__} {value!r}"[:300])


def _timeout(value: Any, path: Path, where: str) -> int:
    """A run's timeout in whole seconds (0: no limit)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RunConfigError(f"{path}: {where}: timeout must be whole seconds, not {value!r}")
    try:
        seconds = int(value)
    except ValueError:
        raise RunConfigError(f"{path}: {where}: timeout must be whole seconds, not {value!r}") from None
    if seconds < 0:
        raise RunConfigError(f"{path}: {where}: timeout must be 0 (no limit) or more seconds, not {seconds}")
    return seconds


def check_names(specs: Iterable[RunSpec]) -> None:
    """Run names and notebook names are unique per notebook and safe as file names; notebooks exist.

    A name becomes a path under the reports folder: ``..`` or a leading dot would write outside
    it or hide the report, so both are refused.
    """
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        if not _safe(spec.name):
            raise RunConfigError(f"run {spec.name!r}: names may use letters, digits, '.', '-' and '_' only, "
                                 "and may not start with '.'")
        notebook = Path(spec.notebook)
        if not _safe(notebook.stem) or notebook.suffix != ".ipynb":
            raise RunConfigError(f"run {spec.name!r}: the notebook's file name {notebook.name!r} cannot name a "
                                 "reports folder; rename it (letters, digits, '-', '_'; ending .ipynb)")
        if not notebook.is_file():
            raise RunConfigError(f"run {spec.name!r}: notebook not found: {spec.notebook}")
        key = (notebook.stem, spec.name)
        if key in seen:
            raise RunConfigError(f"run {spec.name!r} appears twice for {notebook.name}")
        seen.add(key)


def _safe(name: str) -> bool:
    return bool(SAFE_NAME.match(name)) and not name.startswith(".")


def resolve_relative_date(token: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day a relative date stands for, seen from ``today``.

    ``today`` and ``yesterday`` are single days; ``last_7_days`` ends yesterday;
    ``last_week`` is the last complete Monday-Sunday week; ``last_month`` the
    last complete calendar month.
    """
    one = dt.timedelta(days=1)
    if token == "today":
        return today, today
    if token == "yesterday":
        return today - one, today - one
    if token == "last_7_days":
        return today - 7 * one, today - one
    if token == "last_week":
        end = today - dt.timedelta(days=today.weekday() + 1)
        return end - 6 * one, end
    if token == "last_month":
        end = today.replace(day=1) - one
        return end.replace(day=1), end
    raise ValueError(f"unknown relative date {token!r}; use one of {RELATIVE_DATES}")


def _is_date_param(name: str, default: Any) -> bool:
    return name == "date" or name.endswith("_date") or bool(
        isinstance(default, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", default))


def declared_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """A notebook's parameters as its ``parameters`` cell declares them: name -> ``type``,
    ``default`` (the value, read as a Python literal) and ``help`` (the comment)."""
    import papermill

    out = {}
    for name, info in papermill.inspect_notebook(str(notebook)).items():
        out[name] = {"type": (info.get("inferred_type_name") or "None").split("[")[0],
                     "default": _literal(info.get("default")), "help": info.get("help") or ""}
    return out


def effective_data_dir(spec: RunSpec, params: dict[str, Any]) -> str | None:
    """The data folder a run reads: its ``data_dir`` parameter, else the notebook's default
    (None for a notebook without one, or an unreadable notebook)."""
    if "data_dir" in params:
        return params["data_dir"]
    try:
        return declared_parameters(spec.notebook).get("data_dir", {}).get("default")
    except Exception:  # the run itself says what is wrong with the notebook
        return None


def check_parameters(spec: RunSpec, today: dt.date | None = None) -> dict[str, Any]:
    """Check a run's parameters against the notebook's ``parameters`` cell and resolve them.

    Rules: the name must be declared in the notebook; the value must have the
    declared type (``int`` accepts whole numbers only; ``float`` accepts ints;
    ``bool`` only true/false); date parameters take an ISO date, empty, or a
    relative date (resolved against ``today``: a range token given to a
    ``start`` parameter also fills the matching empty ``end`` parameter); a start
    after its end and a language other than zh/en are refused here, before a kernel
    starts; names that look secret and values holding a credential (a URL with user
    info or a password query, a DSN string) are refused, because papermill writes
    parameters into the executed notebook and the report.

    Returns
    -------
    The resolved parameters (what the notebook will receive).

    Raises
    ------
    RunConfigError
        naming the run and the parameter.
    """
    import papermill

    today = today or dt.date.today()
    try:
        declared = papermill.inspect_notebook(spec.notebook)
    except Exception as exc:
        raise RunConfigError(f"run {spec.name!r}: cannot read the notebook's parameters ({exc})") from exc
    resolved: dict[str, Any] = {}
    range_ends: dict[str, dt.date] = {}
    for name, value in spec.parameters.items():
        where = f"run {spec.name!r}: parameter {name!r}"
        if SECRET_NAME.search(name):
            raise RunConfigError(f"{where} looks like a credential; pass credentials through environment "
                                 "variables (e.g. WORKBOOK_DB_URL), never as parameters")
        if any(has_secret(text) for text in _texts(value)):
            raise RunConfigError(f"{where} holds a credential ({mask_url(str(value))}); use WORKBOOK_DB_URL")
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise RunConfigError(f"{where} is not declared in {Path(spec.notebook).name} (it has: {known})")
        info = declared[name]
        kind = (info.get("inferred_type_name") or "None").split("[")[0]
        default = _literal(info.get("default"))
        if _is_date_param(name, default):
            value = _check_date(where, value, today, name, range_ends)
        else:
            value = _check_type(where, value, kind)
        if name == "lang":
            try:
                check_lang(value)
            except ValueError as exc:
                raise RunConfigError(f"{where}: {exc}") from None
        resolved[name] = value
    for name, end in range_ends.items():
        partner = re.sub(r"start", "end", name)
        if partner in declared and not resolved.get(partner):
            resolved[partner] = end.isoformat()
    for name, start in resolved.items():
        partner = re.sub(r"start", "end", name) if "start" in name else None
        if partner and start and resolved.get(partner) and start > resolved[partner]:
            raise RunConfigError(f"run {spec.name!r}: {name}={start} is after {partner}={resolved[partner]}; "
                                 "swap them")
    return resolved


def _texts(value: Any) -> list[str]:
    """Every piece of text in a parameter value (lists and mappings from YAML included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (*_texts(k), *_texts(v))]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []


def _literal(text: Any) -> Any:
    import ast

    try:
        return ast.literal_eval(text) if isinstance(text, str) else text
    except (ValueError, SyntaxError):
        return text


def _check_date(where: str, value: Any, today: dt.date, name: str, range_ends: dict[str, dt.date]) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value in (None, ""):
        return ""
    text = str(value).strip()
    if text in RELATIVE_DATES:
        start, end = resolve_relative_date(text, today)
        if "end" in name:
            return end.isoformat()
        if "start" in name:
            range_ends[name] = end
        return start.isoformat()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise RunConfigError(f"{where}={value!r} is not a date: use YYYY-MM-DD, empty, or one of "
                             f"{', '.join(RELATIVE_DATES)}") from exc


def _check_type(where: str, value: Any, kind: str) -> Any:
    checks = {
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "bool": lambda v: isinstance(v, bool),
    }
    if kind not in checks:  # untyped or container parameters: accept what YAML gave
        return value
    if not checks[kind](value):
        raise RunConfigError(f"{where}={value!r} should be {kind}")
    return float(value) if kind == "float" else value


def package_versions() -> dict[str, str]:
    """The versions of the packages a report's figures depend on (part of a run's key, shown in its header)."""
    from importlib import metadata

    out = {}
    for name in ("ecommerce-workbook", "pandas", "ibis-framework", "duckdb", "papermill", "matplotlib", "seaborn"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out
