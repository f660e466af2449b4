"""Parameter sets where Stahl's (1989) equilibrium gives the marketplace's answers (`sim.theory.search`), for
`sim validate --model marketplace`, with the pilots that size each case's replications
(`sim.core.validation`).

Three groups of cases, at v = 1, c = 0, no take rate:

* Markets in equilibrium mode (two interior points and one where rho is capped at v): the mean posted
  price is E[p] = rho I; humans buy at their first quote (every price is <= rho), so they pay E[p] too;
  agents pay E[min of N] = rho (1 - I) / b (= s (1 - mu) / mu in the interior); the reservation price read
  off the simulated prices, E[max(rho - P, 0)], is s in the interior and rho (1 - I) < s where rho = v.
  Deterministic rows: accounting (payments = merchant receipts + take revenue) to 1e-9, one quote per
  human visit, everyone buys.
* The equilibrium verified, not assumed: merchant 0 posts each of 8 prices evenly over [p_lo, rho], and
  0.8 p_lo, 0.95 p_lo and 1.02 rho, while its rivals draw from F; the same visits are replayed with it at
  the middle of the support (common random numbers). The profit difference per visit must be 0 on the
  support (the error to detect: 1% of the equilibrium profit pi*, through `scale` = pi* / 2) and
  -0.2 pi*, -0.05 pi*, -pi* off it (`sim.theory.search.deviation_profit`).
* Limits, deterministic: one merchant posts v in best_response mode (a monopoly); all-agent buyers
  (Bertrand) drive best responses to within one tick of cost, all-human buyers (Diamond) to v. Checked on
  the mean posted price after a warm-up long enough for the tick-by-tick walk (values per replication).
* The AI 1.0 contact centre (`[service]`, `service.py`) as M/M/c: fixed prices at which every visit buys, so
  Poisson orders make Poisson contacts at a constant rate; the bot thins them by 1 - r; exponential handling
  at c human agents. The humans' mean wait and the share who wait must reproduce Erlang C
  (`sim.theory.queueing`) at the load the bot leaves, rho = 0.7 (4 agents, 200-day replications: at 0.85 the
  design needs ~200 replications, 15 CPU-minutes).
* The DingTalk agent market (`[agent_market]`) with self-preferencing: at the logit-Bertrand prices the
  simulated purchase share and the platform agent's share match the logit shares at those prices (computed
  here by the logit formula), and consumer surplus per visit equals the log-sum less the ranking bonus over
  alpha (`sim.theory.io.logit_expected_utility`; deterministic).
"""

from __future__ import annotations

import numpy as np

from sim.core.validation import IDENTITY_TOLERANCE, Expectation, Pilot, ValidationCase
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.market import logit_equilibrium_prices
from sim.theory import io, queueing, search

__all__ = ["validation_cases", "market_config", "contact_centre_config", "agent_market_config", "AGENT_MARKET", "MARKETS", "PROBE_POINTS", "CONTACT_CENTRE"]

VALIDATION_SEED = 20261201
PILOT_SEED = 20260418
PILOT_REPLICATIONS = 10
VALUATION = 1.0
TICK = 0.01  #: the best-response limits' price grid

#: (merchants, agent share, search cost, days, visits per day) of the equilibrium-mode markets
MARKETS: tuple[tuple[int, float, float, float, float], ...] = (
    (5, 0.5, 0.05, 2000.0, 50.0),    # interior
    (2, 0.2, 0.05, 2000.0, 50.0),    # interior, few merchants, few shoppers
    (5, 0.2, 0.5, 2000.0, 50.0),     # capped: s / (1 - I) > v
)
PROBE_MARKET = (5, 0.5, 0.05)
PROBE_DAYS, PROBE_VISITS_PER_DAY = 20_000.0, 20.0  # many days: the rivals' daily draws set the variance
#: the probe prices as (label, position): a share of the way from p_lo to rho, or a multiple of p_lo
#: ("lo") or rho ("rho") off the support
PROBE_POINTS: tuple[tuple[str, float], ...] = tuple(
    [(f"support {k}/7", k / 7.0) for k in range(8)] + [("0.8 p_lo", 0.8), ("0.95 p_lo", 0.95), ("1.02 rho", 1.02)])

#: the contact-centre case: human agents c, utilisation rho they face, handling minutes, days, warm-up days;
#: the bot resolves half of the contacts, orders make 0.1 + 0.5 x 0.2 = 0.2 contacts each
CONTACT_CENTRE = (4, 0.7, 60.0, 200.0, 5.0)
CONTACT_SHARE, EXTRA_LATE_SHARE, LATE_SHARE, BOT_SHARE = 0.1, 0.5, 0.2, 0.5

#: case name -> the pilot's standard deviation per replication of every stochastic metric
#: (`sim.core.validation.run_pilot` at PILOT_SEED, replications 0..9, reproduces them)
PILOT_SD: dict[str, dict[str, float]] = {
    "Stahl N=5 mu=0.5 s=0.05 (interior)": {
        "mean_posted_price": 0.0005532030352651896,
        "mean_price_paid_humans": 0.0005932811666353756,
        "mean_price_paid_agents": 0.0007741793188611151,
        "search_saving_at_reservation": 0.0005532030352651859,
    },
    "Stahl N=2 mu=0.2 s=0.05 (interior)": {
        "mean_posted_price": 0.0004625353086206325,
        "mean_price_paid_humans": 0.0004984820121522726,
        "mean_price_paid_agents": 0.0003496335138379923,
        "search_saving_at_reservation": 0.00046253530862063293,
    },
    "Stahl N=5 mu=0.2 s=0.5 (capped)": {
        "mean_posted_price": 0.0021219878802470563,
        "mean_price_paid_humans": 0.0022505757478151057,
        "mean_price_paid_agents": 0.004458377039615172,
        "search_saving_at_reservation": 0.0021219878802470745,
    },
    "deviation support 0/7 (p = 0.0261)": {
        "probe_profit_difference_per_visit": 0.00010684768582894458,
    },
    "deviation support 1/7 (p = 0.0448)": {
        "probe_profit_difference_per_visit": 0.00011670251032014321,
    },
    "deviation support 2/7 (p = 0.0635)": {
        "probe_profit_difference_per_visit": 8.570285777871167e-05,
    },
    "deviation support 3/7 (p = 0.0822)": {
        "probe_profit_difference_per_visit": 7.68453651402032e-05,
    },
    "deviation support 4/7 (p = 0.1008)": {
        "probe_profit_difference_per_visit": 5.1802085345564074e-05,
    },
    "deviation support 5/7 (p = 0.1195)": {
        "probe_profit_difference_per_visit": 6.91999279962049e-05,
    },
    "deviation support 6/7 (p = 0.1382)": {
        "probe_profit_difference_per_visit": 9.609925554509552e-05,
    },
    "deviation support 7/7 (p = 0.1568)": {
        "probe_profit_difference_per_visit": 0.00010876688148724715,
    },
    "deviation 0.8 p_lo (p = 0.0209)": {
        "probe_profit_difference_per_visit": 0.0001067058934398021,
    },
    "deviation 0.95 p_lo (p = 0.0248)": {
        "probe_profit_difference_per_visit": 0.0001068017540291568,
    },
    "deviation 1.02 rho (p = 0.1600)": {
        "probe_profit_difference_per_visit": 0.000107258123383823,
    },
    "contact centre M/M/4 rho=0.7 (bot r=0.5)": {
        "contact_wait_minutes": 1.9151511791753875,
        "contact_wait_probability": 0.01606411011225819,
    },
    "agent market N=4 self-preferencing 1": {
        "purchase_share": 0.001678058129061395,
        "platform_agent_share": 0.0028470238540176038,
    },
}


def market_config(merchants: int, agent_share: float, search_cost: float, days: float, visits_per_day: float,
                  **pricing: object) -> dict[str, object]:
    """A marketplace document at v = 1, c = 0, no take rate, equilibrium pricing unless `pricing` says."""
    return {
        "model": "marketplace",
        "description": f"N={merchants}, agent share {agent_share:g}, search cost {search_cost:g}",
        "run": {"horizon_days": days, "warmup_days": 0.0, "replications": PILOT_REPLICATIONS,
                "seed": VALIDATION_SEED},
        "market": {"merchants": merchants, "valuation": VALUATION, "visits_per_day": visits_per_day},
        "buyers": {"agent_share": agent_share, "human_search_cost": search_cost},
        "pricing": {"mode": "equilibrium", **pricing},
    }


def _market_case(merchants: int, agent_share: float, search_cost: float, days: float,
                 visits: float) -> ValidationCase:
    eq = search.stahl_equilibrium(merchants, agent_share, search_cost, VALUATION)
    name = f"Stahl N={merchants} mu={agent_share:g} s={search_cost:g} ({eq.regime})"
    saving_theory = ("E[max(rho - P, 0)] = rho (1 - I) = s (interior)" if eq.regime == "interior"
                     else "E[max(rho - P, 0)] = rho (1 - I) < s (rho capped at v)")
    expectations = (
        Expectation("mean_posted_price", eq.mean_price, "E[p] = rho I"),
        Expectation("mean_price_paid_humans", eq.mean_price, "humans buy at the first quote: E[p]"),
        Expectation("mean_price_paid_agents", eq.mean_min_price, "E[min of N] = rho (1 - I) / b"),
        Expectation("search_saving_at_reservation", eq.reservation_price - eq.mean_price, saving_theory),
        Expectation("accounting_gap", 0.0, "payments = merchant receipts + take revenue",
                    tolerance=IDENTITY_TOLERANCE),
        Expectation("quotes_per_human_visit", 1.0, "every price <= rho: one quote", tolerance=IDENTITY_TOLERANCE),
        Expectation("purchase_share", 1.0, "every price <= v: everyone buys", tolerance=IDENTITY_TOLERANCE),
    )
    config = MarketplaceScenario.model_validate(market_config(merchants, agent_share, search_cost, days, visits))
    return ValidationCase(name, config, expectations, Pilot(PILOT_SEED, PILOT_REPLICATIONS, PILOT_SD[name]))


def probe_price(label: str, position: float, eq: search.StahlEquilibrium) -> float:
    if label.endswith("p_lo"):
        return position * eq.lowest_price
    if label.endswith("rho"):
        return position * eq.reservation_price
    return eq.lowest_price + position * (eq.reservation_price - eq.lowest_price)


def _probe_cases() -> list[ValidationCase]:
    merchants, agent_share, search_cost = PROBE_MARKET
    eq = search.stahl_equilibrium(merchants, agent_share, search_cost, VALUATION)
    reference = 0.5 * (eq.lowest_price + eq.reservation_price)
    cases = []
    for label, position in PROBE_POINTS:
        price = probe_price(label, position, eq)
        document = market_config(merchants, agent_share, search_cost, PROBE_DAYS, PROBE_VISITS_PER_DAY)
        document["probe"] = {"price": price, "reference_price": reference}
        document["description"] = f"merchant 0 at {price:.5f} against Stahl rivals"
        difference = search.deviation_profit(price, eq) - search.deviation_profit(reference, eq)
        name = f"deviation {label} (p = {price:.4f})"
        theory = ("on the support: profit = pi*" if abs(difference) < 1e-12 * eq.profit_per_buyer
                  else f"off the support: {difference / eq.profit_per_buyer:+.2f} pi*")
        expectation = Expectation("probe_profit_difference_per_visit", 0.0 if abs(difference) < 1e-12 else difference,
                                  theory, scale=0.5 * eq.profit_per_buyer)
        cases.append(ValidationCase(name, MarketplaceScenario.model_validate(document), (expectation,),
                                    Pilot(PILOT_SEED, PILOT_REPLICATIONS, PILOT_SD[name])))
    return cases


def _limit_case(name: str, merchants: int, agent_share: float, search_cost: float, expected: float,
                theory: str, tolerance: float) -> ValidationCase:
    document = market_config(merchants, agent_share, search_cost, 150.0, 200.0, mode="best_response",
                             price_tick=TICK, initial_price=0.5)
    document["run"] = {**document["run"], "warmup_days": "auto"}  # type: ignore[dict-item]  # MSER-5
    return ValidationCase(name, MarketplaceScenario.model_validate(document),
                          (Expectation("mean_posted_price", expected, theory, tolerance=tolerance),))


def contact_centre_config(agents: int, utilisation: float, handling_minutes: float, days: float,
                          warmup_days: float) -> MarketplaceScenario:
    """Fixed prices 0.7 <= v at 4 merchants (every visit buys), visits per day set so that the contacts the bot
    leaves load `agents` agents to `utilisation`."""
    human_contacts_per_day = utilisation * agents * 1440.0 / handling_minutes
    contacts_per_order = CONTACT_SHARE + EXTRA_LATE_SHARE * LATE_SHARE
    visits = human_contacts_per_day / (contacts_per_order * (1.0 - BOT_SHARE))
    document = market_config(4, 0.4, 0.05, days, visits, mode="fixed", fixed_prices=[0.7])
    document["run"] = {**document["run"], "warmup_days": warmup_days}  # type: ignore[dict-item]
    document["service"] = {"contact_share_per_order": CONTACT_SHARE, "extra_contact_share_per_late_order":
                           EXTRA_LATE_SHARE, "late_delivery_share": LATE_SHARE, "bot_resolution_share": BOT_SHARE,
                           "human_agents": agents, "handling_minutes": handling_minutes}
    return MarketplaceScenario.model_validate(document)


def _contact_centre_case() -> ValidationCase:
    agents, utilisation, handling_minutes, days, warmup = CONTACT_CENTRE
    config = contact_centre_config(agents, utilisation, handling_minutes, days, warmup)
    rate_per_hour = utilisation * agents * 60.0 / handling_minutes
    service_rate_per_hour = 60.0 / handling_minutes
    name = f"contact centre M/M/{agents} rho={utilisation:g} (bot r={BOT_SHARE:g})"
    expectations = (
        Expectation("contact_wait_minutes", 60.0 * queueing.mean_wait_in_queue(rate_per_hour, service_rate_per_hour,
                                                                                agents),
                    "Erlang C: Wq = C(c, a) / (c mu - lambda)"),
        Expectation("contact_wait_probability", queueing.erlang_c(rate_per_hour, service_rate_per_hour, agents),
                    "Erlang C: P(wait) = C(c, a)"),
    )
    return ValidationCase(name, config, expectations, Pilot(PILOT_SEED, PILOT_REPLICATIONS, PILOT_SD[name]))


#: the agent-market case: merchants, quality, alpha, take rate, API price, million tokens per use,
#: self-preferencing (utils), days, visits per day
AGENT_MARKET = (4, 1.0, 4.0, 0.1, 0.5, 0.2, 1.0, 100.0, 500.0)


def agent_market_config() -> MarketplaceScenario:
    merchants, quality, alpha, take, api, tokens, bonus, days, visits = AGENT_MARKET
    document = market_config(merchants, 1.0, 0.0, days, visits)
    document["market"].update({"goods": "differentiated", "quality": quality,  # type: ignore[attr-defined]
                               "price_sensitivity": alpha, "take_rate": take})
    document["agent_market"] = {"api_price_per_million_tokens": api, "million_tokens_per_use": tokens,
                                "self_preferencing": bonus}
    return MarketplaceScenario.model_validate(document)


def _agent_market_case() -> ValidationCase:
    merchants, quality, alpha, _, _, _, bonus, _, _ = AGENT_MARKET
    config = agent_market_config()
    prices = logit_equilibrium_prices(config, np.full(merchants, quality) + np.eye(merchants)[0] * bonus)
    weights = np.exp(quality + np.eye(merchants)[0] * bonus - alpha * prices)
    shares = weights / (1.0 + weights.sum())
    name = f"agent market N={merchants} self-preferencing {bonus:g}"
    expectations = (
        Expectation("purchase_share", float(shares.sum()), "logit: sum_j s_j at the equilibrium prices"),
        Expectation("platform_agent_share", float(shares[0]), "logit: s_0 (ranked up) at the equilibrium prices"),
        Expectation("consumer_surplus_per_visit",
                    io.logit_expected_utility(np.full(merchants, quality), prices, alpha, np.eye(merchants)[0] * bonus)
                    / alpha, "log-sum less the chosen bonus, / alpha", tolerance=IDENTITY_TOLERANCE),
    )
    return ValidationCase(name, config, expectations, Pilot(PILOT_SEED, PILOT_REPLICATIONS, PILOT_SD[name]))


def validation_cases() -> list[ValidationCase]:
    """The marketplace checks: Stahl markets, the deviation probes, and the best-response limits."""
    cases = [_market_case(*market) for market in MARKETS]
    cases += _probe_cases()
    tick = TICK
    cases += [
        _limit_case("monopoly N=1 (best response)", 1, 0.5, 0.05, VALUATION, "N = 1: price v", IDENTITY_TOLERANCE),
        # Bertrand: undercutting by a tick ends every merchant at c + tick (at c it would earn nothing):
        # "within one tick of cost", with room for the float rounding of a mean of tick-grid prices
        _limit_case("Bertrand mu=1 N=3 (best response)", 3, 1.0, 0.05, 0.0, "mu = 1: within one tick of c",
                    tick * (1.0 + 1e-9)),
        _limit_case("Diamond mu=0 N=3 (best response)", 3, 0.0, 0.05, VALUATION, "mu = 0, s > 0: price v",
                    IDENTITY_TOLERANCE),
    ]
    cases.append(_contact_centre_case())
    cases.append(_agent_market_case())
    return cases
