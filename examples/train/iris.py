#!/usr/bin/python3
"""Seeds 000 and 003: a DecisionTreeClassifier on iris, saved with joblib as iris.model (seed 003's file name).

/usr/bin/python3 examples/train/iris.py
"""
import joblib
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from common import version_dir, write_expected_rows, write_manifest

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]

iris = load_iris(as_frame=True)
X = iris.data.set_axis(FEATURES, axis=1)
y = iris.target.map(dict(enumerate(iris.target_names)))
model = DecisionTreeClassifier(random_state=0).fit(X, y)
joblib.dump(model, version_dir("iris") / "iris.model")

write_manifest("iris", """
description: Iris species from four flower measurements (seeds 000 and 003). DecisionTreeClassifier, scikit-learn.
inputs:
  - {name: sepal_length, type: double, min: 0, description: sepal length in cm}
  - {name: sepal_width, type: double, min: 0, description: sepal width in cm}
  - {name: petal_length, type: double, min: 0, description: petal length in cm}
  - {name: petal_width, type: double, min: 0, description: petal width in cm}
""")

rows = [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3], [4.9, 3.0, 1.4, 0.2]]
write_expected_rows("iris", model, FEATURES, rows)
