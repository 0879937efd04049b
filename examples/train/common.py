"""Shared by the example training scripts: where artifacts go and how expected answers are recorded."""
import json
from pathlib import Path

import pandas as pd

EXAMPLES = Path(__file__).resolve().parent.parent
MODELS = EXAMPLES / "models"
DATA = EXAMPLES / "data"
EXPECTED = EXAMPLES / "expected"


def version_dir(name):
    d = MODELS / name / "1"
    d.mkdir(parents=True, exist_ok=True)
    return d


def write_manifest(name, text):
    (MODELS / name / "model.yaml").write_text(text.lstrip())


def write_expected(name, requests):
    """requests: what each seed-style request sends and what scikit-learn/XGBoost answered."""
    EXPECTED.mkdir(exist_ok=True)
    (EXPECTED / f"{name}.json").write_text(json.dumps(requests, indent=1) + "\n")


def write_expected_rows(name, model, features, rows):
    """Records what a tabular classifier answers for each row (given as lists in feature order)."""
    frame = pd.DataFrame(rows, columns=features, dtype=float)
    write_expected(name, {
        "features": features,
        "rows": rows,
        "predict": model.predict(frame).tolist(),
        "predict_proba": model.predict_proba(frame).tolist(),
        "classes": model.classes_.tolist(),
    })
