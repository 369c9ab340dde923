"""A workspace's saved models: `models/NAME.joblib` beside a JSON sidecar of its metadata.

Models are saved with joblib (that is, pickle). Unpickling a file runs code, so `load_model`
reads only from the workspace's own models folder, only a file whose SHA-256 matches its
sidecar, and only with the scikit-learn version it was saved with.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from homeroom.signals.model import ChronicModel, ModelError
from homeroom.warehouse.workspace import private_files

MODELS_FOLDER = "models"
DEFAULT_NAME = "chronic"


def models_folder(workspace_root: Path) -> Path:
    return Path(workspace_root) / MODELS_FOLDER


@private_files()
def save_model(model: ChronicModel, workspace_root: Path, name: str = DEFAULT_NAME) -> Path:
    """Write models/NAME.joblib and models/NAME.json (metadata and SHA-256) in the workspace."""
    import joblib

    _check_name(name)
    folder = models_folder(workspace_root)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.joblib"
    joblib.dump(model, path)
    meta = {**model.metadata(), "sha256": _sha256(path), "file": path.name}
    (folder / f"{name}.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return path


def load_model(workspace_root: Path, name: str = DEFAULT_NAME) -> ChronicModel:
    """The workspace's saved model NAME, after checking its hash and scikit-learn version."""
    import joblib
    import sklearn

    _check_name(name)
    folder = models_folder(workspace_root)
    path, sidecar = folder / f"{name}.joblib", folder / f"{name}.json"
    if not path.exists() or not sidecar.exists():
        raise ModelError(
            f"no model named {name!r} in {folder}; train one with `homeroom signals train`"
        )
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    if meta.get("sha256") != _sha256(path):
        raise ModelError(
            f"{path} does not match the hash recorded when it was saved; it is not loaded "
            "(a model file runs code when loaded). Train the model again."
        )
    if meta.get("sklearn_version") != sklearn.__version__:
        raise ModelError(
            f"the model was saved with scikit-learn {meta.get('sklearn_version')} and this is "
            f"{sklearn.__version__}; train it again"
        )
    model = joblib.load(path)
    if not isinstance(model, ChronicModel):
        raise ModelError(f"{path} does not hold a Homeroom model")
    return model


def _check_name(name: str) -> None:
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ModelError(f"a model name is letters, digits, '-' and '_' only; got {name!r}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
