"""`sim report` (one self-contained HTML file per run, comparison or sweep), `sim plot` on a sweep folder,
`sim sensitivity` and the pivoted sweep summary."""

from __future__ import annotations

import base64
import json
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.core.options import RunOptions
from tests.conftest import SCENARIOS

BASE = SCENARIOS / "customs_clearance.toml"
SIX = SCENARIOS / "customs_clearance_six_officers.toml"
SHORT = ["run.horizon_days=2.0", "run.warmup_days=0.5"]
SETS = [arg for setting in SHORT for arg in ("--set", setting)]
CUSTOMS_METRICS = ["mean_wait_hours", "probability_of_waiting", "p95_wait_hours", "mean_time_in_system_hours",
                   "mean_queue_length", "utilisation", "arrival_rate_per_hour", "littles_law_gap", "parcels_cleared"]
PI = 3.141592653589793


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


class Resources(HTMLParser):
    """Every URL-carrying attribute of the document (href, src, srcset, action, ...) and every tag."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.urls += [value or "" for name, value in attrs if name in {"href", "src", "srcset", "action", "data"}]


def check_self_contained(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    parser = Resources()
    parser.feed(text)
    assert not {"script", "link", "iframe", "object", "a"} & parser.tags
    assert parser.urls and all(url.startswith("data:image/png;base64,") for url in parser.urls)
    for url in parser.urls:  # each embedded chart is a PNG
        assert base64.b64decode(url.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "url(" not in text and "@import" not in text
    return text


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    made = {"run": root / "run", "comparison": root / "comparison", "sweep": root / "sweep"}
    sim.run(BASE, reps=2, seed=17, overrides=SHORT, out=made["run"], options=RunOptions())
    assert invoke("compare", str(BASE), str(SIX), "--reps", "2", "--seed", "23", *SETS, "--out",
                  str(made["comparison"]), "--no-progress").exit_code == 0
    scenario = root / "ishigami.toml"
    scenario.write_text('description = "Ishigami"\nmodel = "ishigami"\n[run]\nhorizon_days = 1.0\nreplications = 1\n'
                        'seed = 31\n[ishigami]\nx1 = 0.5\nx2 = 0.5\nx3 = 0.5\nnoise_sd = 0.0\n')
    sweep_file = root / "sobol.toml"
    sweep_file.write_text(textwrap.dedent("""\
        description = "Sobol' indices of the Ishigami function"
        scenario = "ishigami.toml"
        [design]
        kind = "saltelli"
        points = 32
        seed = 4
        """) + "".join(f'[[parameters]]\npath = "ishigami.x{i}"\nlow = {-PI!r}\nhigh = {PI!r}\n' for i in (1, 2, 3)))
    swept = invoke("sweep", str(sweep_file), "--serial", "--out", str(made["sweep"]), "--no-progress", "--reps", "1")
    assert swept.exit_code == 0, swept.output
    (root / "sweep.stdout").write_text(swept.output)
    return made


@pytest.mark.parametrize("kind, seed, metrics", [("run", 17, CUSTOMS_METRICS), ("comparison", 23, CUSTOMS_METRICS),
                                                 ("sweep", 31, ["y", "y_exact"])])
def test_report_is_one_self_contained_html_file_with_the_seed_and_every_metric(folders, kind, seed, metrics):
    before = {p.name for p in folders[kind].iterdir()}
    done = invoke("report", str(folders[kind]))
    assert done.exit_code == 0, done.output
    assert {p.name for p in folders[kind].iterdir()} - before == {"report.html"}
    text = check_self_contained(folders[kind] / "report.html")
    assert re.search(rf"<th>seed</th><td>{seed}</td>", text)
    cells = set(re.findall(r"<td>([^<]*)</td>", text))
    assert set(metrics) <= cells, set(metrics) - cells
    assert json.loads((folders[kind] / "manifest.json").read_text())["run_id"] in text


def test_a_run_folder_with_a_report_can_still_be_replaced_with_force(folders, tmp_path):
    invoke("report", str(folders["run"]))
    assert invoke("run", str(BASE), "--reps", "2", "--seed", "17", *SETS, "--out", str(folders["run"]), "--force",
                  "--no-progress").exit_code == 0


def test_sweep_prints_a_pivoted_summary_with_units(folders):
    printed = (folders["sweep"].parent / "sweep.stdout").read_text()
    header = next(line for line in printed.splitlines() if "point" in line and "┃" in line)
    assert "ishigami.x1" in header and "y (1)" in header
    rows = [line for line in printed.splitlines() if line.startswith("│")]
    assert len(rows) == 32 * (3 + 2)  # one row per design point


def test_plot_on_a_sweep_folder_and_sensitivity_write_their_charts(folders):
    plotted = invoke("plot", str(folders["sweep"]))
    assert plotted.exit_code == 0, plotted.output
    assert (folders["sweep"] / "charts" / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert (folders["sweep"] / "charts" / "sobol_y.png").read_bytes()[:4] == b"\x89PNG"  # y: the key metric
    done = invoke("sensitivity", str(folders["sweep"]), "--metric", "y_exact")
    assert done.exit_code == 0, done.output
    rows = {line.split("│")[1].strip(): line for line in done.output.splitlines() if line.startswith("│")}
    assert set(rows) == {"ishigami.x1", "ishigami.x2", "ishigami.x3"}
    # x3 has no first-order effect (Ishigami 1990; Sobol' & Levitan 1999: S3 = 0), a clear total one (0.24)
    s1_x3, st_x3 = (float(cell) for cell in [c.strip() for c in rows["ishigami.x3"].split("│")[2:5:2]])
    assert abs(s1_x3) < 0.15 and st_x3 > 0.1
    assert (folders["sweep"] / "charts" / "sobol_y_exact.png").stat().st_size > 1000


def test_sensitivity_on_a_grid_sweep_is_bad_input(folders, tmp_path):
    manifest = json.loads((folders["sweep"] / "manifest.json").read_text())
    manifest["design"]["kind"] = "grid"
    fake = tmp_path / "grid"
    fake.mkdir()
    (fake / "manifest.json").write_text(json.dumps(manifest))
    done = invoke("sensitivity", str(fake))
    assert done.exit_code == 2 and "saltelli" in done.output
