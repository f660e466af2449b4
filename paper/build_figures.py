"""Build every figure of the paper into `paper/build/` and write `paper/build/figures.md`, the table that maps
each figure to its script and output files.

    .venv/bin/python paper/build_figures.py            # full size (what `make paper` runs)
    .venv/bin/python paper/build_figures.py --quick    # test size, a few seconds a figure
    .venv/bin/python paper/build_figures.py --only fig1_customs_validation fig3_cloud_payback
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paper.figures._common import DEFAULT_OUT, REPO  # noqa: E402
from paper.key_numbers import write_key_numbers  # noqa: E402

#: figure number -> (module in paper/figures, what it shows); the one list of figures
FIGURES = {
    1: ("fig1_customs_validation", "customs M/M/4: simulated mean wait and P(wait) vs Erlang C across utilisation"),
    2: ("fig2_cloud_share_paths", "cloud: Alibaba revenue share by scenario; rivals' compute prices"),
    3: ("fig3_cloud_payback", "cloud: cumulative-profit difference of each cut vs status quo; payback quarter"),
    4: ("fig4_logistics_capacity", "logistics: on-time share and p95 delivery days vs line-haul capacity "
                                   "(14 or 21 flights a week) and customs officers"),
    5: ("fig5_logistics_promise", "logistics: five-day promise vs no promise: demand, reliability, delivery days"),
    6: ("fig6_eu_duty_cost", "logistics: cost per parcel by stage, incl. the EU duty of 2026"),
}


def script_path(module: str) -> Path:
    return Path("paper") / "figures" / f"{module}.py"


def build(out_dir: Path, quick: bool = False, only: list[str] | None = None) -> dict[int, list[Path]]:
    """Run the figure scripts (all, or those named in `only`); write `figures.md`; return the outputs."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs, seconds = {}, {}
    for number, (module, _) in FIGURES.items():
        if only and module not in only:
            continue
        start = time.perf_counter()
        figure = importlib.import_module(f"paper.figures.{module}")
        outputs[number] = figure.main(out_dir, quick=quick)
        seconds[number] = time.perf_counter() - start
        print(f"figure {number}: {module} ({seconds[number]:.1f} s)", flush=True)
    lines = [f"# Figures ({'quick' if quick else 'full'} size)", "",
             "Built by `.venv/bin/python paper/build_figures.py" + (" --quick" if quick else "") + "`.", "",
             "| figure | shows | script | output files | seconds |", "|---|---|---|---|---|"]
    for number, paths in outputs.items():
        module, shows = FIGURES[number]
        files = ", ".join(f"`{_relative(path)}`" for path in paths)
        lines.append(f"| {number} | {shows} | `{script_path(module)}` | {files} | {seconds[number]:.1f} |")
    tables = write_key_numbers(out_dir)
    lines += ["", "Table 1 (the headline numbers, read from the CSVs above by `paper/key_numbers.py`): "
              + ", ".join(f"`{_relative(path)}`" for path in tables) + "."]
    (out_dir / "figures.md").write_text("\n".join(lines) + "\n")
    return outputs


def _relative(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="test size: few replications, short horizons")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--only", nargs="*", help="figure modules to build (default: all)")
    arguments = parser.parse_args()
    build(arguments.out, quick=arguments.quick, only=arguments.only)
    print(arguments.out / "figures.md")


if __name__ == "__main__":
    main()
