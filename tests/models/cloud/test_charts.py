"""The charts render from a small run (PNG files with content)."""

from __future__ import annotations

from sim.models.cloud import MODEL
from sim.models.cloud.charts import payback_chart

from .conftest import run


def test_charts_render(tmp_path):
    short = ("run.horizon_days=730.0",)
    status_quo = run("cloud_status_quo.toml", *short, reps=2)
    cut = run("cloud_price_cut_2024.toml", *short, reps=2)
    paths = MODEL.charts(cut, tmp_path)
    paths.append(payback_chart(cut, status_quo, tmp_path / "payback.png"))
    assert len(paths) == 4
    for path in paths:
        assert path.stat().st_size > 10_000
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
