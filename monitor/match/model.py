"""A topic's relevance model: a linear model over ``features``, kept in a versioned JSON file.

The file holds plain weights, not a pickle: loading it runs no code, it can be read and
diffed, and scoring needs neither scikit-learn nor numpy (``learn`` writes it with
scikit-learn). A checksum over the weights catches a truncated or hand-edited file; every
problem is one ``ModelError`` line naming the file.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError
from monitor.match.features import FEATURES_VERSION

__all__ = ["FORMAT", "Model", "ModelError", "load_model", "save_model"]

FORMAT = "newsmon-topic-model"
VERSION = 1


class ModelError(ConfigError):
    """A model file that is missing, unreadable, corrupt or made for other features."""


@dataclass(frozen=True, slots=True)
class Model:
    """Weights of a logistic model: p = σ(intercept + Σ weight·value)."""

    topic: str
    weights: Mapping[str, float]
    intercept: float
    threshold: float = 0.5
    features: str = FEATURES_VERSION
    info: Mapping[str, Any] = field(default_factory=dict)  # how it was trained, CV figures

    def probability(self, feats: Mapping[str, float]) -> float:
        w = self.weights
        z = self.intercept
        for name, value in feats.items():
            weight = w.get(name)
            if weight is not None:
                z += weight * value
        if z < -60:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, feats: Mapping[str, float], n: int = 6) -> list[tuple[str, float]]:
        """The features that pushed the probability most, either way (for ``match``)."""
        parts = [(k, self.weights[k] * v) for k, v in feats.items() if k in self.weights]
        parts.sort(key=lambda kv: -abs(kv[1]))
        return [(k, round(c, 3)) for k, c in parts[:n]]


def _checksum(weights: Mapping[str, float], intercept: float) -> str:
    blob = json.dumps([intercept, sorted(weights.items())], separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def save_model(model: Model, path: Path) -> None:
    """Write the model file (atomically: a reader never sees half a file)."""
    weights = {k: round(v, 6) for k, v in sorted(model.weights.items())}
    intercept = round(model.intercept, 6)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "topic": model.topic,
        "features": model.features,
        "threshold": model.threshold,
        "intercept": intercept,
        "info": dict(model.info),
        "checksum": _checksum(weights, intercept),
        "weights": weights,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    tmp.replace(path)


def load_model(path: Path, topic: str | None = None) -> Model:
    """Read and check a model file; ``ModelError`` says what is wrong with it."""
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{where}: model file not found (run newsmon learn)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{where}: cannot read the model file: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{where}: not a model file (invalid JSON at line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelError(f"{where}: not a newsmon model file")
    if doc.get("version") != VERSION:
        raise ModelError(f"{where}: model version {doc.get('version')!r}, expected {VERSION}")
    if doc.get("features") != FEATURES_VERSION:
        raise ModelError(
            f"{where}: made for features {doc.get('features')!r}, this newsmon reads "
            f"{FEATURES_VERSION!r} (run newsmon learn again)"
        )
    weights, intercept = doc.get("weights"), doc.get("intercept")
    threshold = doc.get("threshold", 0.5)
    if (
        not isinstance(weights, dict)
        or not all(isinstance(v, int | float) for v in weights.values())
        or not isinstance(intercept, int | float)
        or not isinstance(threshold, int | float)
        or not 0 < threshold < 1
    ):
        raise ModelError(f"{where}: corrupt model file (weights, intercept or threshold)")
    if doc.get("checksum") != _checksum(weights, intercept):
        raise ModelError(f"{where}: corrupt model file (checksum mismatch)")
    if topic is not None and doc.get("topic") != topic:
        raise ModelError(f"{where}: model of topic {doc.get('topic')!r}, not {topic!r}")
    raw_info = doc.get("info")
    info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    return Model(
        topic=str(doc.get("topic")),
        weights={str(k): float(v) for k, v in weights.items()},
        intercept=float(intercept),
        threshold=float(threshold),
        features=FEATURES_VERSION,
        info=info,
    )
