"""Unit tests for the rule files and their validation (ingest/rules.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import get_args

import pytest

from ingest.rules import (
    RULES_DIR,
    RelationKind,
    RuleError,
    load_rule_set,
    parse_pattern,
    read_rule_set,
)


def copy_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    return folder


def test_shipped_rules_are_valid() -> None:
    rules = load_rule_set()
    assert len(rules.relations.relations) >= 30
    names = [r.name for r in rules.relations.relations]
    assert len(names) == len(set(names))
    predicates = {r.predicate for r in rules.relations.relations}
    assert predicates == set(get_args(RelationKind))  # every kind has a rule that uses it
    assert {"leader", "chair", "chief executive"} <= {
        r.label for r in rules.roles.roles if r.kind == "head"
    }
    assert any(c.lowercase for c in rules.programmes.cues)
    assert rules.organisations.anaphors


def test_a_bad_relation_pattern_names_its_file_line_and_reason(tmp_path: Path) -> None:
    folder = copy_rules(tmp_path)
    path = folder / "relations.yaml"
    text = path.read_text()
    text = text.replace(
        'pattern: "ORG ,? have|has|had|will|to|also|now|already|all* signed',
        'pattern: "ORGG ,? have|has|had|will|to|also|now|already|all* signed',
        1,
    )
    path.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "ORGG" in row)
    with pytest.raises(RuleError) as caught:
        read_rule_set(folder)
    error = caught.value
    assert error.path == path
    assert error.line is not None and abs(error.line - line) <= 2
    assert "unknown slot 'ORGG'" in str(error)
    assert str(path) in str(error)


def test_a_relation_without_object_or_focus_is_refused(tmp_path: Path) -> None:
    folder = copy_rules(tmp_path)
    path = folder / "relations.yaml"
    path.write_text(
        path.read_text()
        + "\n  - name: broken-rule\n    predicate: leads\n"
        + '    pattern: "ORG leads"\n    subject: ORG\n'
    )
    with pytest.raises(RuleError, match="give an 'object' slot or a 'focus'"):
        read_rule_set(folder)


def test_duplicate_rule_names_are_refused(tmp_path: Path) -> None:
    folder = copy_rules(tmp_path)
    path = folder / "relations.yaml"
    path.write_text(
        path.read_text()
        + '\n  - name: led-by\n    predicate: leads\n    pattern: "TARGET led by ORG"\n'
        "    subject: ORG\n    object: TARGET\n"
    )
    with pytest.raises(RuleError, match="defined twice"):
        read_rule_set(folder)


def test_unknown_fields_and_bad_values_are_refused(tmp_path: Path) -> None:
    folder = copy_rules(tmp_path)
    path = folder / "roles.yaml"
    path.write_text(path.read_text().replace("    kind: head\n", "    kind: boss\n", 1))
    with pytest.raises(RuleError, match=r"roles\.yaml:\d+: roles\.0\.kind"):
        read_rule_set(folder)


def test_invalid_yaml_reports_its_line(tmp_path: Path) -> None:
    folder = copy_rules(tmp_path)
    (folder / "themes.yaml").write_text("scheme:\n  key: x\n  label: [unclosed\n")
    with pytest.raises(RuleError, match="not valid YAML") as caught:
        read_rule_set(folder)
    assert caught.value.line is not None


def test_a_missing_rules_file_is_reported(tmp_path: Path) -> None:
    folder = copy_rules(tmp_path)
    (folder / "organisations.yaml").unlink()
    with pytest.raises(RuleError, match="rules file not found"):
        read_rule_set(folder)


def test_rating_templates_must_use_captured_words(tmp_path: Path) -> None:
    folder = copy_rules(tmp_path)
    path = folder / "relations.yaml"
    path.write_text(
        path.read_text().replace('rating: "{stars} stars"', 'rating: "{count} stars"', 1)
    )
    with pytest.raises(RuleError, match="unknown capture 'count'"):
        read_rule_set(folder)


def test_parse_pattern_reads_slots_choices_and_operators() -> None:
    elements = parse_pattern("PERSON , the? ROLE of|at ORG2 stars=NUM _{0,3} 's")
    assert [e.slot for e in elements] == [
        "PERSON",
        None,
        None,
        "ROLE",
        None,
        "ORG2",
        None,
        None,
        None,
    ]
    assert elements[2].op == "?" and elements[2].words == ("the",)
    assert elements[4].words == ("of", "at")
    assert elements[5].kinds == ("COUNCIL", "BODY")
    assert elements[6].capture == "stars" and elements[6].pos == "NUM"
    assert elements[7].op == "{0,3}" and elements[7].token_pattern() == {"OP": "{0,3}"}
    assert "’s" in elements[8].words
    with pytest.raises(ValueError, match="unknown slot"):
        parse_pattern("PERSN , ROLE")
    with pytest.raises(ValueError, match="every element is optional"):
        parse_pattern("the? a?")
