"""The cohort's input formats: CSV cells read by the vocabulary's types (a value that does not mean what was typed is
an error of its row, never a silent default), JSONL lines, Parquet columns, and whole-file refusals."""
from __future__ import annotations

from pathlib import Path

import pytest

from netguide.cohort.readers import (
    RAW_CSV,
    RAW_JSON,
    RAW_MAPPING,
    READERS,
    CohortInputError,
    ReadOptions,
    parse_cell,
    parse_record,
    reader_for,
)


@pytest.mark.parametrize("name, text, value", [
    ("bulky_disease", "true", True), ("bulky_disease", "FALSE", False), ("bulky_disease", " True ", True),
    ("ecog_ps", "2", 2), ("ecog_ps", "+0", 0), ("prior_systemic_lines", "12", 12),
    ("ki67_percent", "12.5", 12.5), ("ki67_percent", "3", 3), ("ki67_percent", ".5", 0.5),
    ("ki67_percent", "1.4e1", 14.0), ("grade", "G2", "G2"),
    ("prior_therapies", "SSA;CAPTEM", ["SSA", "CAPTEM"]), ("prior_therapies", " SSA ; CAPTEM ;", ["SSA", "CAPTEM"]),
    ("prior_therapies", "[]", []), ("failed_therapies", "EVEROLIMUS", ["EVEROLIMUS"]),
    ("grade", "", None), ("ki67_percent", "   ", None), ("prior_therapies", "", None),
])
def test_cells_are_read_by_the_fact_type(name, text, value):
    """Booleans true/false, whole numbers, plain decimals, ';'-joined codes ([] for none); empty is absent."""
    got, problem = parse_cell(name, text)
    assert problem is None and got == value and type(got) is type(value)


@pytest.mark.parametrize("name, text, why", [
    ("bulky_disease", "yes", "not a boolean"), ("bulky_disease", "1", "not a boolean"),
    ("ecog_ps", "2.0", "whole number"), ("ecog_ps", "two", "whole number"),
    ("ki67_percent", "12,5", "decimal comma"), ("ki67_percent", "12 %", "% sign"),
    ("ki67_percent", "nan", "plain decimal"), ("ki67_percent", "inf", "plain decimal"),
    ("ki67_percent", "0x10", "plain decimal"), ("prior_therapies", "SSA,CAPTEM", "joined by ';'"),
])
def test_a_cell_that_does_not_mean_what_was_typed_is_an_error(name, text, why):
    """Each refusal names the field, shows the value and says what is allowed."""
    got, problem = parse_cell(name, text)
    assert got is None and problem is not None
    assert problem.field == name and problem.allowed and why in problem.message


def test_a_csv_row_gives_facts_treatment_and_problems_together():
    header = ("primary_site", "grade", "ki67_percent", "bulky_disease", "prior_therapies", "treatment_given")
    facts, given, problems = parse_record(RAW_CSV, ["pancreas", "G2", "12,5", "true", "SSA", "CAPTEM;SSA"], header)
    assert facts == {"primary_site": "pancreas", "grade": "G2", "bulky_disease": True, "prior_therapies": ["SSA"]}
    assert given == ("CAPTEM", "SSA")
    assert [p.field for p in problems] == ["ki67_percent"]


def test_treatment_given_codes_are_checked_and_empty_is_not_recorded():
    header = ("grade", "treatment_given")
    _, given, problems = parse_record(RAW_CSV, ["G1", "CAPTEM;CAPTM"], header)
    assert given is None and problems[0].code == "unknown-intervention"
    assert problems[0].field == "treatment_given[1]" and problems[0].suggestion == "CAPTEM"
    assert parse_record(RAW_CSV, ["G1", ""], header)[1] is None
    assert parse_record(RAW_CSV, ["G1", "OBSERVATION"], header)[1] == ("OBSERVATION",)


def test_a_short_csv_row_is_a_problem_of_its_own():
    facts, _, problems = parse_record(RAW_CSV, ["G1"], ("grade", "stage"))
    assert facts is None and "1 cells" in problems[0].message


@pytest.mark.parametrize("line, code", [
    ('{"grade": "G1", "grade": "G2"}', "json-syntax"), ('{"ki67_percent": NaN}', "json-syntax"),
    ("[1, 2]", "invalid-patient"), ("{not json", "json-syntax"),
])
def test_a_bad_jsonl_line_is_a_problem_of_its_row(line, code):
    facts, _, problems = parse_record(RAW_JSON, line)
    assert facts is None and problems[0].code == code


def test_a_jsonl_line_is_the_evaluate_input_plus_treatment_given():
    facts, given, problems = parse_record(RAW_JSON, '{"grade": "G3", "treatment_given": ["PE"], "bulky": 1}')
    assert facts == {"grade": "G3", "bulky": 1} and given == ("PE",) and not problems  # evaluate() names 'bulky'


def test_typed_values_are_taken_as_typed_and_strings_as_cells():
    """A Parquet (or FHIR) mapping: nulls absent, a whole float is an integer fact's integer, strings as CSV cells."""
    facts, given, problems = parse_record(RAW_MAPPING, {"ecog_ps": 1.0, "ki67_percent": None, "grade": "G2",
                                                        "bulky_disease": "false", "prior_therapies": ["SSA"],
                                                        "treatment_given": "SSA;PRRT"})
    assert facts == {"ecog_ps": 1, "grade": "G2", "bulky_disease": False, "prior_therapies": ["SSA"]}
    assert given == ("PRRT", "SSA") and not problems
    assert parse_record(RAW_MAPPING, {"ecog_ps": 1.5})[0] == {"ecog_ps": 1.5}  # the model refuses it, by name


def test_an_unknown_column_refuses_the_file_naming_it(tmp_path: Path):
    path = tmp_path / "p.csv"
    path.write_text("primary_site,grde\npancreas,G1\n", encoding="utf-8")
    with pytest.raises(CohortInputError, match="'grde' \\(did you mean 'grade'\\?\\)"):
        READERS["csv"].open(path, ReadOptions())
    opened = READERS["csv"].open(path, ReadOptions(frozenset({"grde"})))
    assert opened.header == ("primary_site", "grde") and list(opened.records) == [["pancreas", "G1"]]


def test_formats_by_suffix(tmp_path: Path):
    assert reader_for(Path("a.csv")).name == "csv" and reader_for(Path("a.JSONL")).name == "jsonl"
    assert reader_for(Path("a.parquet")).name == "parquet"
    with pytest.raises(CohortInputError, match="cannot tell the input format"):
        reader_for(Path("a.xlsx"))
    assert reader_for(Path("a.ndjson")).name == "jsonl" and reader_for(Path("a.fhir.ndjson")).name == "fhir"
    with pytest.raises(CohortInputError, match="no such input file"):
        READERS["fhir"].open(tmp_path / "b.fhir.ndjson", ReadOptions())


def test_a_spreadsheet_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path):
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffgrade\nG1\n".encode("utf-8"))
    assert READERS["csv"].open(path, ReadOptions()).header == ("grade",)


def test_a_missing_extra_is_one_line_naming_what_to_install(tmp_path: Path, monkeypatch):
    """Parquet without pyarrow, dask without distributed: the error says `pip install -e ".[cohort]"`."""
    import sys

    from netguide.cohort import run_cohort

    (tmp_path / "p.jsonl").write_text('{"grade": "G1"}\n', encoding="utf-8")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(CohortInputError, match=r'pyarrow: pip install -e "\.\[cohort\]"'):
        READERS["parquet"].open(tmp_path / "p.parquet", ReadOptions())
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(CohortInputError, match=r'dask.distributed: pip install -e "\.\[cohort\]"'):
        run_cohort(tmp_path / "p.jsonl", tmp_path / "o.jsonl", backend="dask", jobs=1)
    assert not (tmp_path / "o.jsonl").exists()
