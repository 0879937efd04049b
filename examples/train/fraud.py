#!/usr/bin/python3
"""Seed 002: a RandomForestClassifier that scores card transactions for fraud, saved with joblib.

The data is generated, since real card data cannot be shipped. Its shape follows what published card-fraud data
looks like: fraud is rare (0.5 % of transactions here; the public ULB/Kaggle set has 0.17 %), amounts are
log-normal with a long tail, and fraud concentrates in card-not-present, foreign, night-time, far-from-home,
high-velocity transactions, but with heavy overlap with legitimate ones so no single rule separates them.

/usr/bin/python3 examples/train/fraud.py
"""
import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from common import DATA, version_dir, write_expected_rows, write_manifest

FEATURES = ["amount", "hour", "distance_from_home_km", "minutes_since_last", "transactions_last_24h",
            "card_present", "foreign", "merchant_risk"]


def generate(n, fraud_rate, rng):
    fraud = rng.rand(n) < fraud_rate
    amount = np.where(fraud, rng.lognormal(4.6, 1.1, n), rng.lognormal(3.4, 1.0, n))
    hour = np.where(fraud & (rng.rand(n) < 0.6), rng.randint(0, 6, n), rng.randint(0, 24, n))
    distance = np.where(fraud, rng.lognormal(3.5, 1.4, n), rng.lognormal(1.5, 1.0, n))
    minutes = np.where(fraud, rng.exponential(20, n), rng.exponential(600, n))
    velocity = np.where(fraud, rng.poisson(6, n), rng.poisson(2, n))
    card_present = np.where(fraud, rng.rand(n) < 0.15, rng.rand(n) < 0.7).astype(int)
    foreign = np.where(fraud, rng.rand(n) < 0.45, rng.rand(n) < 0.05).astype(int)
    merchant_risk = np.clip(np.where(fraud, rng.beta(4, 3, n), rng.beta(2, 5, n)), 0, 1)
    frame = pd.DataFrame({"amount": amount.round(2), "hour": hour, "distance_from_home_km": distance.round(1),
                          "minutes_since_last": minutes.round(1), "transactions_last_24h": velocity,
                          "card_present": card_present, "foreign": foreign, "merchant_risk": merchant_risk.round(3)})
    return frame, fraud.astype(int)


rng = np.random.RandomState(42)
X, y = generate(40_000, 0.005, rng)
pd.concat([X, pd.Series(y, name="fraud")], axis=1).head(2000).to_csv(DATA / "transactions-sample.csv", index=False)
model = RandomForestClassifier(n_estimators=40, max_depth=8, min_samples_leaf=5, class_weight="balanced_subsample",
                               random_state=0, n_jobs=1).fit(X.astype(float), y)
joblib.dump(model, version_dir("fraud") / "fraud.joblib", compress=3)

write_manifest("fraud", """
description: Fraud probability of a card transaction (seed 002). RandomForestClassifier on generated transactions.
labels: {0: legitimate, 1: fraud}
inputs:
  - {name: amount, type: double, min: 0, description: transaction amount (EUR)}
  - {name: hour, type: int64, min: 0, max: 23, description: hour of day, local time}
  - {name: distance_from_home_km, type: double, min: 0, description: distance from the card holder's home}
  - {name: minutes_since_last, type: double, min: 0, description: minutes since the card's previous transaction}
  - {name: transactions_last_24h, type: int64, min: 0, description: transactions on the card in the last 24 hours}
  - {name: card_present, type: int64, min: 0, max: 1, description: 1 if the card was physically present}
  - {name: foreign, type: int64, min: 0, max: 1, description: 1 if the merchant is abroad}
  - {name: merchant_risk, type: double, min: 0, max: 1, description: historical fraud rate of the merchant category}
batching:
  max_batch_size: 256
""")

batch = pd.concat([X[y == 1].head(3), X[y == 0].head(5)]).astype(float)
write_expected_rows("fraud", model, FEATURES, batch.values.tolist())
