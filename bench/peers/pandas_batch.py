"""The pandas + scikit-learn batch pipeline `modelport predict` is measured against: read_csv (usecols and dtypes
given), the fraud forest's predict_proba, to_csv with the same columns (id, label, one probability per class).
The forest keeps the n_jobs it was pickled with (printed); numpy/OpenMP threads are left at their defaults.

usage: pandas_batch.py INPUT.csv|INPUT.parquet OUTPUT.csv  → prints one JSON line: rows, seconds, n_jobs
"""
import json
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

MODEL = Path(__file__).resolve().parents[2] / "examples" / "models" / "fraud" / "1" / "fraud.joblib"
FEATURES = ["amount", "hour", "distance_from_home_km", "minutes_since_last", "transactions_last_24h", "card_present",
            "foreign", "merchant_risk"]
DTYPES = {"id": str, "amount": np.float64, "hour": np.int64, "distance_from_home_km": np.float64,
          "minutes_since_last": np.float64, "transactions_last_24h": np.int64, "card_present": np.int64,
          "foreign": np.int64, "merchant_risk": np.float64}
LABELS = {0: "legitimate", 1: "fraud"}  # examples/models/fraud/model.yaml

source, target = sys.argv[1], sys.argv[2]
model = joblib.load(MODEL)
started = time.perf_counter()
if source.endswith(".parquet"):
    frame = pd.read_parquet(source, columns=["id", *FEATURES])  # needs pyarrow or fastparquet
else:
    frame = pd.read_csv(source, usecols=["id", *FEATURES], dtype=DTYPES)
proba = model.predict_proba(frame[FEATURES])
classes = [LABELS[c] for c in model.classes_]
out = pd.DataFrame({"id": frame["id"], "label": np.take(classes, proba.argmax(axis=1))})
for i, name in enumerate(classes):
    out[f"probability_{name}"] = proba[:, i]
out.to_csv(target, index=False)
print(json.dumps({"rows": len(frame), "seconds": time.perf_counter() - started, "n_jobs": model.n_jobs}))
