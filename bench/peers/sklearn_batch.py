"""scikit-learn's own in-process throughput on a batch: rows/s of predict_proba for the fraud forest."""
import json
import sys
import time

import pandas as pd

from models import FEATURES, LOADED

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
sample = pd.read_csv(__import__("models").MODELS.parent / "data" / "transactions-sample.csv")[FEATURES["fraud"]].astype(float)
frame = pd.concat([sample] * (rows // len(sample) + 1)).head(rows).reset_index(drop=True)
model = LOADED["fraud"]
model.predict_proba(frame)
runs, started = 0, time.perf_counter()
while time.perf_counter() - started < 3:
    model.predict_proba(frame)
    runs += 1
elapsed = time.perf_counter() - started
print(json.dumps({"rows": rows, "rows_per_s": rows * runs / elapsed}))
