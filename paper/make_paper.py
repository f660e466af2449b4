"""Build the working paper into `paper/build/`: the results (through the cache), the figures, the key table
and Table 1, the lock, and `paper.pdf` compiled from the Typst source in `paper/typst/`.

    .venv/bin/python paper/make_paper.py                 # full size (what `make paper` runs)
    .venv/bin/python paper/make_paper.py --quick         # test size (`make paper QUICK=1`)
    .venv/bin/python paper/make_paper.py --only fig3_cloud_payback   # some figures, no PDF
    .venv/bin/python paper/make_paper.py --readme        # also write README.md's "First answers" block

Outputs are written to a staging folder inside the output folder and moved into place only when the whole
build has succeeded, so a failed build leaves the earlier one intact. Exit codes: 2 for bad input (an
unknown figure, a key the text names that the key table lacks), 3 for the environment (the output folder
cannot be written, the `typst` package is missing).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import CACHE_DIR, DEFAULT_OUT, REPO, write_figure  # noqa: E402
from paper.calibration_table import write_tables as write_calibration_tables  # noqa: E402
from paper.detail_runs import write_tables as write_detail_tables  # noqa: E402
from paper.key_numbers import KEY_TABLE_JSON, write_key_table  # noqa: E402
from paper.sources_ledger import write_ledger  # noqa: E402
from paper.validation_table import write_table as write_validation_table  # noqa: E402
from paper.uncertainty import write_tables as write_uncertainty_tables  # noqa: E402

__all__ = ["FIGURES", "Figure", "build", "BuildInputError", "BuildEnvironmentError", "LOCK", "PDF", "main"]


@dataclass(frozen=True)
class Figure:
    """A figure of the paper: its module in `paper/figures`, the model it is about, what it shows."""

    module: str
    model: str
    shows: str

    @property
    def label(self) -> str:
        """The Typst label of the figure: the module name without its `figN_` prefix."""
        return self.module.split("_", 1)[1]

    @property
    def script(self) -> Path:
        return Path("paper") / "figures" / f"{self.module}.py"


#: figure number -> figure; the one list of figures
FIGURES = {
    1: Figure("fig1_customs_validation", "customs",
              "customs M/M/4: simulated mean wait and P(wait) vs Erlang C across utilisation"),
    2: Figure("fig2_cloud_share_paths", "cloud", "cloud: Alibaba revenue share by scenario; rivals' compute prices"),
    3: Figure("fig3_cloud_payback", "cloud",
              "cloud: cumulative contribution less capex, each cut vs status quo; payback quarter"),
    4: Figure("fig4_logistics_capacity", "logistics",
              "logistics: on-time share and p95 delivery days vs line-haul capacity and flight frequency, and "
              "customs officers"),
    5: Figure("fig5_logistics_promise", "logistics",
              "logistics: five-day promise vs no promise: demand, reliability, delivery days"),
    6: Figure("fig6_eu_duty_cost", "logistics", "logistics: cost per parcel by stage, incl. the EU duty of 2026"),
    7: Figure("fig7_logistics_two_classes", "logistics",
              "logistics: on-time share of group and third-party parcels vs line-haul capacity, priority vs fcfs"),
    8: Figure("fig8_marketplace_price_cdf", "marketplace",
              "marketplace: simulated posted-price CDF vs Stahl's closed form at one interior point"),
    9: Figure("fig9_marketplace_prices", "marketplace",
              "marketplace: mean posted and paid price vs agent share for three merchant counts, over Stahl (1989)"),
    10: Figure("fig10_cloud_cut_depth", "cloud",
               "cloud: share and NPV gain of a 2024Q1 cut from 0 to 70% vs no cut, rivals ignore, match, best-respond"),
    11: Figure("fig11_sensitivity", "logistics, cloud",
               "sensitivity: first-order and total Sobol' indices of each headline over its screened assumptions"),
    12: Figure("fig12_marketplace_genai", "marketplace",
               "marketplace: platform revenue by source against agent share; the agent market's share and surplus "
               "against the API price; AI 1.0 against 2.0 by goal"),
    13: Figure("fig13_cainiao_markup", "cainiao",
               "cainiao: AliExpress's price and orders against the transfer markup, simulated over the closed form"),
    14: Figure("fig14_cainiao_buyout", "cainiao",
               "cainiao: attributable cash by regime and the 2024 buy-out, paired against standalone; the buy-out's "
               "NPV gain decomposed against the offer"),
    15: Figure("fig15_cainiao_where_infrastructure_loses", "cainiao",
               "cainiao: infrastructure minus standalone group profit against capacity cost and third-party market, "
               "over the closed form; where infrastructure loses"),
    16: Figure("fig16_cainiao_priority", "cainiao",
               "cainiao: on-time share by parcel class under priority and fcfs against the load factor; what the "
               "group's priority changes for third parties' surplus and the group's profit"),
    17: Figure("fig17_cainiao_promise", "cainiao",
               "cainiao: the share of orders AliExpress promises under each regime, against the theory; what the "
               "promise adds to orders, the group's profit and shoppers' surplus"),
}
#: the generated tables besides Table 1 (file-name prefixes in the build folder), in the lock
TABLES = ("table2", "table3", "table4", "detail", "uncertainty")
TYPST_SOURCE = REPO / "paper" / "typst"
BIBLIOGRAPHY = REPO / "docs" / "references.bib"
README = REPO / "README.md"
README_TEMPLATE = REPO / "paper" / "readme_answers.md"
README_BEGIN = "<!-- first-answers: written by `make paper` from paper/readme_answers.md; do not edit -->"
README_END = "<!-- /first-answers -->"
README_DETAILS = REPO / "paper" / "readme_details.md"
README_DETAILS_BEGIN = "<!-- more-detail: written by `make paper` from paper/readme_details.md; do not edit -->"
README_DETAILS_END = "<!-- /more-detail -->"
#: the README's generated blocks: (template, begin marker, end marker)
README_BLOCKS = ((README_TEMPLATE, README_BEGIN, README_END), (README_DETAILS, README_DETAILS_BEGIN, README_DETAILS_END))
LOCK = "figures.lock"
PDF = "paper.pdf"
#: the PDF's creation date (a fixed one, so that the same inputs give the same file): 2026-01-01 UTC
PDF_TIMESTAMP = 1767225600


class BuildInputError(Exception):
    """Bad input to the build (exit 2)."""


class BuildEnvironmentError(Exception):
    """The environment cannot run the build (exit 3)."""


@dataclass
class BuildReport:
    out_dir: Path
    outputs: dict[int, list[Path]]
    cache: ResultCache
    pdf: Path | None


def _typst():
    try:
        import typst
    except ImportError as error:
        raise BuildEnvironmentError(f"the typst package is not installed ({error}); install the project with "
                                    "`pip install -e .[dev]` or `pip install typst`") from None
    return typst


def _writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".probe-"):
            pass
    except OSError as error:
        raise BuildEnvironmentError(f"cannot write to the output folder {out_dir}: {error.strerror or error}") \
            from None


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def lock_document(out_dir: Path, runs: dict[str, list[dict]]) -> dict:
    """The lock: per figure, the SHA-256 of each CSV and PNG it wrote (read from disk now) and the cache key
    of each run it read."""
    figures = {}
    for figure in FIGURES.values():
        files = sorted(p for p in out_dir.glob(f"{figure.module}*") if p.suffix in (".csv", ".png"))
        if not files and figure.module not in runs:
            continue
        figures[figure.module] = {"files": {p.name: sha256(p) for p in files}, "runs": runs.get(figure.module, [])}
    tables = {}
    for name in TABLES:
        files = sorted(out_dir.glob(f"{name}*.csv"))
        if files:
            tables[name] = {"files": {p.name: sha256(p) for p in files}, "runs": runs.get(name, [])}
    return {"figures": figures, "tables": tables}


def _previous_runs(out_dir: Path) -> dict[str, list[dict]]:
    try:
        lock = json.loads((out_dir / LOCK).read_text())
        return {module: entry["runs"] for group in ("figures", "tables")
                for module, entry in lock.get(group, {}).items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _promote(staging: Path, out_dir: Path) -> None:
    """Move every file of `staging` into `out_dir` (each by an atomic rename)."""
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = out_dir / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def compile_pdf(staging: Path) -> Path:
    """Copy the Typst source and the bibliography next to the figures and compile `paper.pdf` there (the
    Typst root is the staging folder: no file outside it, no package, no system font is read)."""
    typst = _typst()
    source = staging / "typst"
    shutil.copytree(TYPST_SOURCE, source)
    shutil.copy2(BIBLIOGRAPHY, source / BIBLIOGRAPHY.name)
    pdf = staging / PDF
    try:
        typst.compile(str(source / "main.typ"), output=str(pdf), root=str(staging), ignore_system_fonts=True,
                      timestamp=PDF_TIMESTAMP)
    except typst.TypstError as error:
        raise BuildInputError(f"{TYPST_SOURCE}: {error.message}") from None
    return pdf


def readme_block(key_table_json: Path, template: Path = README_TEMPLATE, begin: str = README_BEGIN,
                 end: str = README_END) -> str:
    """A README block written from `template`: each `{key}` replaced by the key table's text and each
    `{key:ci}` by its interval. Paragraphs (blocks between blank lines) are rewrapped at 110 columns, each
    `* ` bullet on its own, an indented paragraph keeping its indent; a table (lines starting with `|`) is
    kept line by line."""
    keys = json.loads(key_table_json.read_text())

    def fill(match: re.Match) -> str:
        key, part = match.group(1), match.group(2)
        if key not in keys:
            raise BuildInputError(f"{template}: key {key!r} is not in the key table")
        return keys[key]["ci_text"] if part == "ci" else keys[key]["text"]

    body = re.sub(r"\{([a-z0-9_.]+)(?::(ci))?\}", fill, template.read_text())
    blocks = []
    for block in re.split(r"\n\s*\n", body.strip("\n")):
        lines = block.splitlines()
        if all(line.lstrip().startswith("|") for line in lines):
            blocks.append("\n".join(line.rstrip() for line in lines))
            continue
        if block.startswith("  "):
            blocks.append(textwrap.fill(" ".join(block.split()), width=110, initial_indent="  ",
                                        subsequent_indent="  ", break_long_words=False, break_on_hyphens=False))
            continue
        bullets = ["* " + " ".join(b.split()) for b in re.split(r"^\* ", block, flags=re.M) if b.strip()]
        blocks.append("\n".join(textwrap.fill(b, width=110, subsequent_indent="  ", break_long_words=False,
                                               break_on_hyphens=False) for b in bullets))
    return "\n".join([begin, "\n\n".join(blocks), end])


def write_readme(key_table_json: Path, readme: Path = README) -> None:
    """Fill every generated block of the README (`README_BLOCKS`) from the key table."""
    text = readme.read_text()
    for template, begin, end in README_BLOCKS:
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise BuildInputError(f"{readme}: no block for {template.name} (markers {begin!r} ... {end!r})")
        text = pattern.sub(lambda _, t=template, b=begin, e=end: readme_block(key_table_json, t, b, e), text)
    _atomic_write(readme, text)


def build(out_dir: Path = DEFAULT_OUT, quick: bool = False, only: list[str] | None = None,
          readme: bool = False) -> BuildReport:
    """Build the figures (all, or those named in `only`), then -- for a full build -- the key table,
    Table 1 and `paper.pdf`; write the lock. Raises BuildInputError or BuildEnvironmentError."""
    out_dir = Path(out_dir)
    known = {figure.module for figure in FIGURES.values()}
    unknown = sorted(set(only or ()) - known)
    if unknown:
        raise BuildInputError(f"--only: unknown figure {', '.join(unknown)}; figures: {', '.join(sorted(known))}")
    if readme and (quick or only):
        raise BuildInputError("--readme: the README quotes the full-size paper; not with --quick or --only")
    if not only:
        _typst()  # before any simulation
    _writable(out_dir)
    cache = ResultCache(out_dir / CACHE_DIR, quick=quick)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        outputs, runs = {}, {}
        for number, figure in FIGURES.items():
            if only and figure.module not in only:
                continue
            start, first_run = time.perf_counter(), len(cache.used)
            module = importlib.import_module(f"paper.figures.{figure.module}")
            frames = module.data(cache)
            outputs[number] = write_figure(figure.module, frames, module.plot(frames), staging)
            used = cache.used[first_run:]
            runs[figure.module] = [{"table": u.scenario, "key": u.key} if u.scenario.startswith("table:") else
                                   {"scenario": u.scenario, "seed": u.seed, "replications": u.replications,
                                    "overrides": list(u.overrides), "key": u.key} for u in used]
            print(f"figure {number}: {figure.module}: {len(used)} runs, {sum(not u.hit for u in used)} simulated "
                  f"({time.perf_counter() - start:.1f} s)", flush=True)
        pdf = None
        if not only:
            start, first_run = time.perf_counter(), len(cache.used)
            evidence = write_validation_table(cache, staging)
            runs["table2"] = [{"table": u.scenario, "inputs": list(u.overrides), "key": u.key}
                              for u in cache.used[first_run:]]
            print(f"table 2: validation: {len(runs['table2'])} tables, "
                  f"{sum(not u.hit for u in cache.used[first_run:])} computed ({time.perf_counter() - start:.1f} s)",
                  flush=True)
            first_run = len(cache.used)
            evidence += write_calibration_tables(cache, staging)
            runs["table3"] = [{"table": u.scenario, "key": u.key} for u in cache.used[first_run:]]
            evidence += write_ledger(staging)
            first_run = len(cache.used)
            evidence += write_detail_tables(cache, staging)
            runs["detail"] = [{"scenario": u.scenario, "seed": u.seed, "replications": u.replications,
                               "overrides": list(u.overrides), "key": u.key} for u in cache.used[first_run:]]
            first_run = len(cache.used)
            evidence += write_uncertainty_tables(cache, staging)
            runs["uncertainty"] = [{"table": u.scenario, "key": u.key} for u in cache.used[first_run:]]
            tables = evidence + write_key_table(staging)
            outputs[0] = tables
            _atomic_write(staging / "figures.md", figures_table(outputs, quick))
            _atomic_write(staging / "figures.json",
                          json.dumps({f.label: f.module for f in FIGURES.values()}, indent=1) + "\n")
            pdf = compile_pdf(staging)
        _promote(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if only:
        runs = {**_previous_runs(out_dir), **runs}
    _atomic_write(out_dir / LOCK, json.dumps(lock_document(out_dir, runs), indent=1, sort_keys=True) + "\n")
    if readme:
        write_readme(out_dir / KEY_TABLE_JSON)
    moved = {n: [out_dir / p.name for p in paths] for n, paths in outputs.items()}
    return BuildReport(out_dir, moved, cache, out_dir / PDF if pdf else None)


def figures_table(outputs: dict[int, list[Path]], quick: bool) -> str:
    lines = [f"# Figures ({'quick' if quick else 'full'} size)", "",
             "Built by `.venv/bin/python paper/make_paper.py" + (" --quick" if quick else "") + "`.", "",
             "| figure | shows | script | output files |", "|---|---|---|---|"]
    for number, paths in sorted(outputs.items()):
        if number in FIGURES:
            figure = FIGURES[number]
            files = ", ".join(f"`{p.name}`" for p in paths)
            lines.append(f"| {number} | {figure.shows} | `{figure.script}` | {files} |")
    lines += ["", "Key table and Table 1 (read from the CSVs above by `paper/key_numbers.py`): "
              + ", ".join(f"`{p.name}`" for p in outputs.get(0, [])) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="test size: few replications, short horizons")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    parser.add_argument("--only", nargs="*", help="figure modules to build (default: all, and the PDF)")
    parser.add_argument("--readme", action="store_true", help="write the README's First-answers block")
    arguments = parser.parse_args(argv)
    try:
        report = build(arguments.out, quick=arguments.quick, only=arguments.only, readme=arguments.readme)
    except BuildInputError as error:
        print(f"paper: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except BuildEnvironmentError as error:
        print(f"paper: {error}", file=sys.stderr)
        raise SystemExit(3) from None
    runs = len(report.cache.used)
    print(f"{runs} runs read, {report.cache.misses} simulated, {runs - report.cache.misses} from the cache")
    print(report.pdf or report.out_dir / LOCK)


if __name__ == "__main__":
    main()
