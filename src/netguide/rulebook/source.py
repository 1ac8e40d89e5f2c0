"""Reading data files, the one door for patients, rule files, rulebook.yaml, declined.yaml and scenario files.

Each file is read once, as bytes (at most MAX_FILE_BYTES), decoded as UTF-8, and parsed as YAML or JSON. The data
stay plain (dicts, lists, scalars); a Locator beside them maps a key path, such as a pydantic error `loc`, to
file:line:column, so errors in data files point at the line a person must edit, and keeps the bytes read (the
rulebook's content hash).

Anything refused is a YamlLoadError carrying one Problem at file:line:col, raised before the data exist:

- not a file: a folder, a FIFO or a device in a rules or scenarios folder (`not-a-file`; a FIFO would block the
  reader for ever). A patient may come through a pipe (`netguide evaluate <(cat p.yaml)`, /dev/stdin), so
  `load(..., pipes=True)` reads pipes and devices too, with the same size cap;
- too much: more than MAX_FILE_BYTES (`file-too-large`);
- not UTF-8 (`not-utf8`, naming the byte offset);
- YAML that expands beyond anything a person writes: an alias inside its own anchor (`yaml-alias`, the data would
  be infinitely deep), more than MAX_ALIASES aliases (`yaml-alias`), nesting deeper than MAX_DEPTH (`yaml-too-deep`,
  counted while composing, long before Python's recursion limit), more than MAX_NODES values once aliases are
  expanded (`yaml-too-large`: "billion laughs" is refused after a few thousand nodes, not after 50 s);
- merge keys (`<<: *base`) are refused outright (`yaml-merge-key`): a merged key beside an explicit one is a
  duplicate YAML resolves silently, and no shipped file needs them;
- a key given twice in one mapping (`duplicate-key`), a key that is a list or a mapping (`invalid-key`);
- `!!set` (`unordered-collection`): its order, and so the answer's, would depend on hashing;
- numbers that do not mean what they look like. YAML 1.1 reads 012 as 10 (octal), 1:05 as 65 (base 60), 0x0e
  as 14, 0b1100 as 12 and 1_2.5 as 12.5. Here numbers are plain decimals only: integers `[-+]?(0|[1-9][0-9]*)`,
  decimals 12.5, .5, 5., 1.4e1, 14e0. Anything else that looks numeric (a leading zero, ':', 0x/0o/0b, '_' among
  the digits) is refused (`ambiguous-number`: "write 12, or quote it if you mean text"); an integer of more than
  MAX_INT_DIGITS digits, or a decimal of more than MAX_FLOAT_DIGITS, is beyond any fact's range and is refused
  before it is converted (`number-too-large`). `.inf` and `.nan` stay floats: the patient model refuses them as
  "not a finite number". Dates are not converted: 2023-01-05 stays the text typed.

Booleans keep YAML 1.1's words, yes/no, on/off and true/false (in PyYAML's casings: yes, Yes, YES), because
`bulky_disease: yes` is what a clinician means.

JSON (a `.json` file, or standard input or a pipe whose first non-blank character is `{` or `[`) is read by a JSON
parser, not by YAML: duplicate keys, NaN and Infinity, numbers as above, and more than MAX_DEPTH levels or
MAX_NODES values are refused; syntax errors (a trailing comma, 012) are `json-syntax` at line:col.
"""
from __future__ import annotations

import bisect
import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from netguide.errors import ProblemsError, Location, Problem, describe_value

KeyPath = tuple[Any, ...]

MAX_FILE_BYTES = 1 << 20  # 1 MiB: the largest shipped file is 70 KB
MAX_DEPTH = 48  # a rule condition nests 8 to 12 levels
MAX_NODES = 20_000  # values after aliases are expanded: the largest shipped file has 3,500 (a 20,000-item list
# takes PyYAML 0.4 s to read, so that is how long refusing the biggest flat file takes)
MAX_ALIASES = 1_000
MAX_INT_DIGITS = 15  # no fact comes near; a 5,000-digit integer would otherwise reach int()'s own limit
MAX_FLOAT_DIGITS = 32  # a float written in full by a program has at most 17 significant digits

INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
SET_TAG, MERGE_TAG = "tag:yaml.org,2002:set", "tag:yaml.org,2002:merge"
AMBIGUOUS_TAG = "tag:netguide,2024:ambiguous-number"

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
# What YAML 1.1 (or a person) would take for a number: digits with leading zeros, '_', ':', a 0x/0o/0b prefix.
_NUMBERISH = re.compile(r"[-+]?(?:0[xXoObB][0-9a-fA-F_]*|[0-9][0-9_]*(?::[0-9_]*)*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9_]+)?"
                        r"|\.[0-9][0-9_]*(?:[eE][-+]?[0-9_]+)?)")


class YamlLoadError(ProblemsError):
    """A data file was refused before its data existed; `problem` says what, where, and what to write instead."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.problems = [problem]
        super().__init__(str(problem))


class Locator:
    """Maps key paths of one document to 1-based (line, column); `content` holds the bytes that were parsed."""

    def __init__(self, path: str, marks: dict[KeyPath, tuple[int, int]], content: bytes = b""):
        self.path = path
        self._marks = marks
        self.content = content

    def __contains__(self, keypath: KeyPath) -> bool:
        """Whether the document has exactly this key path."""
        return tuple(keypath) in self._marks

    def find(self, keypath: KeyPath) -> Location:
        """The location of the longest known prefix of `keypath` (the file itself if none)."""
        kp = tuple(keypath)
        while kp:
            if kp in self._marks:
                line, col = self._marks[kp]
                return Location(self.path, line, col)
            kp = kp[:-1]
        line, col = self._marks.get((), (1, 1))
        return Location(self.path, line, col)


# ---------------------------------------------------------------------------------------------- numbers

def number_problem(text: str, *, tagged_int: bool = False, yaml11: bool = True) -> dict[str, str] | None:
    """The problem (code, message, allowed, suggestion) when `text`, read as a number, would not mean what it
    looks like; None when it is fine."""
    digits = sum(ch.isdigit() for ch in text)
    allowed = "a plain decimal number such as 12, 12.5 or 1.4e1, or text in quotes"
    if _INT.fullmatch(text) or (not tagged_int and _FLOAT.fullmatch(text)):
        limit = MAX_INT_DIGITS if _INT.fullmatch(text) else MAX_FLOAT_DIGITS
        if digits > limit:
            return {"code": "number-too-large", "allowed": f"a number of at most {limit} digits",
                    "message": f"a number of {digits} digits is beyond any fact's range (at most {limit} digits are "
                               "read); quote it if you mean text"}
        if not _INT.fullmatch(text) and math.isinf(float(text)):  # 1e400 would silently become infinity
            return {"code": "number-too-large", "message": f"{text} is beyond any number a fact can take",
                    "allowed": "a finite number"}
        return None
    # Echo it only when it is short: a record number with a leading zero is exactly what must not be repeated.
    if len(text) > 8 or digits > 5:
        return {"code": "ambiguous-number", "allowed": allowed,
                "message": f"this value ({digits} digits) is not a plain decimal number; write it as one, or quote "
                           "it if you mean text"}
    if tagged_int and _FLOAT.fullmatch(text):
        return {"code": "ambiguous-number", "message": f"{text!r} is tagged !!int but is not a whole number",
                "allowed": "a whole number"}
    reading = _yaml11_reading(text) if yaml11 else ""
    return {"code": "ambiguous-number", "allowed": allowed,
            "message": f"{text!r} is not a plain decimal number: {reading}write {_plain_decimal(text)}, or quote it "
                       "if you mean text"}


def _yaml11_reading(text: str) -> str:
    """What YAML 1.1 (PyYAML's default) would have made of it, which is why it is refused."""
    if len(text) > 40:
        return ""
    try:
        value = yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - the safe loader, on one short scalar
    except yaml.YAMLError:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"YAML 1.1 would read it as {value}; "
    return ""


def _plain_decimal(text: str) -> str:
    """The plain decimal a person probably meant ("012" -> "12", "1_2.5" -> "12.5"), or a description."""
    if re.search(r"0[xXoObB]|:", text):
        return "the number as a plain decimal"
    sign = text[0] if text[:1] in "+-" else ""
    body = text[len(sign):].replace("_", "")
    whole, dot, frac = body.partition(".")
    whole = whole.lstrip("0") or "0"
    candidate = sign.replace("+", "") + whole + dot + frac
    return candidate if _INT.fullmatch(candidate) or _FLOAT.fullmatch(candidate) else "a plain decimal"


# ---------------------------------------------------------------------------------------------- YAML

_DROPPED_RESOLVERS = {INT_TAG, FLOAT_TAG, "tag:yaml.org,2002:timestamp"}


class HardenedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with bounds on what a document may expand to, and plain decimal numbers.

    Use it through load_text(): it raises YamlLoadError (at the node) while composing, so nothing is built
    from a hostile document.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_RESOLVERS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, text: str, display: str):
        super().__init__(text)
        self.display = display
        self._depth = 0
        self._aliases = 0
        self._open_anchors: set[str] = set()
        self._measure: dict[int, tuple[int, int]] = {}  # id(node) -> (values once expanded, height)
        self._expanded = 0  # values of the document so far, each alias counted as the values it stands for

    def refuse(self, code: str, message: str, mark: Any, field: str | None = None, allowed: str | None = None,
               suggestion: str | None = None) -> YamlLoadError:
        where = Location(self.display, mark.line + 1, mark.column + 1) if mark is not None else Location(self.display)
        return YamlLoadError(Problem(code, message, where, field=field, allowed=allowed, suggestion=suggestion))

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0] and value:
            if _INT.fullmatch(value):
                return INT_TAG
            if _FLOAT.fullmatch(value) or _SPECIAL_FLOAT.fullmatch(value):
                return FLOAT_TAG
            if _NUMBERISH.fullmatch(value):
                return AMBIGUOUS_TAG  # refused in _walk, where the key it belongs to is known
        return super().resolve(kind, value, implicit)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open_anchors:
                raise self.refuse("yaml-alias", f"the alias *{event.anchor} is inside its own anchor &{event.anchor}: "
                                  "the data would be infinitely deep", event.start_mark)
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise self.refuse("yaml-alias", f"more than {MAX_ALIASES} aliases in one file; write the values out",
                                  event.start_mark)
            node = super().compose_node(parent, index)
            self._count(self._measure[id(node)][0], event.start_mark)
            return node
        self._count(1, event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise self.refuse("yaml-too-deep", f"nested more than {MAX_DEPTH} levels deep; no netguide file needs "
                              "that many", event.start_mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        node = super().compose_node(parent, index)
        self._open_anchors.discard(anchor)
        self._depth -= 1
        self._check_expansion(node)
        return node

    def _count(self, values: int, mark: Any) -> None:
        # Counted as the document is read, so a long list is refused at its 20,001st value, not after the last.
        self._expanded += values
        if self._expanded > MAX_NODES:
            raise self.refuse("yaml-too-large", f"the file expands to more than {MAX_NODES:,} values (through "
                              "aliases or sheer size); no netguide file needs that many", mark)

    def _check_expansion(self, node: Any) -> None:
        """Measure the values and height `node` stands for once aliases are expanded (each node measured once),
        so an alias adds its target's full size to the count and a deep target's height to the depth."""
        size, height = 1, 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        for child in children:
            s, h = self._measure[id(child)]
            size += s
            height = max(height, h + 1)
        if height > MAX_DEPTH:
            raise self.refuse("yaml-too-deep", f"through aliases this value nests more than {MAX_DEPTH} levels deep",
                              node.start_mark)
        self._measure[id(node)] = (size, height)


def _construct_int(loader: HardenedLoader, node: Any) -> int:
    problem = number_problem(node.value, tagged_int=True)
    if problem:
        raise loader.refuse(mark=node.start_mark, **problem)
    return int(node.value)


def _construct_float(loader: HardenedLoader, node: Any) -> float:
    text = node.value
    if _SPECIAL_FLOAT.fullmatch(text):
        return float(text.lower().replace(".", ""))  # "-.inf" -> "-inf", ".nan" -> "nan"
    problem = number_problem(text)
    if problem:
        raise loader.refuse(mark=node.start_mark, **problem)
    return float(text)


def _construct_ambiguous(loader: HardenedLoader, node: Any) -> Any:
    problem = number_problem(node.value) or {"code": "ambiguous-number", "message": "not a plain decimal number"}
    raise loader.refuse(mark=node.start_mark, **problem)


def _construct_set(loader: HardenedLoader, node: Any) -> Any:
    raise loader.refuse("unordered-collection", "!!set is unordered, so the answer could change from run to run; "
                        "write a list", node.start_mark)


HardenedLoader.add_constructor(INT_TAG, _construct_int)
HardenedLoader.add_constructor(FLOAT_TAG, _construct_float)
HardenedLoader.add_constructor(AMBIGUOUS_TAG, _construct_ambiguous)
HardenedLoader.add_constructor(SET_TAG, _construct_set)


def _walk(loader: HardenedLoader, node: Any, path: KeyPath, marks: dict[KeyPath, tuple[int, int]]) -> None:
    """Record where every key path starts, and refuse what the data would silently lose or change."""
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    field = next((str(k) for k in reversed(path) if isinstance(k, str)), None)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == AMBIGUOUS_TAG or (node.tag in (INT_TAG, FLOAT_TAG) and not _SPECIAL_FLOAT.fullmatch(node.value)):
            problem = number_problem(node.value, tagged_int=node.tag == INT_TAG)
            if problem:
                raise loader.refuse(mark=node.start_mark, field=field, **problem)
    elif isinstance(node, yaml.MappingNode):
        if node.tag == SET_TAG:
            _construct_set(loader, node)
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _key(loader, key_node)
            # PyYAML keeps the last of two equal keys and drops the first without a word: in a rule file that is
            # a condition or a note lost, so a repeated key is an error.
            if key in first_seen:
                raise loader.refuse("duplicate-key", f"{describe_value(key)} is given twice in this mapping (first at "
                                    f"line {first_seen[key]}); the first would be silently ignored",
                                    key_node.start_mark, field=str(key))
            first_seen[key] = key_node.start_mark.line + 1
            child = path + (key,)
            # A key's errors point at the key itself: that is the line an author reads and edits.
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(loader, value_node, child, marks)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(loader, item, path + (i,), marks)


def _key(loader: HardenedLoader, key_node: Any) -> Any:
    if key_node.tag == MERGE_TAG:
        raise loader.refuse("yaml-merge-key", "merge keys (<<) are not accepted: a merged key next to one written "
                            "out is a duplicate YAML resolves silently; write each key out", key_node.start_mark)
    if not isinstance(key_node, yaml.ScalarNode):
        raise loader.refuse("invalid-key", "a key must be a word or a number, not a list or a mapping",
                            key_node.start_mark)
    _walk(loader, key_node, (), {})  # a key is a scalar like any other: 012 is as ambiguous there
    return loader.construct_object(key_node)


def _yaml_error_problem(exc: yaml.YAMLError, text: str, path: str) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        msg = " ".join(filter(None, [exc.context, exc.problem])) or "malformed YAML"
        return Problem("yaml-syntax", msg, loc)
    if isinstance(exc, yaml.reader.ReaderError):
        line, col = _line_col(text, exc.position)
        what = f"character U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        return Problem("yaml-syntax", f"{what} is not allowed in a YAML file ({exc.reason})", Location(path, line, col))
    return Problem("yaml-syntax", str(exc), Location(path))


def load_text(text: str, path: str) -> tuple[Any, Locator]:
    """Parse YAML text with the hardened loader; raise YamlLoadError (with line) when it is refused."""
    _check_size(len(text), path)
    loader = None
    try:
        loader = HardenedLoader(text, path)  # the reader refuses control characters here
        root = loader.get_single_node()
        marks: dict[KeyPath, tuple[int, int]] = {}
        if root is not None:
            _walk(loader, root, (), marks)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        raise YamlLoadError(_yaml_error_problem(exc, text, path)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, Locator(path, marks, text.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------------------------- JSON

_JSON_TOKEN = re.compile(r'\s*(?:([{}\[\],:])|("(?:[^"\\\n]|\\.)*")|([^\s{}\[\],:"]+))', re.S)
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


class _JsonRefused(Exception):
    pass


def _json_walk(text: str, path: str) -> dict[KeyPath, tuple[int, int]]:
    """Marks for every key path, and the refusals that need a position, in text order; lenient about syntax
    (json.loads reports syntax errors afterwards), iterative (no recursion, whatever the depth)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(pos: int) -> Location:
        line = bisect.bisect_right(starts, pos)
        return Location(path, line, pos - starts[line - 1] + 1)

    def refuse(code: str, message: str, pos: int, field: str | None = None, allowed: str | None = None,
               suggestion: str | None = None) -> YamlLoadError:
        return YamlLoadError(Problem(code, message, where(pos), field=field, allowed=allowed, suggestion=suggestion))

    marks: dict[KeyPath, tuple[int, int]] = {}
    # One frame per open container: [is_object, keys seen, key path, next key or index, expecting a key]
    stack: list[list[Any]] = []
    values = 0
    pos = 0

    def value_path() -> KeyPath:
        top = stack[-1]
        return top[2] + (top[3],)

    while pos < len(text):
        m = _JSON_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        start, pos = m.start(m.lastindex), m.end()
        punct, string, word = m.group(1), m.group(2), m.group(3)
        field = next((str(k) for k in reversed(value_path()) if isinstance(k, str)), None) if stack else None
        if punct in ("{", "["):
            values += 1
            vpath = value_path() if stack else ()
            marks.setdefault(vpath, _lc(where(start)))
            if len(stack) + 1 > MAX_DEPTH:
                raise refuse("json-too-deep", f"nested more than {MAX_DEPTH} levels deep; no netguide file needs that "
                             "many", start)
            stack.append([punct == "{", set(), vpath, 0, punct == "{"])
        elif punct in ("}", "]"):
            if not stack:
                break
            stack.pop()
            if stack and not stack[-1][0]:
                stack[-1][3] += 1
        elif punct == ",":
            if stack and stack[-1][0]:
                stack[-1][4] = True
        elif punct == ":":
            continue
        elif string is not None:
            if stack and stack[-1][0] and stack[-1][4]:
                try:
                    key = json.loads(string)
                except ValueError:
                    break
                top = stack[-1]
                if key in top[1]:
                    raise refuse("duplicate-key", f"{describe_value(key)} is given twice in this object; the first "
                                 "would be silently ignored", start, field=str(key))
                top[1].add(key)
                top[3], top[4] = key, False
                marks[top[2] + (key,)] = _lc(where(start))
                continue
            values += 1
            if stack:
                marks.setdefault(value_path(), _lc(where(start)))
                if not stack[-1][0]:
                    stack[-1][3] += 1
        else:
            values += 1
            if word in ("NaN", "Infinity", "-Infinity", "+Infinity"):
                raise refuse("non-finite-number", f"{word} is not a number a fact can take; give the value, or "
                             "leave the fact out if it is not known", start, field=field)
            if word not in ("true", "false", "null"):
                if _JSON_NUMBER.fullmatch(word) or _NUMBERISH.fullmatch(word):
                    problem = number_problem(word, yaml11=False)
                    if problem:
                        raise refuse(pos=start, field=field, **problem)
            if stack:
                marks.setdefault(value_path(), _lc(where(start)))
                if not stack[-1][0]:
                    stack[-1][3] += 1
        if values > MAX_NODES:
            raise refuse("json-too-large", f"more than {MAX_NODES:,} values; no netguide file needs that many", start)
    return marks


def _lc(loc: Location) -> tuple[int, int]:
    return loc.line, loc.column


def load_json_text(text: str, path: str) -> tuple[Any, Locator]:
    """Parse JSON text strictly; raise YamlLoadError (at line:col) when it is refused."""
    _check_size(len(text), path)
    marks = _json_walk(text, path)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in items:
            if k in out:
                raise _JsonRefused(Problem("duplicate-key", f"{describe_value(k)} is given twice in one object",
                                           Location(path), field=k))
            out[k] = v
        return out

    def constant(name: str) -> Any:
        raise _JsonRefused(Problem("non-finite-number", f"{name} is not a number a fact can take", Location(path)))

    def number(text: str) -> Any:
        problem = number_problem(text, yaml11=False)
        if problem:
            raise _JsonRefused(Problem(location=Location(path), **problem))
        return float(text) if any(c in text for c in ".eE") else int(text)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=number, parse_float=number)
    except json.JSONDecodeError as exc:
        raise YamlLoadError(Problem("json-syntax", f"{exc.msg} (JSON has no comments, trailing commas or leading "
                                    "zeros)", Location(path, exc.lineno, exc.colno))) from None
    except _JsonRefused as exc:
        raise YamlLoadError(exc.args[0]) from None
    except RecursionError:
        raise YamlLoadError(Problem("json-too-deep", f"nested more than {MAX_DEPTH} levels deep", Location(path))) from None
    return data, Locator(path, marks, text.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------------------------- files

def _check_size(size: int, path: str) -> None:
    if size > MAX_FILE_BYTES:
        raise YamlLoadError(Problem("file-too-large", f"more than {MAX_FILE_BYTES:,} bytes; no netguide file is "
                                    "that large (the largest shipped file is 70 KB)", Location(path)))


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def read_bytes(path: Path | str, display: str | None = None, *, pipes: bool = False) -> bytes:
    """The bytes of one file (at most MAX_FILE_BYTES), read once. Only regular files, unless `pipes`: then
    pipes and devices too (a patient given as <(cat p.yaml) or /dev/stdin)."""
    p = Path(path)
    shown = display or str(p)
    try:
        st = os.stat(p)  # follows symlinks; a loop is ELOOP
    except FileNotFoundError:
        raise YamlLoadError(Problem("no-such-file", "no such file", Location(shown))) from None
    except OSError as exc:
        raise YamlLoadError(Problem("unreadable-file", f"cannot read it: {exc.strerror or exc}", Location(shown))) from None
    if stat.S_ISDIR(st.st_mode):
        raise YamlLoadError(Problem("not-a-file", "is a folder, not a file", Location(shown)))
    readable = stat.S_ISREG(st.st_mode) or (pipes and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)))
    if not readable:
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "not a regular file"
        raise YamlLoadError(Problem("not-a-file", f"is {kind}; a rules or scenarios folder holds plain files only",
                                    Location(shown)))
    if stat.S_ISREG(st.st_mode):
        _check_size(st.st_size, shown)
    try:
        with open(p, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise YamlLoadError(Problem("unreadable-file", f"cannot read it: {exc.strerror or exc}", Location(shown))) from None
    _check_size(len(raw), shown)
    return raw


def decode(raw: bytes, display: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped); `not-utf8` names the first bad byte and its offset."""
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        return raw[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        line = raw.count(b"\n", 0, offset) + 1
        col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise YamlLoadError(Problem("not-utf8", f"byte 0x{raw[offset]:02x} at byte offset {offset} is not UTF-8 text; "
                                    "save the file as UTF-8", Location(display, line, col))) from None


def syntax_for(name: str, text: str) -> str:
    """'json' for a .json file, 'yaml' for .yaml/.yml; otherwise (stdin, a pipe) JSON when the text starts
    with { or [, else YAML."""
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def load_bytes(raw: bytes, display: str, syntax: str | None = None) -> tuple[Any, Locator]:
    """Decode and parse bytes read from `display` (a file name, or <stdin>)."""
    _check_size(len(raw), display)
    text = decode(raw, display)
    syntax = syntax or syntax_for(display, text)
    data, locator = (load_json_text if syntax == "json" else load_text)(text, display)
    locator.content = raw
    return data, locator


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # not below; or a symlink loop (RuntimeError on 3.11)
        return str(path)


def load(path: Path | str, display: str | None = None, *, pipes: bool = False) -> tuple[Any, Locator]:
    """Read and parse one data file (YAML, or JSON for a .json file); `display` is the path shown in messages
    (default: as given). Regular files only unless `pipes`."""
    shown = display or str(path)
    return load_bytes(read_bytes(path, shown, pipes=pipes), shown)
