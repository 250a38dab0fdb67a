"""The statistical component: character n-grams and one logistic regression per tag.

It is trained on labelled examples (the development set, examples ops add, manager
corrections) and combined with the rules in ``tag_text``: a rule hit's confidence is
averaged with the model's probability, a rule hit whose tag the model scores below
``VETO_BELOW`` is dropped, and the model adds a tag on its own only at a probability of
at least ``ADD_THRESHOLD`` and only where that tag's veto patterns do not match. Rule
filters for speaker, negation and hedges therefore still apply.

Artifacts are pickled with joblib. Loading a pickle runs code, so artifacts are trusted
because only the product writes them, under ``VAR_DIR / "models"``; never load one
from elsewhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

logger = logging.getLogger(__name__)

# The model adds a tag on its own at ADD_THRESHOLD or above. A rule hit is dropped when
# the model gives its tag less than VETO_BELOW, but only for a tag with at least
# VETO_MIN_EXAMPLES positive training examples. A tag ops defined with a few phrases and
# no examples scores near zero everywhere, so it keeps its rule hits. Both values were
# chosen on fresh batches, each left out of training in turn (docs/benchmarks.md,
# "Intent tagger"). On the last five, 0.7 beat 0.8 by about 0.007 micro F1, and a veto
# at 0.3 kept micro F1 at 0.906 while leaving 86% of untagged messages untagged (85% at
# 0.2, 88% at 0.4 with F1 0.902). Lower add thresholds tagged more small talk.
ADD_THRESHOLD = 0.7
VETO_BELOW = 0.3
VETO_MIN_EXAMPLES = 30


@dataclass
class CharNgramModel:
    vectorizer: TfidfVectorizer
    classifier: OneVsRestClassifier
    tags: list[str]
    # Positive training examples per tag, empty for artifacts saved before it existed.
    support: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One stacked weight matrix: a sparse product and a sigmoid instead of thirteen
        # predict_proba calls, the same numbers at a fraction of the cost per message.
        self.weights = np.hstack([estimator.coef_.T for estimator in self.classifier.estimators_])
        self.intercepts = np.array([estimator.intercept_[0] for estimator in self.classifier.estimators_])

        self.vocabulary = self.vectorizer.vocabulary_
        self.idf = self.vectorizer.idf_

    def _scores(self, text: str) -> np.ndarray:
        """The decision values of one text, computed as TfidfVectorizer(analyzer="char",
        ngram_range=(1, 3), sublinear_tf=True, norm="l2") would, without its per-call
        overhead (a tenth of the time for one short message)."""
        text = " ".join(text.lower().split())
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        length = len(text)
        for size in (1, 2, 3):
            for start in range(length - size + 1):
                column = vocabulary.get(text[start : start + size])
                if column is not None:
                    counts[column] = counts.get(column, 0) + 1
        if not counts:
            return self.intercepts
        columns = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[columns]
        values /= np.sqrt(values @ values)
        return values @ self.weights[columns] + self.intercepts

    def vetoes(self, tag: str, probability: float) -> bool:
        """Return True when the model is sure enough that ``tag`` is absent to drop a rule hit."""
        return probability < VETO_BELOW and getattr(self, "support", {}).get(tag, 0) >= VETO_MIN_EXAMPLES

    def probabilities(self, texts: list[str]) -> list[dict[str, float]]:
        rows = [1.0 / (1.0 + np.exp(-self._scores(text))) for text in texts]
        return [dict(zip(self.tags, map(float, row), strict=True)) for row in rows]


def fit_model(texts: list[str], labels: list[list[str]], tags: list[str]) -> CharNgramModel:
    """Fit the model; every tag in ``tags`` gets a column, even one with no examples."""
    binarizer = MultiLabelBinarizer(classes=tags)
    target = binarizer.fit_transform(labels)
    support = {tag: int(count) for tag, count in zip(tags, target.sum(axis=0), strict=True)}
    # A tag with no positive (or no negative) example cannot be fitted: pad with one
    # empty-text example so the column exists and stays near zero.
    pad_texts, pad_rows = [], []
    for index in range(len(tags)):
        if target[:, index].sum() == 0 or target[:, index].sum() == len(texts):
            row = np.zeros(len(tags), dtype=int)
            row[index] = 1 if target[:, index].sum() == 0 else 0
            pad_texts.append("")
            pad_rows.append(row)
    if pad_rows:
        texts = [*texts, *pad_texts]
        target = np.vstack([target, np.array(pad_rows)])
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, max_features=30000, sublinear_tf=True)
    matrix = vectorizer.fit_transform(texts)
    # C = 16 scored higher than 8 on fresh batches left out of training, at the same share
    # of untagged messages kept (docs/benchmarks.md, "Intent tagger").
    classifier = OneVsRestClassifier(LogisticRegression(C=16.0, solver="liblinear", class_weight="balanced"))
    classifier.fit(matrix, target)
    return CharNgramModel(vectorizer=vectorizer, classifier=classifier, tags=list(tags), support=support)


def save_model(model: CharNgramModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


@lru_cache(maxsize=4)
def load_model(path: str) -> CharNgramModel | None:
    """Load an artifact written by ``save_model``, or return None when it is missing or
    unreadable."""
    try:
        return joblib.load(path)
    except Exception as error:  # noqa: BLE001 - a truncated or corrupt pickle raises almost anything
        logger.warning("tagger model %s cannot be loaded, so it is not used: %s", path, error)
        return None
