"""The model shipped with the product: the statistical component trained on the labelled
development set in ``signals/taxonomy``, used until operations train their own.

On fresh wording the rules with this model score several points of micro F1 above the
rules alone (docs/benchmarks.md, "Intent tagger"), so a new installation and the
``salespulse tag`` command use it from the start. It is fitted on first use, a few
seconds, and the artifact is kept under ``VAR_DIR / "models"`` keyed by a digest of the
training file and the library versions, so later processes load it instead. Only this
module writes those files, which is why loading them (a pickle) is safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import sklearn

from salespulse.signals.tagger.evaluation import DEFAULT_TAGS, parse_examples
from salespulse.signals.tagger.normalize import normalize
from salespulse.signals.tagger.statistical import CharNgramModel, fit_model, load_model, save_model

logger = logging.getLogger(__name__)

TRAINING_FILE = "devset.jsonl"
# Bump when fit_model or normalize change in a way that changes the fitted model.
MODEL_REVISION = "1"


def _models_dir() -> Path | None:
    try:
        from django.conf import settings

        return Path(settings.VAR_DIR) / "models"
    except Exception:  # noqa: BLE001 - Django not configured: keep the model in memory only
        return None


@lru_cache(maxsize=1)
def shipped_model() -> CharNgramModel:
    """Return the shipped model, fitting and storing it on first use."""
    text = resources.files("salespulse.signals.taxonomy").joinpath(TRAINING_FILE).read_text("utf-8")
    digest = hashlib.sha256(f"{MODEL_REVISION}|{sklearn.__version__}|{text}".encode()).hexdigest()[:16]
    directory = _models_dir()
    path = directory / f"shipped-{digest}.joblib" if directory is not None else None
    if path is not None and path.exists():
        model = load_model(str(path))
        if model is not None:
            return model
    examples = parse_examples(text.splitlines(), TRAINING_FILE)
    model = fit_model([normalize(e.text).text for e in examples], [sorted(e.tags) for e in examples], DEFAULT_TAGS)
    logger.info("shipped tagger model %s fitted on %s examples", digest, len(examples))
    if path is not None:
        _store(model, path)
    return model


def _store(model: CharNgramModel, path: Path) -> None:
    """Write the artifact to a temporary file and rename it, so a reader gets either no
    file or the whole one, then remove artifacts of earlier training files."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix="shipped-", suffix=".tmp")
        os.close(handle)
        save_model(model, Path(temporary))
        os.chmod(temporary, 0o644)  # readable by a web app and a CLI running as other users
        os.replace(temporary, path)
        temporary = None
        load_model.cache_clear()
        for old in path.parent.glob("shipped-*.joblib"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as error:
        logger.warning("shipped tagger model not stored at %s: %s", path, error)
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
