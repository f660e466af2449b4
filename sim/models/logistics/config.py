"""Scenario schema of the cross-border logistics model (China -> Spain under a delivery guarantee).

Units are in the key names: `_hours`, `_days`, `_eur`, `_per_day`, `_kg`. The simulation clock runs in
hours from t = 0 at 00:00 (Spanish local time) of `calendar.start_date`; every hour-of-day key below is
Spanish local time, so Chinese-side schedules are given already converted. Defaults live here, never in
model code.

Daylight saving time is not modelled: every day has 24 hours and every fixed hour keeps its Spanish
wall-clock value all year. Where a horizon crosses a change (CEST -> CET on the last Sunday of October, e.g.
2025-10-26, inside the default horizon), the real day of the change has 25 hours, and Chinese-side times
(China keeps UTC+8 all year) move one hour earlier in Spanish time after it (a 02:00 CEST departure becomes
01:00 CET). The model keeps them where they were: an error of at most one hour on the Chinese-side
cut-offs, against transit times of days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.core.config import FiniteFloat, NonNegative, Positive, Probability, ScenarioConfig, StrictModel

__all__ = [
    "CalendarParameters", "PeakPeriod", "DemandParameters", "ThirdPartyDemandParameters", "MerchantParameters", "FirstMileParameters",
    "OriginHubParameters", "LineHaulParameters", "DestinationHubParameters", "CustomsStageParameters",
    "LastMileParameters", "ForwardStockParameters", "GuaranteeParameters", "CostParameters",
    "LogisticsParameters", "LogisticsScenario",
]

# Dates come from TOML as date objects and from `sim show` / dumps as ISO strings: accept both.
Date = Annotated[dt.date, Field(strict=False)]
HourOfDay = Annotated[FiniteFloat, Field(ge=0.0, lt=24.0)]
Weekday = Annotated[int, Field(ge=0, le=6)]  # 0 = Monday

# Upper bounds that keep every sum, product and draw the model forms finite (a scenario that passes them runs
# and reports finite metrics). Each is a modelling limit far above the shipped scenarios (assumption), stated
# in the field's description and printed by `sim show --keys`.
#: assumption: no stage or handling time of the chain lasts longer than a year
StageHours = Annotated[FiniteFloat, Field(ge=0.0, le=8760.0, description="hours, at most 8760 (a year)")]
MeanHours = Annotated[FiniteFloat, Field(gt=0.0, le=8760.0, description="hours, at most 8760 (a year)")]
#: assumption: ten million orders a day is above any national parcel market's daily flow
DailyOrders = Annotated[FiniteFloat, Field(le=10_000_000, description="per day, at most 1e7")]
#: assumption: a unit cost of the chain (per parcel, item, kg or attempt) stays below a million euros
UnitCost = Annotated[FiniteFloat, Field(ge=0.0, le=1_000_000, description="EUR, at most 1e6 per unit")]
#: assumption: a fixed cost stays below a billion euros per flight-week, officer shift or hub shift
FixedCost = Annotated[FiniteFloat, Field(ge=0.0, le=1_000_000_000, description="EUR, at most 1e9 per period")]
#: assumption: a negative binomial of size above a million is Poisson for any daily mean the model takes
Dispersion = Annotated[FiniteFloat, Field(gt=0.0, le=1_000_000)]
#: assumption: a weekday's demand is at most a hundred times another's (as a peak multiplier)
WeekdayFactor = Annotated[FiniteFloat, Field(gt=0.0, le=100.0)]
#: assumption: an hour's weight is at most a million times another's
HourWeight = Annotated[FiniteFloat, Field(ge=0.0, le=1_000_000)]
#: assumption: a parcel's item is worth at most a million euros
ItemValueEur = Annotated[FiniteFloat, Field(gt=0.0, le=1_000_000, description="EUR, at most 1e6")]
#: assumption: a parcel, not freight: at most a tonne
ParcelKg = Annotated[FiniteFloat, Field(gt=0.0, le=1000.0, description="kg, at most 1000 (a parcel)")]
#: assumption: a delivery time a shopper holds is at most a year of business days
BusinessDays = Annotated[FiniteFloat, Field(gt=0.0, le=365.0, description="business days, at most 365")]


def _sorted_unique(values: Sequence[float], name: str) -> None:
    if list(values) != sorted(set(values)):
        raise ValueError(f"{name} must be strictly increasing without repeats (got {list(values)})")


class CalendarParameters(StrictModel):
    """The Spanish calendar: `start_date` is day 0 of the clock; `holidays` are non-business days in Spain
    (the promise's business days and the last-mile delivery days skip them)."""

    start_date: Date = dt.date(2025, 10, 6)
    holidays: list[Date] = Field(default_factory=list)
    business_weekdays: list[Weekday] = Field(default_factory=lambda: [0, 1, 2, 3, 4])

    @model_validator(mode="after")
    def _check(self) -> "CalendarParameters":
        _sorted_unique(self.business_weekdays, "business_weekdays")
        if not self.business_weekdays:
            raise ValueError("business_weekdays must name at least one weekday (0 = Monday)")
        return self


class PeakPeriod(StrictModel):
    """Demand multiplied by `multiplier` on `days` consecutive days from `date` (e.g. 11.11)."""

    date: Date
    multiplier: Annotated[FiniteFloat, Field(ge=1.0, le=100.0, description="times the normal day's demand")]
    days: int = Field(default=1, ge=1, le=60)


class OrderStream(StrictModel):
    """What the two parcel classes' demand shares: the day's count (Poisson, or negative binomial of size
    `dispersion` around the seasonal mean) shaped by weekday factors, peaks and the hourly profile, and each
    parcel's item value and weight (lognormal, medians and log-sds)."""

    dispersion: Dispersion | None = Field(default=None, description="negative binomial size, at most 1e6; "
                                                                    "absent = Poisson")
    weekday_factors: list[WeekdayFactor] = Field(default_factory=lambda: [1.0] * 7,
                                                 description="relative demand of each weekday, Monday first, "
                                                             "each in (0, 100]")
    hourly_profile: list[HourWeight] = Field(default_factory=lambda: [1.0] * 24,
                                             description="relative weight of each hour, hour 0 first, each in "
                                                         "[0, 1e6]")
    peaks: list[PeakPeriod] = Field(default_factory=list)
    item_value_eur_median: ItemValueEur = 7.0
    item_value_sigma: Annotated[FiniteFloat, Field(ge=0.0, le=3.0, description="sd of log item value")] = 0.6
    weight_kg_median: ParcelKg = 0.25
    weight_sigma: Annotated[FiniteFloat, Field(ge=0.0, le=3.0, description="sd of log weight")] = 0.5

    @model_validator(mode="after")
    def _check(self) -> "OrderStream":
        if len(self.weekday_factors) != 7:
            raise ValueError(f"weekday_factors needs 7 values, Monday first (got {len(self.weekday_factors)})")
        if len(self.hourly_profile) != 24:
            raise ValueError(f"hourly_profile needs 24 values, hour 0 first (got {len(self.hourly_profile)})")
        if sum(self.hourly_profile) <= 0.0:
            raise ValueError("hourly_profile must have at least one positive value")
        return self


class DemandParameters(OrderStream):
    """Shoppers visit each day (Poisson, or negative binomial of size `dispersion` around the seasonal
    mean), each visit is one customer of a fixed population, and a visit becomes an order with the
    binary-logit probability of the customer's utility: `base_utility` + the delivery-response shift from
    the promise and the customer's own history of late and kept deliveries (sim.kernels). With
    `feedback = false` the history is ignored, so the order stream does not depend on the network.

    Delivery times the shoppers hold, in business days: `reference_days` (R) for an item shown without a
    promise, `expected_days` (E) for an item shown with one (unset: they believe the promise, E = P). The
    speed term is b_E (E - R), linear (`speed_response = "linear"`) or flat outside the range Fisher et al.
    (2019) measured (`"flat_outside_measured"`, the lower bracket); the promise term acts on E - P."""

    shoppers_per_day: Annotated[DailyOrders, Field(gt=0.0)]
    customers: int = Field(ge=1, le=50_000_000)
    base_utility: FiniteFloat = Field(ge=-20.0, le=20.0, description="logit utility units")
    reference_days: BusinessDays = 7.0
    expected_days: BusinessDays | None = None
    speed_response: Literal["linear", "flat_outside_measured"] = "linear"
    utility_per_late_delivery: FiniteFloat = Field(default=-0.10, le=0.0, description="logit utility units")
    utility_per_kept_promise: FiniteFloat = Field(default=0.02, ge=0.0, description="logit utility units")
    feedback: bool = True
    choice_share: Probability = 1.0


class ThirdPartyDemandParameters(OrderStream):
    """The second parcel class: other merchants' parcels carried on the same pick-ups, line, flights and
    customs as the group's (Cainiao as infrastructure). `parcels_per_day` orders a day (Poisson, or negative
    binomial of size `dispersion`) x weekday factor x peak multiplier, placed in the day by `hourly_profile`;
    each ships as a `direct` merchant's parcel (no Choice consolidation, no forward stock) and carries the
    scenario's guarantee only when `promised` (then the guarantee module's rule and compensation apply, as
    for the group's); an unpromised parcel's on-time share is reported against the same target. They never
    join the group's customer population (no delivery feedback). With `parcels_per_day = 0` the run is the
    one-class run, table for table."""

    parcels_per_day: Annotated[DailyOrders, Field(ge=0.0)] = 0.0
    promised: bool = False


class MerchantParameters(StrictModel):
    """Handling time from order to parcel ready for pick-up: `min + exponential(mean - min)`, by merchant
    type ("choice": consolidated Cainiao stock; "direct": the merchant ships)."""

    choice_min_hours: StageHours = 4.0
    choice_mean_hours: MeanHours = 10.0
    direct_min_hours: StageHours = 12.0
    direct_mean_hours: MeanHours = 36.0

    @model_validator(mode="after")
    def _check(self) -> "MerchantParameters":
        for kind in ("choice", "direct"):
            lo, mean = getattr(self, f"{kind}_min_hours"), getattr(self, f"{kind}_mean_hours")
            if mean < lo:
                raise ValueError(f"{kind}_mean_hours ({mean:g}) must be at least {kind}_min_hours ({lo:g})")
        return self


class FirstMileParameters(StrictModel):
    """Pick-ups at fixed hours every day; a parcel ready at or before a pick-up leaves with it and reaches
    the origin hub `transit_hours` later."""

    pickup_hours: list[HourOfDay] = Field(default_factory=lambda: [4.0, 12.0])
    transit_hours: StageHours = 3.0

    @model_validator(mode="after")
    def _check(self) -> "FirstMileParameters":
        if not self.pickup_hours:
            raise ValueError("pickup_hours needs at least one pick-up hour")
        _sorted_unique(self.pickup_hours, "pickup_hours")
        return self


class OriginHubParameters(StrictModel):
    """One sortation line, first come first served, sorting `capacity_per_shift` parcels evenly over each
    shift (a parcel is only started if it can finish within the shift). Shifts repeat every day and all have
    one length, as the capacity is per shift."""

    shifts_hours: list[Annotated[list[Annotated[FiniteFloat, Field(ge=0.0, le=24.0)]], Field(min_length=2, max_length=2)]] \
        = Field(default_factory=lambda: [[0.0, 8.0], [8.0, 16.0], [16.0, 24.0]])
    capacity_per_shift: int = Field(ge=1, le=100_000_000)

    @model_validator(mode="after")
    def _check(self) -> "OriginHubParameters":
        if not self.shifts_hours:
            raise ValueError("shifts_hours needs at least one [start, end] shift")
        previous_end = 0.0
        for start, end in self.shifts_hours:
            if end <= start:
                raise ValueError(f"a shift must end after it starts (got [{start:g}, {end:g}])")
            if start < previous_end:
                raise ValueError("shifts_hours must be in order and must not overlap")
            previous_end = end
        lengths = [end - start for start, end in self.shifts_hours]
        if not all(math.isclose(length, lengths[0], rel_tol=1e-9, abs_tol=1e-9) for length in lengths):
            raise ValueError(f"all shifts must have the same length, as capacity_per_shift is per shift (got "
                             f"{', '.join(f'{length:g}' for length in lengths)} hours)")
        return self


class LineHaulParameters(StrictModel):
    """Scheduled flights: each day in `weekdays`, one departure at each of `departure_hours`. A flight
    takes sorted parcels that are ready `cutoff_hours` before departure, first come first served (with two
    parcel classes: as `allocation` says), up to `capacity_parcels`; the rest are offloaded to the next flight. A cancelled flight takes nobody.
    `service` says how the capacity is bought, which sets its costs (`sim.models.logistics.costs`):
    `"dedicated"` flights (charter or block space, paid per flight-week and per kg) or `"consolidated"`
    economy space via a transit hub (paid per kg and per parcel)."""

    service: Literal["dedicated", "consolidated"] = "dedicated"

    departure_hours: list[HourOfDay] = Field(default_factory=lambda: [2.0, 14.0])
    weekdays: list[Weekday] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5, 6])
    cutoff_hours: StageHours = 3.0
    capacity_parcels: int = Field(ge=1, le=100_000_000)
    flight_hours: MeanHours = 16.0
    cancellation_probability: Probability = 0.0
    loss_probability: Probability = 0.0

    @model_validator(mode="after")
    def _check(self) -> "LineHaulParameters":
        if not self.departure_hours:
            raise ValueError("departure_hours needs at least one departure")
        _sorted_unique(self.departure_hours, "departure_hours")
        _sorted_unique(self.weekdays, "weekdays")
        if not self.weekdays:
            raise ValueError("weekdays needs at least one day with flights")
        if self.cancellation_probability >= 1.0:
            raise ValueError("cancellation_probability must be below 1, or no parcel ever leaves")
        return self


class DestinationHubParameters(StrictModel):
    """Unloading and handover to customs after the flight lands (a fixed time)."""

    handling_hours: StageHours = 4.0


class CustomsStageParameters(StrictModel):
    """Pre-cleared parcels are released after `pre_cleared_release_hours`; standard parcels queue for
    `officers` (M/M/c-type, first come first served, or the group's first under `allocation = "priority"`;
    exponential clearance at `clearance_rate_per_hour` per officer, via
    `sim.models.customs.CustomsOffice`). Any parcel is inspected with `inspection_probability` (held a
    further `inspection_hold_hours`) and refused, then returned, with `refusal_probability`."""

    officers: int = Field(ge=1, le=100_000)
    clearance_rate_per_hour: Positive
    pre_cleared_share: Probability = 0.0
    pre_cleared_release_hours: StageHours = 1.0
    inspection_probability: Probability = 0.0
    inspection_hold_hours: StageHours = 24.0
    refusal_probability: Probability = 0.0


class LastMileParameters(StrictModel):
    """From customs to the delivery station in `transfer_hours`; then delivery waves on delivery days
    (`delivery_weekdays`, Spanish holidays skipped) starting at `wave_hours`; a parcel must reach the
    station `wave_cutoff_hours` before a wave; it is delivered uniformly within `wave_duration_hours`.
    A failed attempt is retried in the first wave of the next delivery day; after `max_attempts` failures
    the parcel is returned. `service` sets the price per attempt (`sim.models.logistics.costs`): an
    `"express"` carrier or the `"postal"` round."""

    service: Literal["express", "postal"] = "express"

    transfer_hours: StageHours = 10.0
    wave_hours: list[HourOfDay] = Field(default_factory=lambda: [8.0, 14.0])
    wave_cutoff_hours: StageHours = 1.0
    wave_duration_hours: StageHours = 6.0
    delivery_weekdays: list[Weekday] = Field(default_factory=lambda: [0, 1, 2, 3, 4, 5])
    failed_attempt_probability: Probability = 0.0
    max_attempts: int = Field(default=3, ge=1, le=4)

    @model_validator(mode="after")
    def _check(self) -> "LastMileParameters":
        if not self.wave_hours:
            raise ValueError("wave_hours needs at least one wave")
        _sorted_unique(self.wave_hours, "wave_hours")
        _sorted_unique(self.delivery_weekdays, "delivery_weekdays")
        if not self.delivery_weekdays:
            raise ValueError("delivery_weekdays needs at least one weekday")
        if self.failed_attempt_probability >= 1.0:
            raise ValueError("failed_attempt_probability must be below 1")
        return self


class ForwardStockParameters(StrictModel):
    """A `share` of Choice items ships from a Spanish warehouse: picked and packed in `handling_hours`,
    then straight to the last mile."""

    share: Probability = 0.0
    handling_hours: StageHours = 6.0


class GuaranteeParameters(StrictModel):
    """The delivery promise: `promised_days` (0 = no promise) counted in `day_count` days from
    `counted_from`: `"order_moment"`, the moment of the order (a parcel ordered at 14:30 on day 0 with a
    5-day promise is due by 14:30 on the fifth day after), or `"order_date_end"`, by the end (24:00) of the
    fifth (business) day after the order date; `applies_to` says which items carry it. A late promised parcel earns
    a coupon of `coupon_eur` or a refund of `refund_share` of its value. With no promise, `kpi_days` is the
    target the on-time share is reported against. The rule itself lives in
    `sim.models.logistics.guarantee`."""

    promised_days: int = Field(default=5, ge=0, le=60)
    day_count: Literal["business", "calendar"] = "business"
    counted_from: Literal["order_moment", "order_date_end"] = "order_moment"
    applies_to: Literal["choice", "all"] = "choice"
    compensation: Literal["coupon", "refund"] = "coupon"
    coupon_eur: NonNegative = 0.92
    refund_share: Probability = 0.0
    kpi_days: int = Field(default=5, ge=1, le=60)


class CostParameters(StrictModel):
    """Cost per parcel at each stage (EUR), charged when the parcel passes the stage, and fixed costs of
    capacity (EUR per flight-week, officer shift, hub shift; `sim.models.logistics.costs`). No defaults for
    the per-parcel costs: every scenario states each with its source or the word `assumption` (the shipped
    ones inherit them from `aliexpress_spain_5day.toml`), so a cost has one source of truth. The fixed costs
    are 0 unless set. `air_freight_eur_per_kg` is the rate of a dedicated line haul; a consolidated one pays
    `consolidated_air_eur_per_kg`, `transit_hub_eur` and `road_feeder_eur` instead;
    `last_mile_eur_per_attempt` is the express carrier's rate, a postal last mile pays
    `postal_last_mile_eur_per_attempt`."""

    merchant_handling_eur: UnitCost
    first_mile_eur: UnitCost
    origin_hub_eur: UnitCost
    air_freight_eur_per_kg: UnitCost
    consolidated_air_eur_per_kg: UnitCost
    transit_hub_eur: UnitCost
    road_feeder_eur: UnitCost
    destination_hub_eur: UnitCost
    customs_clearance_eur: UnitCost
    duty_per_item_eur: UnitCost
    handling_fee_per_item_eur: UnitCost
    warehouse_handling_fee_per_item_eur: UnitCost
    last_mile_eur_per_attempt: UnitCost
    postal_last_mile_eur_per_attempt: UnitCost
    forward_inbound_eur_per_kg: UnitCost
    forward_warehouse_eur: UnitCost
    stock_holding_eur_per_item: UnitCost
    fixed_eur_per_flight_week: FixedCost = 0.0
    fixed_eur_per_officer_shift: FixedCost = 0.0
    fixed_eur_per_hub_shift: FixedCost = 0.0


class LogisticsParameters(StrictModel):
    fidelity: Literal["parcel", "batch"] = "parcel"
    record_parcels: bool = False
    drain_days: int = Field(default=40, ge=1, le=400)
    calendar: CalendarParameters = Field(default_factory=CalendarParameters)
    demand: DemandParameters
    #: the second parcel class (other merchants' parcels); absent or at 0 parcels a day: one class
    third_party: ThirdPartyDemandParameters | None = None
    #: how flights and customs share capacity between the classes: "priority" serves group parcels first
    #: (non-preemptive: a parcel in service or aboard is never displaced), "fcfs" in order of arrival
    allocation: Literal["priority", "fcfs"] = "fcfs"
    merchant: MerchantParameters = Field(default_factory=MerchantParameters)
    first_mile: FirstMileParameters = Field(default_factory=FirstMileParameters)
    origin_hub: OriginHubParameters
    line_haul: LineHaulParameters
    destination_hub: DestinationHubParameters = Field(default_factory=DestinationHubParameters)
    customs: CustomsStageParameters
    last_mile: LastMileParameters = Field(default_factory=LastMileParameters)
    forward_stock: ForwardStockParameters = Field(default_factory=ForwardStockParameters)
    guarantee: GuaranteeParameters = Field(default_factory=GuaranteeParameters)
    costs: CostParameters

    @property
    def two_classes(self) -> bool:
        """Whether third-party parcels ride along (the per-class table, and priority if chosen, apply)."""
        return self.third_party is not None and self.third_party.parcels_per_day > 0.0


class LogisticsScenario(ScenarioConfig):
    logistics: LogisticsParameters
