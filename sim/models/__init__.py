"""The models. Each folder builds one `sim.core.model.Model` called `MODEL`; `sim.scenario` registers it."""
