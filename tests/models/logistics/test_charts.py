"""The declared charts render from a finished run."""

import sim
from sim.models.logistics import MODEL
from tests.models.logistics.helpers import DEFAULT


def test_charts_are_written(tmp_path):
    result = sim.run(DEFAULT, reps=3, seed=1, overrides=["run.horizon_days=12.0", "run.warmup_days=2.0"])
    paths = MODEL.charts(result, tmp_path)
    assert [p.name for p in paths] == ["on_time_share_daily.png", "delivery_days_distribution.png",
                                       "cost_per_parcel_by_stage.png"]
    for path in paths:
        assert path.stat().st_size > 10_000
