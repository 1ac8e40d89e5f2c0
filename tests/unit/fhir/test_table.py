"""The mapping table is checked when loaded: a wrong fact, value, source, system or regimen is refused at file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from netguide.fhir.table import MappingTableError, default_mapping_path, load_mapping


def test_the_shipped_table_loads():
    table = load_mapping()
    assert table.rows and table.regimens and table.agents


@pytest.mark.parametrize("old,new,words", [
    ("gives: {primary_site: pancreas}", "gives: {primary_site: pancreatic}", "'pancreatic' is not a value"),
    ("gives: {grade: G2}", "gives: {grades: G2}", "'grades' is not a fact"),
    ("source: condition.bodySite", "source: condition.bodysite", "unknown source"),
    ("gives: {progression: stable}", "gives: {treatment_setting: advanced}", "never comes from a code row"),
    ("  CAPTEM: [[capecitabine, temozolomide]]", "  CAPTEMX: [[capecitabine, temozolomide]]",
     "not an intervention code"),
])
def test_a_wrong_row_is_refused_at_its_line(tmp_path: Path, old: str, new: str, words: str):
    text = default_mapping_path().read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "fhir_mapping.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(MappingTableError) as exc:
        load_mapping(str(bad))
    problem = next(p for p in exc.value.problems if words in p.message)
    assert problem.location is not None and problem.location.line > 1
