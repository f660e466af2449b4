"""Critical values have one home: `sim/core/stats.py` (`t_critical`, `z_critical`). Every Python file of the
package, the paper, the analysis scripts and the benchmarks is parsed, and a call to a Student-t or normal
quantile anywhere else fails: `stdtrit` and `ndtri` (as a name, an alias or an attribute such as
`special.stdtrit`), and `ppf` / `isf` of a distribution named `t` or `norm` (`stats.t.ppf`,
`scipy_stats.norm.ppf`, `t.ppf`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

SCANNED = ("sim", "paper", "analysis", "bench")
QUANTILE_FUNCTIONS = {"stdtrit", "ndtri"}
QUANTILE_METHODS = {"ppf", "isf"}
DISTRIBUTIONS = {"t", "norm"}

#: where a quantile call may stand: (path from the repository root, enclosing function or None for the whole
#: file). The statistics layer; and the lognormal draws of the logistics demand (exp(sigma ndtri(u)), a
#: random draw, not a critical value), wherever that draw lives now or moves to.
ALLOWED = {
    ("sim/core/stats.py", None),
    ("sim/models/logistics/demand.py", "generate_day"),
    ("sim/kernels/sampling.py", None),
    ("sim/core/draws.py", None),
}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def quantile_calls(source: str) -> list[tuple[int, str | None, str]]:
    """(line, enclosing function or None, call text) of every quantile call in `source`."""
    tree = ast.parse(source)
    aliases = set(QUANTILE_FUNCTIONS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            aliases |= {alias.asname for alias in node.names if alias.name in QUANTILE_FUNCTIONS and alias.asname}
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name if function is None else function  # the outermost function names the place
        if isinstance(node, ast.Call):
            target = node.func
            hit = _name(target) in aliases if isinstance(target, ast.Name) else (
                isinstance(target, ast.Attribute)
                and (target.attr in QUANTILE_FUNCTIONS
                     or (target.attr in QUANTILE_METHODS and _name(target.value) in DISTRIBUTIONS)))
            if hit:
                found.append((node.lineno, function, ast.unparse(target)))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


def scanned_files() -> list[Path]:
    return sorted(path for folder in SCANNED for path in (REPO / folder).rglob("*.py")
                  if ".venv" not in path.parts and "build" not in path.parts)


def test_the_scan_covers_the_code():
    files = {path.relative_to(REPO).as_posix() for path in scanned_files()}
    assert {"sim/core/stats.py", "sim/sweeps/engine.py", "paper/figures/_common.py"} <= files
    assert any(name.startswith("analysis/") for name in files) and any(name.startswith("bench/") for name in files)


def test_no_quantile_call_outside_the_statistics_layer():
    stray = []
    for path in scanned_files():
        relative = path.relative_to(REPO).as_posix()
        for line, function, call in quantile_calls(path.read_text(encoding="utf-8")):
            if (relative, None) not in ALLOWED and (relative, function) not in ALLOWED:
                stray.append(f"{relative}:{line} {call}(...) in {function or 'module scope'}")
    assert not stray, ("critical values come from sim.core.stats (t_critical, z_critical); found:\n"
                       + "\n".join(stray))


def test_the_statistics_layer_holds_the_quantile_calls():
    calls = quantile_calls((REPO / "sim/core/stats.py").read_text(encoding="utf-8"))
    assert {function for _, function, _ in calls} == {"t_critical", "z_critical"}


@pytest.mark.parametrize("snippet, expected", [
    ("from scipy import special\ndef f():\n    return special.stdtrit(9, 0.975)\n", [(3, "f", "special.stdtrit")]),
    ("import scipy.stats as stats\nq = stats.t.ppf(0.975, 9)\n", [(2, None, "stats.t.ppf")]),
    ("from scipy import stats as scipy_stats\nq = scipy_stats.norm.ppf(0.975)\n", [(2, None, "scipy_stats.norm.ppf")]),
    ("from scipy.stats import t\nq = t.isf(0.025, 9)\n", [(2, None, "t.isf")]),
    ("from scipy.special import ndtri\nclass A:\n    def g(self, u):\n        return ndtri(u)\n", [(4, "g", "ndtri")]),
    ("from scipy.special import stdtrit as quantile\nq = quantile(9, 0.975)\n", [(2, None, "quantile")]),
    ("import scipy.special\nq = scipy.special.ndtri(0.975)\n", [(2, None, "scipy.special.ndtri")]),
    ("from scipy import stats\nq = stats.gamma.ppf(0.5, 2.0)\nr = stats.t.cdf(2.0, 9)\n", []),
    ("from sim.core.stats import t_critical\nq = t_critical(0.95, 9)\n", []),
])
def test_the_scan_finds_quantile_calls_however_spelled(snippet, expected):
    assert quantile_calls(snippet) == expected
