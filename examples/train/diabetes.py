#!/usr/bin/python3
"""Seed 001: an XGBClassifier on the Pima Indians diabetes data, pickled as diabetes-model.pkl.

OMP_NUM_THREADS=1 /usr/bin/python3 examples/train/diabetes.py
"""
import pickle

import pandas as pd
import xgboost as xgb

from common import DATA, version_dir, write_expected_rows, write_manifest

HEADERS = ["times_pregnant", "glucose", "blood_pressure", "skin_fold_thick", "serum_insuling", "mass_index",
           "diabetes_pedigree", "age"]

data = pd.read_csv(DATA / "pima-indians-diabetes.csv")
X, y = data[HEADERS].astype(float), data["diabetes"]
model = xgb.XGBClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, random_state=0, n_jobs=1).fit(X, y)
with open(version_dir("diabetes") / "diabetes-model.pkl", "wb") as f:
    pickle.dump(model, f)

write_manifest("diabetes", """
description: Probability of diabetes onset within five years, Pima Indians diabetes data (seed 001). XGBClassifier.
labels: {0: no diabetes, 1: diabetes}
inputs:
  - {name: times_pregnant, type: float, min: 0, description: number of pregnancies}
  - {name: glucose, type: float, min: 0, description: plasma glucose concentration, 2 h oral glucose tolerance test (mg/dL)}
  - {name: blood_pressure, type: float, min: 0, description: diastolic blood pressure (mm Hg)}
  - {name: skin_fold_thick, type: float, min: 0, description: triceps skin fold thickness (mm)}
  - {name: serum_insuling, type: float, min: 0, description: 2-hour serum insulin (mu U/ml)}
  - {name: mass_index, type: float, min: 0, description: body mass index (kg/m²)}
  - {name: diabetes_pedigree, type: float, min: 0, description: diabetes pedigree function}
  - {name: age, type: float, min: 0, description: age (years)}
""")

rows = [[1, 106, 70, 28, 135, 34.2, 0.142, 22], [6, 148, 72, 35, 0, 33.6, 0.627, 50], [8, 183, 64, 0, 0, 23.3, 0.672, 32]]
write_expected_rows("diabetes", model, HEADERS, rows)
