#!/usr/bin/python3
"""Writes scikit-learn's built-in English stop-word list (used by stop_words='english') to
src/import/sklearn/english-stop-words.json, so vectorizers pickled with it can be served without Python.

Run with Debian's python3-sklearn: /usr/bin/python3 scripts/export_stop_words.py
"""
import json
from pathlib import Path

import sklearn
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

out = Path(__file__).resolve().parent.parent / "src" / "import" / "sklearn" / "english-stop-words.json"
out.write_text(json.dumps({
    "source": f"scikit-learn {sklearn.__version__} sklearn.feature_extraction.text.ENGLISH_STOP_WORDS (BSD-3-Clause; "
              "the list comes from the Glasgow Information Retrieval Group)",
    "words": sorted(ENGLISH_STOP_WORDS),
}, indent=0) + "\n")
print(f"wrote {len(ENGLISH_STOP_WORDS)} words to {out}")
