"""Reads a Delta table with delta-rs (deltalake) and, independently, its files with pyarrow; prints JSON.

usage: read-delta.py <table-uri> [version|-] [storage-options-json]
out: {"version", "partition_columns", "schema", "history", "rows" (delta-rs -> pandas, sorted),
      "pyarrow_rows" (pyarrow.parquet over the files delta-rs lists, partition values from the log)}
"""
import json
import sys
import decimal
import datetime

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable


def plain(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, (pd.Timestamp, datetime.datetime)):
        ts = pd.Timestamp(v)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bytes):
        return v.hex()
    if hasattr(v, "item"):
        return v.item()
    return v


def rows_of(df):
    out = [{k: plain(v) for k, v in r.items()} for r in df.to_dict(orient="records")]
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True))


uri = sys.argv[1]
version = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "-" else None
opts = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
t = DeltaTable(uri, version=version, storage_options=opts)
df = t.to_pandas()
meta = t.metadata()
fields = [{"name": f.name, "type": str(f.type.type) if hasattr(f.type, "type") else str(f.type)} for f in t.schema().fields]

# pyarrow alone: the files of the snapshot delta-rs resolved, partition values from the add actions
adds = pa.table(t.get_add_actions(flatten=False)).to_pylist()
frames = []
if opts is None:
    base = uri.rstrip("/")
    for a in adds:
        tbl = pq.read_table(f"{base}/{a['path']}").to_pandas()
        for k, v in (a.get("partition_values") or {}).items():
            tbl[k] = v
        frames.append(tbl)
pa_rows = len(pd.concat(frames)) if frames else (0 if opts is None else None)

print(json.dumps({
    "version": t.version(),
    "partition_columns": list(meta.partition_columns),
    "schema": fields,
    "history": [{"version": h.get("version"), "operation": h.get("operation")} for h in t.history()],
    "rows": rows_of(df),
    "pyarrow_row_count": pa_rows,
    "num_files": len(adds),
}))
