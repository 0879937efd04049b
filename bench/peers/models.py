"""The example models loaded the way the seed tutorials load them, for the Python peers in the benchmark."""
import pickle
from pathlib import Path

import joblib
import pandas as pd

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"

FEATURES = {
    "iris": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    "diabetes": ["times_pregnant", "glucose", "blood_pressure", "skin_fold_thick", "serum_insuling", "mass_index",
                 "diabetes_pedigree", "age"],
    "fraud": ["amount", "hour", "distance_from_home_km", "minutes_since_last", "transactions_last_24h", "card_present",
              "foreign", "merchant_risk"],
}

with open(MODELS / "diabetes" / "1" / "diabetes-model.pkl", "rb") as f:
    diabetes = pickle.load(f)
LOADED = {
    "iris": joblib.load(MODELS / "iris" / "1" / "iris.model"),
    "diabetes": diabetes,
    "fraud": joblib.load(MODELS / "fraud" / "1" / "fraud.joblib"),
}


def predict(name, payload):
    """One object of named features, or {"instances": [...]}, as Modelport's seed-style API takes them."""
    model = LOADED[name]
    single = "instances" not in payload
    rows = [payload] if single else payload["instances"]
    frame = pd.DataFrame(rows, columns=FEATURES[name], dtype=float)
    proba = model.predict_proba(frame)
    classes = [str(c) for c in model.classes_]
    out = [{"label": classes[row.argmax()], "probabilities": dict(zip(classes, row.tolist()))} for row in proba]
    return {"prediction": out[0]} if single else {"predictions": out}
