"""Data-file loading keeps plain data, locates every key path at its line and column, and refuses at once
(at file:line) whatever would expand, crash, block, or silently change a value."""
import math
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from netguide.rulebook.source import (MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_INT_DIGITS, YamlLoadError, display_path,
                                 load, load_json_text, load_text, syntax_for)

DOC = """format: 1
rules:
  - id: a.b
    when:
      grade: [G1, G2]
      ki67_percent: {above: 10}
"""


def test_data_is_plain():
    """The loaded data are plain dicts and lists, not marked subclasses."""
    data, _ = load_text(DOC, "f.yaml")
    assert type(data) is dict and type(data["rules"]) is list


@pytest.mark.parametrize("path,where", [
    (("rules", 0, "id"), (3, 5)),
    (("rules", 0, "when", "grade"), (5, 7)),
    (("rules", 0, "when", "grade", 1), (5, 19)),
    (("rules", 0, "when", "ki67_percent", "above"), (6, 22)),
    (("rules", 0, "when", "nope"), (4, 5)),  # unknown key: the longest known prefix
])
def test_key_paths_map_to_1_based_line_and_column(path, where):
    """A key path (a pydantic loc) finds the 1-based line:column an author edits."""
    _, loc = load_text(DOC, "f.yaml")
    found = loc.find(path)
    assert (found.line, found.column) == where and found.path == "f.yaml"


def test_malformed_yaml_is_reported_at_its_line():
    """Malformed YAML raises YamlLoadError with the file and line, never a bare PyYAML error."""
    with pytest.raises(YamlLoadError) as exc:
        load_text("a: 1\nb: [1, 2\nc: 3\n", "g.yaml")
    assert exc.value.problem.location.path == "g.yaml" and exc.value.problem.location.line == 3


def test_unsafe_tags_are_refused():
    """Rule files are read with the safe loader: a Python object tag is an error, not code."""
    with pytest.raises(YamlLoadError):
        load_text("a: !!python/object/apply:os.system ['true']\n", "evil.yaml")


# ------------------------------------------------------------------------------------------ numbers mean what they say

@pytest.mark.parametrize("text,value", [
    ("12", 12), ("-3", -3), ("0", 0), ("+5", 5), ("12.5", 12.5), (".5", 0.5), ("5.", 5.0), ("0.5", 0.5),
    ("1.4e1", 14.0), ("14e0", 14.0), ("1e-5", 0.00001), ("-0.0", 0.0),
])
def test_plain_decimals_are_numbers(text, value):
    """Plain decimal integers and decimals, exponents included, are read as the numbers they show."""
    data, _ = load_text(f"x: {text}\n", "n.yaml")
    assert data["x"] == value and type(data["x"]) is type(value)


@pytest.mark.parametrize("text,yaml11,write", [
    ("012", "10", "write 12"), ("1:05", "65", "plain decimal"), ("0x0e", "14", "plain decimal"),
    ("0b1100", "12", "plain decimal"), ("0o14", None, "plain decimal"), ("1_2.5", "12.5", "write 12.5"),
    ("08", None, "write 8"), ("00.5", "0.5", "write 0.5"), ("-012", "-10", "write -12"),
])
def test_numbers_yaml_11_would_change_are_refused_at_their_line(text, yaml11, write):
    """A value that looks numeric but is not a plain decimal is refused at its line, saying what YAML 1.1 would
    have read and what to write instead; never silently converted."""
    with pytest.raises(YamlLoadError) as exc:
        load_text(f"grade: G2\nki67_percent: {text}\n", "n.yaml")
    p = exc.value.problem
    assert (p.code, p.location.line, p.location.column, p.field) == ("ambiguous-number", 2, 15, "ki67_percent")
    assert write in p.message and "quote it if you mean text" in p.message
    if yaml11:
        assert f"would read it as {yaml11}" in p.message


def test_an_explicit_int_tag_does_not_bring_octal_back():
    """`!!int 012` is as ambiguous as a plain 012."""
    with pytest.raises(YamlLoadError) as exc:
        load_text("x: !!int 012\n", "n.yaml")
    assert exc.value.problem.code == "ambiguous-number"


def test_a_quoted_number_is_text():
    """Quoting is how to say 'this is text': '012' stays the string typed."""
    data, _ = load_text("x: '012'\ny: \"1:05\"\n", "n.yaml")
    assert data == {"x": "012", "y": "1:05"}


def test_a_5000_digit_integer_is_refused_before_conversion():
    """An integer longer than any fact's range is refused (number-too-large), not handed to int()."""
    start = time.perf_counter()
    with pytest.raises(YamlLoadError) as exc:
        load_text("grade: G2\nprior_systemic_lines: " + "9" * 5000 + "\n", "n.yaml")
    assert (exc.value.problem.code, exc.value.problem.location.line) == ("number-too-large", 2)
    assert time.perf_counter() - start < 5


def test_an_exponent_beyond_float_is_refused_not_made_infinite():
    """1e400 would silently become infinity: it is number-too-large, in YAML and in JSON."""
    for load_fn, text in ((load_text, "x: 1e400\n"), (load_json_text, '{"x": -1e400}')):
        with pytest.raises(YamlLoadError) as exc:
            load_fn(text, "f")
        assert exc.value.problem.code == "number-too-large"


def test_sixteen_digits_are_too_many_fifteen_are_not():
    """The integer limit is MAX_INT_DIGITS digits."""
    assert load_text("x: " + "9" * MAX_INT_DIGITS + "\n", "n.yaml")[0]["x"] == int("9" * MAX_INT_DIGITS)
    with pytest.raises(YamlLoadError):
        load_text("x: " + "9" * (MAX_INT_DIGITS + 1) + "\n", "n.yaml")


@pytest.mark.parametrize("text,value", [("yes", True), ("no", False), ("on", True), ("off", False), ("True", True),
                                        ("false", False)])
def test_yaml_11_booleans_stay_booleans(text, value):
    """yes/no/on/off are what a clinician means by a boolean fact, and stay booleans."""
    assert load_text(f"bulky_disease: {text}\n", "b.yaml")[0] == {"bulky_disease": value}


def test_infinity_and_nan_stay_floats_and_dates_stay_text():
    """.inf and .nan are floats (the patient model refuses them); a date is the text typed."""
    data, _ = load_text("a: .inf\nb: -.inf\nc: .nan\nd: 2023-01-05\ne: 5-FU\nf: 1.2.3\n", "f.yaml")
    assert data["a"] == math.inf and data["b"] == -math.inf and math.isnan(data["c"])
    assert (data["d"], data["e"], data["f"]) == ("2023-01-05", "5-FU", "1.2.3")


# ------------------------------------------------------------------------------------------ shapes that lose or expand

def test_merge_keys_are_refused():
    """`<<: *base` then `grade: G2` would silently override the merged grade: merge keys are refused at the <<."""
    with pytest.raises(YamlLoadError) as exc:
        load_text("base: &b {grade: G3}\np:\n  <<: *b\n  grade: G2\n", "m.yaml")
    assert (exc.value.problem.code, exc.value.problem.location.line) == ("yaml-merge-key", 3)


def test_keys_equal_once_read_are_duplicates():
    """`yes:` and `true:` are the same key once read; the second is a duplicate-key at its line."""
    with pytest.raises(YamlLoadError) as exc:
        load_text("yes: 1\nb: 2\ntrue: 3\n", "d.yaml")
    assert (exc.value.problem.code, exc.value.problem.location.line) == ("duplicate-key", 3)


def test_a_list_as_a_key_is_refused():
    """A complex key (`? [a]`) is an invalid-key problem, not a crash."""
    with pytest.raises(YamlLoadError) as exc:
        load_text("? [a]\n: 1\n", "k.yaml")
    assert exc.value.problem.code == "invalid-key"


def test_sets_are_refused_as_unordered():
    """!!set has no order, so the answer would depend on the hash seed: refused."""
    with pytest.raises(YamlLoadError) as exc:
        load_text("grade: G2\nprior_therapies: !!set {SSA: null, CAPTEM: null}\n", "s.yaml")
    assert (exc.value.problem.code, exc.value.problem.location.line) == ("unordered-collection", 2)


def test_aliases_within_bounds_still_work():
    """An ordinary anchor and alias is read as the repeated value."""
    data, loc = load_text("a: &x [SSA, CAPTEM]\nb: *x\n", "a.yaml")
    assert data == {"a": ["SSA", "CAPTEM"], "b": ["SSA", "CAPTEM"]} and loc.find(("b",)).line == 2


@pytest.mark.parametrize("text,code,line", [
    ("a: &a [*a]\n", "yaml-alias", 1),
    ("x: 1\ny: &a {k: *a}\n", "yaml-alias", 2),
    ("x: " + "[" * 10_000 + "]" * 10_000 + "\n", "yaml-too-deep", 1),
    ("x: " + "{a: " * 3_000 + "1" + "}" * 3_000 + "\n", "yaml-too-deep", 1),
    # a block mapping starts where its parent's key ends, so the 49th level is reported on line 48
    ("".join(f"{'  ' * i}k:\n" for i in range(60)), "yaml-too-deep", MAX_DEPTH),
    ("x: [" + ",".join(["SSA"] * 200_000) + "]\n", "yaml-too-large", 1),
    ("a: &a [1, 2]\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n", "yaml-alias", 2),
], ids=["recursive-alias", "recursive-alias-in-mapping", "10000-deep-flow-sequence", "3000-deep-flow-mapping",
        "60-deep-block-mapping", "200000-item-list", "alias-flood"])
def test_hostile_shapes_are_refused_at_once(text, code, line):
    """Recursive aliases, deep nesting (block and flow), huge expansions and alias floods are refused at their
    line while composing, in well under the 5 s guard (never a RecursionError or MemoryError)."""
    start = time.perf_counter()
    with pytest.raises(YamlLoadError) as exc:
        load_text(text, "h.yaml")
    assert (exc.value.problem.code, exc.value.problem.location.line) == (code, line), exc.value.problem
    assert time.perf_counter() - start < 5


def test_depth_through_aliases_is_bounded():
    """Nesting reached through aliases counts: a 40-deep anchor used 40 levels down is too deep."""
    inner = "[" * 40 + "1" + "]" * 40
    text = f"a: &a {inner}\nb: " + "[" * 40 + "*a" + "]" * 40 + "\n"
    with pytest.raises(YamlLoadError) as exc:
        load_text(text, "h.yaml")
    assert exc.value.problem.code == "yaml-too-deep"


def test_an_oversized_text_is_refused_before_parsing():
    """More than MAX_FILE_BYTES is refused without being parsed."""
    start = time.perf_counter()
    with pytest.raises(YamlLoadError) as exc:
        load_text("x: '" + "a" * (MAX_FILE_BYTES + 1) + "'\n", "big.yaml")
    assert exc.value.problem.code == "file-too-large" and time.perf_counter() - start < 5


def test_control_characters_are_a_located_problem():
    """A NUL byte is refused by YAML's reader, reported at its line, not as a bare ReaderError."""
    with pytest.raises(YamlLoadError) as exc:
        load_text("a: 1\nb: x\x00y\n", "c.yaml")
    assert (exc.value.problem.code, exc.value.problem.location.line) == ("yaml-syntax", 2)


# ------------------------------------------------------------------------------------------ files

def test_each_file_is_read_once_and_its_bytes_kept(tmp_path: Path):
    """load() keeps the exact bytes it parsed on the Locator (the rulebook hashes those)."""
    p = tmp_path / "f.yaml"
    p.write_bytes(b"a: 1\r\nb: [x]\r\n")
    data, loc = load(p)
    assert data == {"a": 1, "b": ["x"]} and loc.content == p.read_bytes()


def test_non_utf8_bytes_name_the_byte_offset(tmp_path: Path):
    """Latin-1 bytes are a not-utf8 problem naming the byte, its offset and its line."""
    p = tmp_path / "l.yaml"
    p.write_bytes(b"grade: G2\nprimary_site: pancr\xe9as\n")
    with pytest.raises(YamlLoadError) as exc:
        load(p, "l.yaml")
    prob = exc.value.problem
    assert (prob.code, prob.location.line, prob.location.column) == ("not-utf8", 2, 20)
    assert "byte offset 29" in prob.message and "0xe9" in prob.message


def test_a_byte_order_mark_is_dropped(tmp_path: Path):
    """A UTF-8 byte-order mark (Windows editors write one) is not part of the data."""
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfgrade: G2\n")
    assert load(p)[0] == {"grade": "G2"}


def test_a_folder_is_not_a_file(tmp_path: Path):
    """A folder named x.yaml is refused as not-a-file."""
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(YamlLoadError) as exc:
        load(tmp_path / "x.yaml")
    assert exc.value.problem.code == "not-a-file"


def test_a_symlink_loop_is_unreadable_not_a_crash(tmp_path: Path):
    """A symlink loop is an unreadable-file problem (and display_path does not crash on it)."""
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(YamlLoadError) as exc:
        load(loop, display_path(loop))
    assert exc.value.problem.code == "unreadable-file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking_unless_pipes_are_allowed(tmp_path: Path):
    """A FIFO is refused at once where only files belong; with pipes=True it is read (a patient given as
    <(cat p.yaml))."""
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(YamlLoadError) as exc:
        load(fifo)
    assert exc.value.problem.code == "not-a-file" and time.perf_counter() - start < 5

    def writer() -> None:
        with open(fifo, "wb") as f:
            f.write(b"grade: G3\n")

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert load(fifo, pipes=True)[0] == {"grade": "G3"}
    finally:
        t.join(5)


def test_an_oversized_file_is_refused_from_its_size(tmp_path: Path):
    """A file over MAX_FILE_BYTES is refused from its size, before it is read."""
    p = tmp_path / "big.yaml"
    with open(p, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(YamlLoadError) as exc:
        load(p)
    assert exc.value.problem.code == "file-too-large"


# ------------------------------------------------------------------------------------------ JSON

def test_json_files_are_read_by_a_json_parser(tmp_path: Path):
    """A .json file is JSON: its numbers (1.4e1, 14e0) are numbers, and its keys are located."""
    p = tmp_path / "p.json"
    p.write_text('{\n  "ki67_percent": 1.4e1,\n  "ecog_ps": 1,\n  "x": 14e0,\n  "l": ["SSA", "TEM"]\n}\n')
    data, loc = load(p, "p.json")
    assert data == {"ki67_percent": 14.0, "ecog_ps": 1, "x": 14.0, "l": ["SSA", "TEM"]}
    assert loc.find(("ecog_ps",)).line == 3 and loc.find(("l", 1)).line == 5 and loc.find(("l", 1)).column == 16


@pytest.mark.parametrize("text,code,line", [
    ('{"grade": "G2",\n "ki67_percent": 14,\n "grade": "G3"}', "duplicate-key", 3),
    ('{"a": {"k": 1}, "b": {"k": 1,\n "k": 2}}', "duplicate-key", 2),
    ('{"grade": "G2",\n "ki67_percent": NaN}', "non-finite-number", 2),
    ('{"ki67_percent": -Infinity}', "non-finite-number", 1),
    ('{"grade": "G2",\n "ki67_percent": 012}', "ambiguous-number", 2),
    ('{"n":\n ' + "9" * 5000 + "}", "number-too-large", 2),
    # CPython 3.13's json reports a trailing comma at the comma (line 1); before, at the "}" after it (line 2)
    ('{"grade": "G2",\n}', "json-syntax", 1 if sys.version_info >= (3, 13) else 2),
    ('{"grade": \'G2\'}', "json-syntax", 1),
    ('{"ki67_percent": .5}', "json-syntax", 1),
    ("[" * 10_000 + "]" * 10_000, "json-too-deep", 1),
    ("[" + ",".join(["1"] * 100_000) + "]", "json-too-large", 1),
], ids=["duplicate-key", "duplicate-key-nested", "nan", "minus-infinity", "leading-zero", "5000-digits",
        "trailing-comma", "single-quotes", "no-leading-digit", "10000-deep", "100000-values"])
def test_json_refusals_are_located(text, code, line):
    """Duplicate keys (at the second occurrence), NaN/Infinity, leading zeros, huge integers, trailing commas,
    depth and size are refused at their line."""
    start = time.perf_counter()
    with pytest.raises(YamlLoadError) as exc:
        load_json_text(text, "p.json")
    assert (exc.value.problem.code, exc.value.problem.location.line) == (code, line), exc.value.problem
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("name,text,syntax", [
    ("p.json", "grade: G2", "json"), ("p.yaml", '{"grade": "G2"}', "yaml"), ("<stdin>", '  \n {"a": 1}', "json"),
    ("<stdin>", "[1]", "json"), ("<stdin>", "grade: G2", "yaml"), ("/dev/fd/63", "{a: 1}", "json"),
])
def test_syntax_follows_the_suffix_then_the_first_character(name, text, syntax):
    """.json is JSON and .yaml is YAML; without a suffix (stdin, a pipe) text starting with { or [ is JSON."""
    assert syntax_for(name, text) == syntax
