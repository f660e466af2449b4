"""The five-day promise in the Cainiao model: which of its orders AliExpress promises, and what that is worth.

Assumptions (`config.PromiseParameters`): what the promise is worth to the shopper varies across AliExpress's
items, uniformly on [0, V] RMB an order; AliExpress promises the items worth at least a threshold t to their
shoppers, a share phi(t) = 1 - t / V of its orders, and pays Cainiao the promise price w_p on each promised
parcel on top of the transfer price. Shoppers value the platform by the promise's mean worth over its items,
S(t) = (V^2 - t^2) / (2 V) RMB an order: the demand curve shifts up by S(t) (a representative shopper). AliExpress
then maximises (P - w - w_p phi(t)) Q(P - S(t)) over P and t (`model.aliexpress_response`: numerical, over t by
`optimise.maximise`, the retail price given t by `aliexpress_best_response`; no closed form). Cainiao's cost of a promised
parcel is c_p on top of c; the promise price carries the transfer price's markup over cost (`promise_price`):
c_p as infrastructure, c_p (1 + markup) under cost plus, c_p w / c under standalone (arm's length: one markup on
every service Cainiao sells the group).
"""

from __future__ import annotations

__all__ = ["promised_share", "promise_worth", "promise_price"]


def promised_share(threshold_rmb: float, value_max_rmb: float) -> float:
    """phi(t): the share of orders whose promise is worth at least t (values uniform on [0, V])."""
    return min(max(1.0 - threshold_rmb / value_max_rmb, 0.0), 1.0)


def promise_worth(threshold_rmb: float, value_max_rmb: float) -> float:
    """S(t): the promise's mean worth per order, RMB, when the orders worth at least t carry it."""
    t = min(max(threshold_rmb, 0.0), value_max_rmb)
    return (value_max_rmb * value_max_rmb - t * t) / (2.0 * value_max_rmb)


def promise_price(transfer_price: float, marginal_cost: float, promise_cost: float) -> float:
    """w_p = c_p w / c: the promise priced at the transfer price's markup over cost, whatever the regime."""
    return promise_cost * transfer_price / marginal_cost
