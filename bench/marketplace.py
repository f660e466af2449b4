"""Benchmark of the marketplace model (run by `make bench`; not a test).

1. Visits and quotes simulated per second by the batch fidelity (the numba search-and-choice kernel, one
   call per block of days) and by the per-visit SimPy reference, on the same scenario and seed, and their
   ratio; one replication each after a warm-up run that compiles the kernels.
2. Wall and CPU time of a 365-day batch run at 100,000 visits a day (marketplace_today, equilibrium pricing),
   and of the same run with every part-2 feature on (`FEATURES`: ads, agent-access fee, direct AI service,
   the AI 1.0 contact centre of `marketplace_ai_1_0` with 20 agents), whose contacts per second are reported.
3. The differentiated-goods features, which the homogeneous market cannot take: a 365-day run of the DingTalk
   agent market (`marketplace_dingtalk_agents`) at 100,000 visits a day with self-preferencing, merchant
   tools, the agent-access fee, the direct service and the contact centre (`AGENT_MARKET_FEATURES`); its
   agent-market periods (days) per second are reported, as is the rival-platform year run
   (`marketplace_rival_platform`, three buyer segments a day).

Writes bench/results/marketplace.json and prints a table. `--quick` scales both parts down.
Targets: each year run under 2 minutes on one core, with and without the features.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import print_measures, write_record  # noqa: E402

from sim.core.rng import Streams  # noqa: E402
from sim.kernels.search import QUOTES, VISITS  # noqa: E402
from sim.models.marketplace.service import CONTACTS, HUMAN_CONTACTS  # noqa: E402
from sim.models.marketplace.market import run_market  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "marketplace_today.toml"
AI_1_0 = ROOT / "scenarios" / "marketplace_ai_1_0.toml"
#: every part-2 feature on (with AI_1_0's contact centre, staffed for 100,000 visits a day: rho about 0.6)
FEATURES = ["ads.advertisers=3", "ads.price_per_impression=0.002", "fees.agent_access_fee_per_visit=0.001",
            "fees.direct_service_uptake=0.05", "fees.direct_service_price_per_use=0.01", "service.human_agents=20"]

AGENT_MARKET = ROOT / "scenarios" / "marketplace_dingtalk_agents.toml"
RIVAL = ROOT / "scenarios" / "marketplace_rival_platform.toml"
#: the agent market with every feature it takes (values are assumptions, for load only)
AGENT_MARKET_FEATURES = ["agent_market.self_preferencing=1.0", "tools.quality_gain=0.3",
                         "tools.cost_per_listing_per_day=1.0", "fees.agent_access_fee_per_visit=0.001",
                         "fees.direct_service_uptake=0.05", "fees.direct_service_price_per_use=0.01",
                         "service.contact_share_per_order=0.05", "service.bot_resolution_share=0.6",
                         "service.human_agents=20"]


def timed(visits_per_day: float, days: float, fidelity: str, scenario: Path = SCENARIO,
          features: tuple[str, ...] = ()) -> dict:
    config = load_scenario(scenario, [f"market.visits_per_day={visits_per_day!r}", f"run.horizon_days={days!r}",
                                      f'fidelity="{fidelity}"', *features]).config
    started, cpu = time.perf_counter(), time.process_time()
    days_out = run_market(config, Streams(config.run.seed, 0))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    totals = days_out.totals.sum(axis=0)
    contacts = {} if days_out.service is None else {
        "contacts": float(days_out.service[:, CONTACTS].sum()),
        "human_contacts": float(days_out.service[:, HUMAN_CONTACTS].sum())}
    return {"visits": float(totals[:, VISITS].sum()), "quotes": float(totals[:, QUOTES].sum()), "wall_s": wall,
            "cpu_s": cpu, **contacts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="scale both parts down (a smoke run)")
    args = parser.parse_args()
    compare_volume, compare_days = (2_000.0, 10.0) if args.quick else (10_000.0, 30.0)
    year_volume, year_days = (100_000.0, 30.0) if args.quick else (100_000.0, 365.0)

    for fidelity in ("visit", "batch"):  # compile the kernels (cached on disk afterwards)
        timed(100.0, 2.0, fidelity)
    rates = {fidelity: timed(compare_volume, compare_days, fidelity) for fidelity in ("visit", "batch")}
    for fidelity, r in rates.items():
        print(f"{fidelity:>6}: {r['visits']:,.0f} visits, {r['quotes']:,.0f} quotes in {r['wall_s']:.2f} s wall "
              f"({r['cpu_s']:.2f} s CPU)", flush=True)
    year = timed(year_volume, year_days, "batch")
    featured = timed(year_volume, year_days, "batch", AI_1_0, tuple(FEATURES))
    agent_market = timed(year_volume, year_days, "batch", AGENT_MARKET, tuple(AGENT_MARKET_FEATURES))
    rival = timed(year_volume, year_days, "batch", RIVAL)

    def per_second(r: dict, what: str) -> float:
        return r[what] / r["wall_s"]

    results = {
        "quick": args.quick,
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "comparison_visits_per_day": compare_volume, "comparison_days": compare_days,
        **{f"{fidelity}_{what}_per_s": per_second(rates[fidelity], what)
           for fidelity in ("visit", "batch") for what in ("visits", "quotes")},
        "batch_to_visit_ratio": per_second(rates["batch"], "visits") / per_second(rates["visit"], "visits"),
        "year_run": {"visits_per_day": year_volume, "days": year_days, **year},
        "year_run_all_features": {"visits_per_day": year_volume, "days": year_days, "overrides": FEATURES,
                                  **featured},
        "contacts_per_s": featured["contacts"] / featured["wall_s"],
        "year_run_agent_market": {"visits_per_day": year_volume, "days": year_days,
                                  "overrides": AGENT_MARKET_FEATURES, **agent_market},
        "agent_market_periods_per_s": year_days / agent_market["wall_s"],
        "year_run_rival_platform": {"visits_per_day": year_volume, "days": year_days, **rival},
        "rival_platform_periods_per_s": year_days / rival["wall_s"],
        "targets": {"year_wall_s": 120, "year_all_features_wall_s": 120, "year_agent_market_wall_s": 120,
                    "year_rival_platform_wall_s": 120},
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "load_average": list(os.getloadavg())},
    }
    rows = [
        ("per-visit SimPy reference, visits/s (wall)", f"{results['visit_visits_per_s']:,.0f}", ""),
        ("per-visit SimPy reference, quotes/s (wall)", f"{results['visit_quotes_per_s']:,.0f}", ""),
        ("batch kernel, visits/s (wall)", f"{results['batch_visits_per_s']:,.0f}", ""),
        ("batch kernel, quotes/s (wall)", f"{results['batch_quotes_per_s']:,.0f}", ""),
        ("batch / per-visit", f"{results['batch_to_visit_ratio']:,.1f}x", ""),
        (f"{year_days:.0f}-day batch run at {year_volume:,.0f} visits/day: visits", f"{year['visits']:,.0f}", ""),
        ("  wall time", f"{year['wall_s']:,.1f} s", "< 120 s"),
        ("  CPU time", f"{year['cpu_s']:,.1f} s", ""),
        ("the same with every part-2 feature on: wall time", f"{featured['wall_s']:,.1f} s", "< 120 s"),
        ("  contacts (human-handled)", f"{featured['contacts']:,.0f} ({featured['human_contacts']:,.0f})", ""),
        ("  contacts/s through the contact centre and market (wall)", f"{results['contacts_per_s']:,.0f}", ""),
        ("agent market with tools, fees, direct service, contact centre: wall time", f"{agent_market['wall_s']:,.1f} s",
         "< 120 s"),
        ("  CPU time", f"{agent_market['cpu_s']:,.1f} s", ""),
        ("  agent-market periods (days)/s (wall)", f"{results['agent_market_periods_per_s']:,.1f}", ""),
        ("rival platform (three segments a day): wall time", f"{rival['wall_s']:,.1f} s", "< 120 s"),
        ("  CPU time", f"{rival['cpu_s']:,.1f} s", ""),
    ]
    print_measures(rows)
    write_record("marketplace", results)


if __name__ == "__main__":
    main()
