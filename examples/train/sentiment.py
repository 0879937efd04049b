#!/usr/bin/python3
"""Seed 004: a TfidfVectorizer and a MultinomialNB pickled as two files, as the tutorial ships them, composed by
model.yaml. Trained on examples/data/sentiment-phrases.csv (see make_sentiment_phrases.mjs for its origin).

/usr/bin/python3 examples/train/sentiment.py
"""
import pickle

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB

from common import DATA, version_dir, write_expected, write_manifest

data = pd.read_csv(DATA / "sentiment-phrases.csv")
vectorizer = TfidfVectorizer()
X = vectorizer.fit_transform(data["phrase"])
classifier = MultinomialNB().fit(X, data["label"])
out = version_dir("sentiment")
with open(out / "TFIDFVectorizer.pkl", "wb") as f:
    pickle.dump(vectorizer, f)
with open(out / "SentimentClassifier.pkl", "wb") as f:
    pickle.dump(classifier, f)

write_manifest("sentiment", """
description: Sentiment of a short movie-review phrase (seed 004). TfidfVectorizer + MultinomialNB, two pickles.
artifacts: [TFIDFVectorizer.pkl, SentimentClassifier.pkl]
labels: {0: Negative, 1: Positive}
inputs:
  - {name: query, description: a phrase from a movie review}
""")

queries = ["that movie was boring", "a wonderful film", "the plot was dull and the acting awful", "I loved it"]
X = vectorizer.transform(queries)
write_expected("sentiment", {
    "queries": queries,
    "predict": classifier.predict(X).tolist(),
    "predict_proba": classifier.predict_proba(X).tolist(),
    "classes": classifier.classes_.tolist(),
})
