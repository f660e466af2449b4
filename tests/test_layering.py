"""The import rules of ARCHITECTURE.md, checked on the import graph read from the source with `ast`.

Every import counts, at module level or inside a function (a lazy import is still a dependency), except
those under `if TYPE_CHECKING:`, which never run.

- `sim.kernels` imports nothing else of `sim`;
- `sim.theory` imports at most `sim.kernels`;
- `sim.core` imports no model, no scenario loader, no sweeps and no face (`api`, `comparison`, `cli`);
- a model imports no scenario loader, no sweeps and no face, and no other model except through an entry
  point listed in `CROSS_MODEL_ENTRY_POINTS` (and in ARCHITECTURE.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sim"

#: (importing model, imported module): the public entry points one model may use of another
CROSS_MODEL_ENTRY_POINTS = {("logistics", "sim.models.customs")}

FACES = ("sim.api", "sim.comparison", "sim.cli", "sim.__main__")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path) -> set[str]:
    """Every `sim...` module that `path` imports (absolute, after resolving relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # `from sim.models import customs` imports the module sim.models.customs
            found.update(f"{module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name == "sim" or name.startswith("sim.")}


def _existing(name: str) -> bool:
    path = REPO / Path(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


GRAPH = {module_name(path): {m for m in imports_of(path) if _existing(m)} for path in PACKAGE.rglob("*.py")}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations(layer: str, allowed) -> list[str]:
    return sorted(f"{source} imports {target}" for source, targets in GRAPH.items() if _within(source, layer)
                  for target in targets if not allowed(source, target))


def test_the_graph_is_read():
    # a check of the checker: known edges are found, lazy and relative imports included
    assert "sim.core.runner" in GRAPH["sim.api"]
    assert "sim.models.customs" in GRAPH["sim.models.logistics.parcel"]
    assert any(_within(t, "sim.models.logistics.parcel") for t in GRAPH["sim.models.logistics.model"])


def test_kernels_import_nothing_else_of_sim():
    assert violations("sim.kernels", lambda s, t: _within(t, "sim.kernels")) == []


def test_theory_imports_at_most_kernels():
    assert violations("sim.theory", lambda s, t: _within(t, "sim.theory") or _within(t, "sim.kernels")) == []


def test_core_imports_no_model_scenario_loader_sweeps_or_face():
    forbidden = ("sim.models", "sim.scenario", "sim.sweeps", *FACES)
    assert violations("sim.core", lambda s, t: not any(_within(t, f) for f in forbidden)) == []


def _model_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["sim", "models"] else None


def _model_may_import(source: str, target: str) -> bool:
    if any(_within(target, f) for f in ("sim.scenario", "sim.sweeps", *FACES)):
        return False
    other = _model_of(target)
    if other is None or other == _model_of(source):
        return True
    return (_model_of(source), target) in CROSS_MODEL_ENTRY_POINTS


def test_models_import_no_loader_sweeps_face_or_other_model_except_listed_entry_points():
    assert violations("sim.models", _model_may_import) == []


@pytest.mark.parametrize("entry", sorted(CROSS_MODEL_ENTRY_POINTS))
def test_architecture_md_lists_each_cross_model_entry_point(entry):
    importer, module = entry
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert f"`{module}`" in text and importer in text
