"""Cainiao as infrastructure or profit centre: transfer prices, capacity and minority holders, quarter by
quarter (linear or logit demand, deterministic or with Poisson orders: `model.py`; AliExpress's five-day promise:
`promise.py`; service levels from the two-class logistics chain: `operations.py`; the buy-out's paired report:
`buyout.py`; the standalone regime's fit to Cainiao's accounts, `sim calibrate`: `calibration.py`)."""

from sim.core.model import Metric, Model
from sim.models.cainiao.config import CainiaoScenario
from sim.models.cainiao.model import simulate
from sim.models.cainiao.tables import TABLES
from sim.models.cainiao.validation import validation_cases

__all__ = ["MODEL", "CainiaoScenario"]


def _paired_report(baseline, scenario):
    from sim.models.cainiao.buyout import buyout_report

    return buyout_report(baseline, scenario)

def _calibrate(scenario, out_path):
    from sim.models.cainiao.calibration import calibrate

    return calibrate(scenario, out_path)


_PRICE = "RMB / parcel"
_FLOW = "RMB m / quarter"
_VOLUME = "million parcels / quarter"

MODEL = Model(
    name="cainiao",
    description="Cainiao's transfer price, capacity and ownership under three regimes, quarter by quarter",
    config_type=CainiaoScenario,
    simulate=simulate,
    metrics=(
        Metric("transfer_price_rmb_per_parcel", _PRICE, "Cainiao's price to AliExpress, mean over quarters", key=True),
        Metric("third_party_price_rmb_per_parcel", _PRICE, "Cainiao's price to third parties, mean over quarters"),
        Metric("retail_price_rmb_per_order", "RMB / order", "AliExpress's price, mean over quarters", key=True),
        Metric("promised_share", "share", "share of AliExpress's orders carrying the five-day promise ([promise]), "
               "mean over quarters", kind="proportion"),
        Metric("group_parcels_m_per_quarter", _VOLUME, "AliExpress parcels carried", key=True),
        Metric("third_party_parcels_m_per_quarter", _VOLUME, "third-party parcels carried"),
        Metric("capacity_m_parcels_per_quarter", _VOLUME, "capacity bought (Poisson demand: before orders are known)"),
        Metric("aliexpress_revenue_rmb_m_per_quarter", _FLOW, "AliExpress segment revenue"),
        Metric("cainiao_group_revenue_rmb_m_per_quarter", _FLOW, "Cainiao revenue from AliExpress (eliminated)"),
        Metric("cainiao_third_party_revenue_rmb_m_per_quarter", _FLOW, "Cainiao revenue from third parties"),
        Metric("aliexpress_profit_rmb_m_per_quarter", _FLOW, "AliExpress's profit"),
        Metric("cainiao_profit_rmb_m_per_quarter", _FLOW, "Cainiao's profit"),
        Metric("consolidated_profit_rmb_m_per_quarter", _FLOW, "AliExpress + Cainiao"),
        Metric("attributable_profit_rmb_m_per_quarter", _FLOW,
               "to Alibaba's shareholders: AliExpress + ownership x Cainiao", key=True),
        Metric("minority_profit_rmb_m_per_quarter", _FLOW, "to Cainiao's minority holders"),
        Metric("consumer_surplus_rmb_m_per_quarter", _FLOW, "AliExpress shoppers' surplus"),
        Metric("third_party_surplus_rmb_m_per_quarter", _FLOW, "third-party merchants' surplus from shipping"),
        Metric("output_ratio_to_integrated", "ratio", "AliExpress parcels over the integrated group's"),
        Metric("chain_profit_ratio_to_integrated", "ratio",
               "consolidated profit over the integrated group's (no third-party volume: the chain's share)"),
        Metric("consumer_surplus_ratio_to_integrated", "ratio", "shoppers' surplus over the integrated one"),
        Metric("consolidation_gap_rmb_m", "RMB m",
               "largest |segments less eliminations - external flows| over the quarters; 0 by accounting"),
        Metric("npv_attributable_rmb_m", "RMB m", "attributable profit discounted at the stated rate", key=True),
        Metric("npv_attributable_usd_bn", "US$ bn", "the same NPV in US$ at cainiao.rmb_per_usd (the buy-out's unit)"),
    ),
    validation_checks=validation_cases,
    paired_report=_paired_report,
    calibrate=_calibrate,
    tables=TABLES,
)
