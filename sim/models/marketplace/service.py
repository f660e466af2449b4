"""AI 1.0 customer service: the contact centre behind the marketplace's orders (`config.Service`).

Time in days, as in the market; handling times and waits are reported in minutes. Day d's orders (at
d + 0.5) each make a contact with probability p = contact share + extra share x late-delivery share; the
day's contacts arrive at d + 0.5 + sorted uniforms on [0, 1) (given a Poisson count these are the epochs of a
Poisson process, so Poisson orders give Poisson contacts at a constant rate: the M/M/c case `sim validate`
checks against Erlang C, `sim.theory.queueing`). A bot resolves a contact with probability r at once; the
others queue first come first served for c human agents on the monitored queue (`sim.core.queue`), with
exponential handling times. Nothing feeds back into the market (assumption: service quality does not move
demand), so the contact centre runs after it, in its own SimPy environment, until the last contact is served.

Streams: "service_contacts" (contacts per day, then their arrival moments), "service_bot" (which the bot
resolves), "service_handling" (handling times).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.core.queue import MonitoredResource
from sim.core.rng import Streams
from sim.models.marketplace.config import Service

__all__ = ["run_contact_centre", "CONTACTS", "BOT_RESOLVED", "HUMAN_CONTACTS", "WAIT_MINUTES", "WAITED",
           "HANDLING_MINUTES", "SERVICE_COLUMNS"]

MINUTES_PER_DAY = 1440.0
#: columns of the per-day service array (D, SERVICE_COLUMNS), by the day the contacts arrived for
CONTACTS, BOT_RESOLVED, HUMAN_CONTACTS, WAIT_MINUTES, WAITED, HANDLING_MINUTES = range(6)
SERVICE_COLUMNS = 6


def contact(env: simpy.Environment, agents: MonitoredResource, handling_days: float
            ) -> Generator[simpy.Event, Any, None]:
    """A contact the bot did not resolve: waits for a human agent (the resource records the wait), is handled."""
    with agents.request() as request:
        yield request
        yield env.timeout(handling_days)


def contact_arrivals(env: simpy.Environment, agents: MonitoredResource, arrival_days: list[float],
                     handling_days: list[float]) -> Generator[simpy.Event, Any, None]:
    """The human-handled contacts, each starting its `contact` process at its arrival moment."""
    for arrival, handling in zip(arrival_days, handling_days):
        yield env.timeout(arrival - env.now)
        env.process(contact(env, agents, handling))


def run_contact_centre(service: Service, orders_per_day: NDArray[np.int64], streams: Streams
                       ) -> NDArray[np.float64]:
    """The contact centre over the days of `orders_per_day`: per day of arrival (D, SERVICE_COLUMNS), the
    contacts, those the bot resolved, those handled by humans, the humans' summed wait (minutes), how many of
    them waited (wait > 0) and their summed handling time (minutes)."""
    days = orders_per_day.size
    draws = streams["service_contacts"]
    contacts = draws.binomial(orders_per_day, service.contact_probability)
    day_of_contact = np.repeat(np.arange(days), contacts)
    arrivals = day_of_contact + 0.5 + draws.random(day_of_contact.size)
    order = np.lexsort((arrivals, day_of_contact))  # sorted within each day, days in order
    arrivals, day_of_contact = arrivals[order], day_of_contact[order]
    by_bot = streams["service_bot"].random(arrivals.size) < service.bot_resolution_share
    human_arrivals, human_days = arrivals[~by_bot], day_of_contact[~by_bot]
    handling = streams["service_handling"].exponential(service.handling_minutes / MINUTES_PER_DAY, human_arrivals.size)
    env = simpy.Environment()
    agents = MonitoredResource(env, capacity=service.human_agents)
    env.process(contact_arrivals(env, agents, human_arrivals.tolist(), handling.tolist()))
    env.run()
    waits = agents.user_records()["wait"] * MINUTES_PER_DAY  # grant order = arrival order (first come first served)
    table = np.zeros((days, SERVICE_COLUMNS))
    table[:, CONTACTS] = contacts
    table[:, BOT_RESOLVED] = np.bincount(day_of_contact[by_bot], minlength=days)
    table[:, HUMAN_CONTACTS] = np.bincount(human_days, minlength=days)
    table[:, WAIT_MINUTES] = np.bincount(human_days, weights=waits, minlength=days)
    table[:, WAITED] = np.bincount(human_days, weights=(waits > 0.0).astype(np.float64), minlength=days)
    table[:, HANDLING_MINUTES] = np.bincount(human_days, weights=handling * MINUTES_PER_DAY, minlength=days)
    return table
