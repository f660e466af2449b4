"""Cloud pricing vs market share (issue 7): a discrete-event China public-cloud market in which Alibaba
Cloud cuts prices and rivals ignore, match, partially match or best-respond.

Quarters are 91.25 days; money is in RMB bn. See `config.py` for the schema, `market.py` for the SimPy
processes, `equilibrium.py` for the static Bertrand-Nash solver, `payback.py` for the payback quarter of a
cut under common random numbers and `calibration.py` for the fit to Canalys shares and Alibaba revenue.
"""

from sim.core.model import Metric, Model
from sim.models.cloud.config import CloudScenario
from sim.models.cloud.market import simulate
from sim.models.cloud.tables import TABLES

__all__ = ["MODEL", "CloudScenario"]


def _charts(result, directory):
    from sim.models.cloud.charts import cloud_charts

    return cloud_charts(result, directory)


def _validation_cases():
    from sim.models.cloud.validation import validation_cases

    return validation_cases()


def _calibrate(scenario, out_path):
    from sim.models.cloud.calibration import calibrate

    return calibrate(scenario, out_path)


def _paired_report(baseline, scenario):
    from sim.models.cloud.payback import payback_report

    return payback_report(baseline, scenario)


MODEL = Model(
    name="cloud",
    tables=TABLES,
    description="China public-cloud market: price cuts, switching costs, rival responses, GenAI demand",
    config_type=CloudScenario,
    simulate=simulate,
    metrics=(
        Metric("alibaba_share_final", "share", "Alibaba's revenue share in the last quarter", kind="proportion",
               key=True),
        Metric("alibaba_workload_share_final", "share", "Alibaba's share of workloads in the last quarter",
               kind="proportion"),
        Metric("alibaba_revenue_final_rmb_bn_per_quarter", "RMB bn/quarter", "Alibaba's revenue, last quarter"),
        Metric("alibaba_genai_revenue_final_rmb_bn_per_quarter", "RMB bn/quarter",
               "Alibaba's model-API revenue, last quarter"),
        Metric("alibaba_contribution_margin_final", "share", "Alibaba's contribution margin (revenue less "
               "volume-driven unit cost, over revenue; before opex and depreciation, so not an EBITA "
               "margin), last quarter"),
        Metric("alibaba_cumulative_contribution_less_capex_rmb_bn", "RMB bn", "Alibaba's contribution less "
               "capex spend, summed over the horizon (not a profit: no opex, capex as cash)", key=True),
        Metric("alibaba_npv_rmb_bn", "RMB bn", "Alibaba's quarterly contribution less capex spend, discounted "
               "at market.discount_rate_per_year to the start quarter (no terminal value)", key=True),
        Metric("alibaba_share_gain_vs_no_cut_final", "share", "Alibaba's revenue share in the last quarter "
               "minus that of the scenario's no-cut twin (same streams: paired); NaN without a [cut]"),
        Metric("alibaba_npv_gain_vs_no_cut_rmb_bn", "RMB bn", "alibaba_npv_rmb_bn minus the no-cut twin's "
               "(same streams: paired); NaN without a [cut]"),
        Metric("alibaba_locked_in_share_final", "share", "share of Alibaba's workloads held by switching "
               "costs: re-choice probability of staying with them minus without them (last quarter)", kind="proportion"),
        Metric("market_revenue_final_rmb_bn_per_quarter", "RMB bn/quarter", "market revenue, last quarter"),
        Metric("revenue_hhi_final", "index", "Herfindahl index of revenue shares, last quarter"),
        Metric("unmet_demand_share", "share", "GenAI demand not served for lack of GPU capacity, over the "
               "horizon", kind="proportion"),
    ),
    validation_checks=_validation_cases,
    charts=_charts,
    calibrate=_calibrate,
    paired_report=_paired_report,
)
