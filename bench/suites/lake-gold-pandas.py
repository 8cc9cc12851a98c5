"""The seven gold models of lake/models/gold/*.sql written in pandas (on pyarrow's Parquet reader),
over the same Parquet files the DuckDB peer reads: the `lake` bench suite's pandas peer.

usage: python lake-gold-pandas.py DAY TRIPS.parquet PAYMENTS.parquet EVENTS.parquet
Prints one JSON line: {"seconds": wall time from the first read to the last result (interpreter
start and imports excluded), "rows": {model: rows}, "sums": {model: a checksum column's sum}}.
"""
import json
import sys
import time

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def read(path, day, date_col):
    t = pq.read_table(path)
    t = t.filter(pc.equal(t[date_col], pa.scalar(pd.Timestamp(day).date(), pa.date32())))
    # DECIMAL columns as float64 (pandas would make Python Decimal objects of them)
    t = t.cast(pa.schema([pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f for f in t.schema]))
    return t.to_pandas()


def main(day, trips_path, payments_path, events_path):
    t0 = time.perf_counter()
    out = {}
    trips = read(trips_path, day, "trip_date")
    payments = read(payments_path, day, "payment_date")
    events = read(events_path, day, "event_date")

    completed = trips["status"] == "completed"
    trips = trips.assign(completed=completed, cancelled=trips["status"] == "cancelled", fare_c=trips["fare"].where(completed))
    agg = dict(region_name=("region_name", "first"), trips=("trip_id", "size"), completed_trips=("completed", "sum"),
               cancelled_trips=("cancelled", "sum"), revenue=("fare_c", "sum"), avg_fare=("fare_c", "mean"))
    out["trips_region_hourly"] = trips.groupby(["region_id", "local_hour"], dropna=False).agg(**agg).reset_index()
    out["revenue_daily"] = trips.groupby("region_id", dropna=False).agg(**agg).reset_index()

    ok = payments["status"].isin(["completed", "refunded"])
    p = payments.assign(ok=ok, amount_ok=payments["amount"].where(ok))
    out["revenue_by_payment_method"] = p.groupby("method", dropna=False).agg(
        payments=("payment_id", "size"), completed_payments=("ok", "sum"), revenue=("amount_ok", "sum"), refunded=("refunded_amount", "sum")).reset_index()

    done = trips[completed & trips["driver_id"].notna()]
    per_driver = done.groupby("driver_id").agg(trips_completed=("trip_id", "size"), revenue=("fare", "sum"), distance_km=("distance_km", "sum"))
    rated = events[events["event_type"] == "DriverRated"]
    parsed = [json.loads(d) for d in rated["data"]]
    ratings = pd.DataFrame({"driver_id": [d.get("driver_id") for d in parsed], "rating": pd.to_numeric([d.get("rating") for d in parsed], errors="coerce")})
    per_rating = ratings.groupby("driver_id", dropna=False).agg(ratings=("rating", "size"), avg_rating=("rating", "mean"))
    drv = per_driver.join(per_rating, how="outer")
    drv[["trips_completed", "revenue", "distance_km", "ratings"]] = drv[["trips_completed", "revenue", "distance_km", "ratings"]].fillna(0)
    out["driver_daily_stats"] = drv.reset_index()

    p = payments.assign(fraud=payments["known_fraud_flag"].fillna(False).astype(bool), high=payments["is_high_value"].astype(bool))
    fr = p.groupby("region_id", dropna=False).agg(region_name=("region_name", "first"), payments=("payment_id", "size"), fraud_payments=("fraud", "sum"), high_value_payments=("high", "sum"))
    fr["fraud_rate"] = fr["fraud_payments"] / fr["payments"]
    out["fraud_rate_region_daily"] = fr.reset_index()

    p = p.assign(window_start=(p["initiated_at"] // 600000) * 600000)
    w = p.groupby(["window_start", "region_id", "method"], dropna=False).agg(
        tx_count=("payment_id", "size"), revenue=("amount", "sum"), avg_value=("amount", "mean"), fraud=("fraud", "sum"), distinct_users=("user_id", "nunique"))
    w["fraud_rate"] = w["fraud"] / w["tx_count"]
    out["payment_windows_10m"] = w.reset_index()

    p = p.assign(hour=(p["initiated_at"] // 3600000) % 24)
    for m in ["card", "cash", "wallet", "crypto"]:
        p[f"is_{m}"] = p["method"] == m
    h = p.groupby("hour").agg(payments=("payment_id", "size"), revenue=("amount", "sum"), avg_value=("amount", "mean"),
                              card_payments=("is_card", "sum"), cash_payments=("is_cash", "sum"), wallet_payments=("is_wallet", "sum"), crypto_payments=("is_crypto", "sum"),
                              fraud=("fraud", "sum"), high=("high", "sum"), distinct_users=("user_id", "nunique"))
    h["fraud_rate"] = h["fraud"] / h["payments"]
    h["high_value_rate"] = h["high"] / h["payments"]
    out["platform_hourly"] = h.reset_index()
    seconds = time.perf_counter() - t0

    check = {"trips_region_hourly": "trips", "revenue_daily": "revenue", "revenue_by_payment_method": "revenue", "driver_daily_stats": "ratings",
             "fraud_rate_region_daily": "fraud_payments", "payment_windows_10m": "distinct_users", "platform_hourly": "distinct_users"}
    print(json.dumps({"seconds": seconds, "rows": {k: int(len(v)) for k, v in out.items()}, "sums": {k: float(out[k][c].sum()) for k, c in check.items()}}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
