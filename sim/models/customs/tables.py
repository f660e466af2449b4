"""The customs model's tables: each column's unit and description (written as Parquet metadata)."""

from sim.core.model import Column, TableSpec

TABLES = (
    TableSpec("hourly", "replication and hour from t = 0", {
        "hour": Column("h", "hour index from t = 0 (the row covers [hour, hour + 1))"),
        "arrivals": Column("parcels", "parcels arriving in the hour"),
        "mean_queue_length": Column("parcels", "parcels waiting for an officer, time average over the hour"),
        "busy_officers": Column("officers", "officers clearing a parcel, time average over the hour"),
    }),
    TableSpec("parcels", "parcel (with customs.record_parcels = true)", {
        "parcel": Column("-", "parcel index in arrival order"),
        "arrival_hours": Column("h", "arrival time, hours from t = 0"),
        "wait_hours": Column("h", "time waiting for an officer"),
        "clearance_hours": Column("h", "clearance (service) time"),
        "departure_hours": Column("h", "departure time, hours from t = 0"),
        "after_warmup": Column("-", "true if the parcel arrived after the warm-up (counted in the metrics)"),
    }),
)
