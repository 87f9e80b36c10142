"""DESIGN section 2's dependency rule, checked in a fresh interpreter: the pure
core never pulls in the camera, the model, the tray, notifications, SQLite,
windows or the command line. And the shape of the package, read from its
source: no import cycle among posturewatch modules (imports inside functions
count too), click only in ``cli.py``, no ``utils.py``."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "posturewatch"

PURE = [
    "posturewatch.model",
    "posturewatch.metrics",
    "posturewatch.session",
    "posturewatch.config",
    "posturewatch.calibration",
    "posturewatch.reference",
    "posturewatch.report",
    "posturewatch.messages",
    "posturewatch.stretches",
    "posturewatch.config_edit",
    "posturewatch.config_watch",
    "posturewatch.settings_form",
    "posturewatch.picture",
    "posturewatch.nudge_kinds",
    "posturewatch.store_protocol",
    "posturewatch.recorded_time",
    "posturewatch.checks",
    "posturewatch.atomic_files",
    "posturewatch.bounded_read",
    "posturewatch.clock",
    "posturewatch.trace",
    "posturewatch.status",
    "posturewatch.report.summary",
    "posturewatch.report.records",
    # Not pure, but it must answer --help, config and status at once: every
    # heavy import happens inside the command that needs it.
    "posturewatch.cli",
]
HEAVY = ("cv2", "mediapipe", "pystray", "plyer", "sqlite_utils", "desktop_notifier", "PIL",
         "gi", "Xlib", "dbus_fast", "tkinter")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_adapter_library(module: str) -> None:
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == [], f"{module} pulls in {done.stdout.strip()}"


def test_the_rule_can_fail() -> None:
    """The same probe does see a heavy import when there is one."""
    code = (
        "import json, sys; import posturewatch.store; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "sqlite_utils" in json.loads(done.stdout)


def test_no_utils_grab_bag() -> None:
    assert not [p for p in PACKAGE.glob("*util*.py")]


# -- the import graph, from the source -------------------------------------------------------
def module_names(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package``."""
    names = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports anywhere (top level or inside
    a function), as the modules that hold them."""
    top = name.split(".")[0]
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            wanted = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = here.split(".")[: len(here.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            wanted = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                      for a in node.names]
        else:
            continue
        for target in wanted:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != top and target != name and target.split(".")[0] == top:
                found.add(target)
    return found


def import_cycles(package: Path) -> list[list[str]]:
    """Groups of modules that import each other, directly or around a loop
    (Tarjan's strongly connected components; each group sorted)."""
    modules = module_names(package)
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle_among_posturewatch_modules() -> None:
    assert import_cycles(PACKAGE) == []


def test_the_cycle_check_can_fail(tmp_path: Path) -> None:
    """A loop through a function-level import and a relative import is found."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.sub.c import g\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("from .. import a\n")
    (package / "d.py").write_text("import pkg.a\n")
    assert import_cycles(package) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_only_the_command_line_imports_click() -> None:
    users = sorted(
        name for name, path in module_names(PACKAGE).items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "click"
                                                 for a in node.names))
        or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "click")
    )
    assert set(users) == {"posturewatch.cli"}


def long_functions(folder: Path, limit: int) -> list[str]:
    """Functions (methods and nested ones too) longer than ``limit`` lines."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.name}:{node.name} ({lines} lines)")
    return found


def test_no_function_in_the_report_package_is_over_60_lines() -> None:
    assert long_functions(PACKAGE / "report", 60) == []
    assert (PACKAGE / "report" / "report.css").is_file()


def test_the_length_check_can_fail(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    (tmp_path / "long.py").write_text(f"def f():\n{body}\n", encoding="utf-8")
    assert long_functions(tmp_path, 60) == ["long.py:f (62 lines)"]
