"""``python -m pandas_job IN.csv OUT_DIR``: reads a CSV of (region, product, units, price),
sums units and revenue per region with pandas/NumPy, writes the result as Parquet with
pyarrow, reads it back, checks it round-trips exactly, and prints one JSON line:
the per-region sums (for the caller to compare with its own arithmetic), the row counts and
the SHA-256 of the Parquet file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.parquet as pq


def main(csv_path: str, out_dir: str) -> None:
    df = pd.read_csv(csv_path, dtype={"region": "string", "product": "string", "units": "int64", "price_cents": "int64"})
    df["revenue_cents"] = df["units"].to_numpy(dtype=np.int64) * df["price_cents"].to_numpy(dtype=np.int64)
    grouped = (
        df.groupby("region", sort=True)
        .agg(units=("units", "sum"), revenue_cents=("revenue_cents", "sum"), rows=("units", "size"))
        .reset_index()
    )
    out = Path(out_dir) / "by_region.parquet"
    grouped.to_parquet(out, engine="pyarrow", index=False)
    back = pd.read_parquet(out, engine="pyarrow")
    pd.testing.assert_frame_equal(back, grouped, check_dtype=False)
    table = pq.read_table(out)
    print(json.dumps({
        "input_rows": int(len(df)),
        "groups": {r.region: {"units": int(r.units), "revenue_cents": int(r.revenue_cents), "rows": int(r.rows)} for r in back.itertuples()},
        "parquet_rows": table.num_rows,
        "parquet_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "versions": {"pandas": pd.__version__, "numpy": np.__version__, "pyarrow": pyarrow.__version__},
    }, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m pandas_job IN.csv OUT_DIR")
    main(sys.argv[1], sys.argv[2])
