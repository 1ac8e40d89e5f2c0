"""YAML loading keeps plain data and locates every key path at its line and column."""
import pytest

from netguide.yamlsource import YamlLoadError, load_text

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
