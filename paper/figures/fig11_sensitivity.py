"""Figure 11: which assumptions move the headline numbers? First-order and total Sobol' indices of each
scalar headline over its group's screened parameters, with bootstrap intervals (`paper.uncertainty`).

Writes `fig11_sensitivity.png`, `.pdf` and `fig11_sensitivity.csv` (one row per headline and parameter: S1,
ST, their bootstrap half-widths at 95%, the share of the variance of the replication means that is
simulation noise, the design size).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import cli, figure_main  # noqa: E402
from paper.uncertainty import sensitivity  # noqa: E402

NAME = "fig11_sensitivity"


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    return {NAME: sensitivity(cache)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    frame = frames[NAME]
    keys = frame["key"].unique(maintain_order=True).to_list()
    figure = Figure(figsize=(10, 2.2 + 1.9 * len(keys)))
    axes_list = figure.subplots(len(keys), 1, squeeze=False)[:, 0]
    for axes, key in zip(axes_list, keys):
        part = frame.filter(pl.col("key") == key)
        rows = np.arange(part.height)
        for offset, (index, label, color) in enumerate((("S1", "first order", "C0"), ("ST", "total", "C1"))):
            axes.barh(rows + (offset - 0.5) * 0.38, part[index].to_numpy(), height=0.38, color=color, label=label,
                      xerr=part[f"{index}_conf"].to_numpy(), error_kw={"elinewidth": 0.8, "capsize": 2})
        axes.set_yticks(rows, [p.rsplit(".", 2)[-2] + "." + p.rsplit(".", 1)[-1] for p in part["parameter"]],
                        fontsize=7)
        axes.invert_yaxis()
        axes.axvline(0.0, color="k", linewidth=0.6)
        noise = part["noise_share"][0]
        noise_text = "n/a" if noise is None else f"{100 * noise:.0f}%"
        axes.set_title(f"{part['headline'][0]}: {part['points'][0]} points x {part['replications'][0]} "
                       f"replications, noise share of variance {noise_text}", fontsize=8)
        axes.set_xlabel("Sobol' index (share of variance), 95% bootstrap interval", fontsize=7)
        axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
