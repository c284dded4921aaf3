"""The house rules of helpers/: layers, small modules, settings read once, notes one way.

Each rule is read from the code itself (imports and names, by AST), so a change that breaks
one fails here with the file and line to look at.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HELPERS = ROOT / "helpers"
MAX_LINES = 800
MODULES = sorted(p for p in HELPERS.rglob("*.py"))


def layer_of(module: str) -> str:
    """``helpers.areas.traffic.calc`` -> ``areas.traffic``; ``helpers.core.shop`` -> ``core``."""
    parts = module.split(".")[1:]
    if not parts:
        return "helpers"
    if parts[0] == "areas" and len(parts) > 1:
        return f"areas.{parts[1]}"
    return parts[0]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def helpers_imports(path: Path) -> list[tuple[int, str]]:
    """Every ``helpers...`` module a file imports, at any depth (function-level imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("helpers")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            if node.module == "helpers":  # from helpers import settings, i18n
                found += [(node.lineno, f"helpers.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


# layer -> the layers it may import (besides itself)
ALLOWED = {
    "settings": {"core"},  # the secrets mask of core, for its own repr
    "i18n": set(),
    "core": {"settings", "i18n"},
    "present": {"core", "settings", "i18n"},
    "runner": {"core", "settings", "i18n", "present", "sample"},
    "sample": {"core"},
}


def allowed(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if importer.startswith("areas."):
        return imported in {"core", "i18n", "present", "settings"}
    return imported in ALLOWED.get(importer, set())


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(HELPERS)))
def test_layers_import_only_downwards(path):
    """An area imports core, i18n and present, never another area; core never imports present
    or areas; present never imports areas; nothing imports the runner but the runner."""
    importer = layer_of(module_name(path))
    bad = [f"line {line}: {target}" for line, target in helpers_imports(path)
           if not allowed(importer, layer_of(target))]
    assert not bad, f"{path.relative_to(ROOT)} ({importer}) imports across layers: {bad}"


def test_every_module_belongs_to_a_layer():
    flat = [p.name for p in HELPERS.glob("*.py") if p.name not in ("__init__.py", "settings.py", "i18n.py")]
    assert not flat, f"modules outside the layers: {flat}"
    assert sorted(p.name for p in (HELPERS / "areas").iterdir() if p.is_dir() and p.name != "__pycache__") == [
        "campaigns", "customers", "market", "overview", "planning", "products", "service", "traffic"]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(HELPERS)))
def test_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES}): split it by concern"


def _environ_uses(tree: ast.AST) -> list[tuple[int, str]]:
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "environ" and getattr(node.value, "id", "") == "os":
            uses.append((node.lineno, "os.environ"))
        elif isinstance(node, ast.Attribute) and node.attr == "getenv" and getattr(node.value, "id", "") == "os":
            uses.append((node.lineno, "os.getenv"))
    return uses


def test_settings_are_read_in_one_place():
    """Only helpers/settings.py reads the environment; the runner passes the environment on to a
    kernel (it never changes its own) and nothing else touches it."""
    offenders = []
    for path in MODULES:
        rel = path.relative_to(HELPERS).as_posix()
        if rel == "settings.py":
            continue
        for line, use in _environ_uses(ast.parse(path.read_text(encoding="utf-8"))):
            if rel in ("runner/execute.py", "runner/kernels.py") and use == "os.environ":
                continue  # the kernel's environment: the inherited one plus the run's settings
            offenders.append(f"{rel}:{line}: {use}")
    assert not offenders, offenders


def test_the_runner_never_changes_its_own_environment():
    """The runner passes settings to kernels through their environment, never through its own;
    the one exception is a warm kernel, a forked process that takes its launcher's environment
    (``kernels._become_kernel``) as a fresh kernel would have had it."""
    for path in (HELPERS / "runner").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        kernel_child = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                        and (path.name, f.name) == ("kernels.py", "_become_kernel") for n in ast.walk(f)}
        for node in ast.walk(tree):
            if id(node) in kernel_child:
                continue
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.Delete):
                targets = node.targets
            for t in targets:
                assert not (isinstance(t, ast.Subscript) and "environ" in ast.unparse(t.value)), \
                    f"{path.name}:{node.lineno} writes os.environ"
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.pop", "os.environ.update", "os.environ.clear",
                                                                         "os.environ.setdefault", "os.putenv"):
                raise AssertionError(f"{path.name}:{node.lineno} changes os.environ")


def test_notes_are_not_passed_around():
    """Notes reach the report one way (helpers.core.notes.note): no area returns or keeps a list
    of notes beside its results."""
    offenders = []
    for path in (HELPERS / "areas").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "notes":
                offenders.append(f"{path.relative_to(HELPERS)}:{node.lineno}: a `notes` field")
            if isinstance(node, ast.Return) and node.value is not None and "notes" in {
                    getattr(n, "id", None) for n in ast.walk(node.value)}:
                offenders.append(f"{path.relative_to(HELPERS)}:{node.lineno}: returns notes")
    assert not offenders, offenders


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")), ids=lambda p: p.name)
def test_notebooks_collect_notes_one_way(path):
    """A notebook starts its report (which collects the notes) and shows them once, at the end."""
    cells = _code_cells(path)
    setup = cells[1]
    assert "start_report(lang)" in setup, f"{path.name}: the setup cell starts the report"
    assert cells[-1].strip() == "show_notes()", f"{path.name}: the last section shows the notes"
    for number, source in enumerate(cells[2:-1], 2):
        assert "notes" not in source.replace("show_notes", ""), f"{path.name} code cell {number} handles notes"
