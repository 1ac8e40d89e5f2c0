"""Loading and checking rule files: every problem across every file, compiler style, then a Rulebook.

A Rulebook holds only valid rules; load_rulebook() raises RulebookError listing every problem otherwise.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from netguide import conditions
from netguide.conditions import Condition
from netguide.errors import Location, Problem, RulebookError
from netguide.results import Citation, Recommendation
from netguide.rulebook.folder import RuleFolder
from netguide.rulebook.implications import IMPLICATIONS_FILE, load_implications
from netguide.rulebook.invariants import INVARIANTS_FILE, load_invariants
from netguide.rulebook.prerequisites import PREREQUISITES_FILE, load_prerequisites
from netguide.rulebook.problems import pydantic_problems  # noqa: F401  (callers import it here)
from netguide.rulebook.schema import DeclinedFile, Rule, RuleFile
from netguide.rulebook.source import Locator, YamlLoadError, display_path
from netguide.suggestions import suggest

RULEBOOK_MANIFEST = "rulebook.yaml"
DECLINED_FILE = "declined.yaml"


def default_rules_dir() -> Path:
    """The shipped rules: ./rules of the source tree (the package is installed editable from it)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "rules"
        if (candidate / RULEBOOK_MANIFEST).is_file():
            return candidate
    raise RulebookError([Problem("no-rules", "cannot find the rules/ folder beside the netguide source tree")])


@dataclass(frozen=True)
class LoadedRule:
    """A valid rule with its parsed condition and where it was written."""

    rule: Rule
    condition: Condition
    path: str
    locator: Locator
    index: int  # position in the rulebook, for a stable order
    index_in_file: int
    # `condition` is what the engine tests: `when`, and the exception not known to hold. The two parts, for
    # explanations and for deciding whether the advice is provisional:
    when_condition: Condition | None = None
    exception: Condition | None = None  # the parsed `unless`; None when the rule has none

    @cached_property
    def id(self) -> str:
        return self.rule.id

    def location(self, *keys: Any) -> Location:
        return self.locator.find(("rules", self.index_in_file) + keys)

    @cached_property
    def where(self) -> str:
        """file:line:column of the rule, as traces show it."""
        return str(self.location())

    @cached_property
    def sorted_facts(self) -> tuple[str, ...]:
        return tuple(sorted(self.facts))

    @cached_property
    def not_false(self):
        """relaxed predicate: True unless a known fact already makes the condition FALSE."""
        return conditions.relaxed_predicate(self.condition)

    @cached_property
    def waits(self):
        """generated three-valued check: None when the condition is TRUE or FALSE, the facts it waits on when
        UNKNOWN (conditions.evaluate3, without walking the tree)."""
        return conditions.waits_predicate(self.condition)

    @cached_property
    def exception_waits(self):
        """The same for the exception (`unless`); None for a rule without one."""
        return conditions.waits_predicate(self.exception) if self.exception is not None else None

    @cached_property
    def condition_text(self) -> str:
        if self.exception is None:
            return conditions.describe(self.condition)
        return f"{conditions.describe(self.when_condition)} unless ({conditions.describe(self.exception)})"

    @cached_property
    def exception_text(self) -> str:
        return conditions.describe(self.exception) if self.exception is not None else ""

    @cached_property
    def gate(self) -> frozenset[str]:
        """Interventions the conclusion is shown with (empty: always shown); a caution's include its own."""
        gate = set(self.rule.shown_with)
        if self.rule.then.kind == "caution":
            gate |= set(self.rule.then.interventions)
        return frozenset(gate)

    @cached_property
    def gate_text(self) -> str:
        return ", ".join(sorted(self.gate))

    @cached_property
    def recommendation(self) -> Recommendation:
        """The recommendation this rule gives whenever it is shown (it depends on the rule alone)."""
        then = self.rule.then
        cites = tuple(Citation(c.section, " ".join(c.quote.split()), tuple(c.references), c.figures)
                      for c in self.rule.evidence)
        return Recommendation(self.id, then.kind, tuple(then.interventions), tuple(then.trials),
                              " ".join(then.statement.split()), cites, self.rule.title)

    @cached_property
    def shown_variants(self) -> dict[tuple, Recommendation]:
        """The recommendation as some patients are shown it (interventions withdrawn, or provisional), kept by
        netguide.evaluation under (withdrawn, confirm): few per rule, and frozen, so shared like `recommendation`."""
        return {}

    @cached_property
    def facts(self) -> frozenset[str]:
        return conditions.facts_of(self.condition)


@dataclass(eq=False)  # compared and hashed by identity: engine.runtime keeps one runtime per Rulebook object
class Rulebook:
    """Every rule of the rule files, in order, with the rulebook's version and content hash."""

    rules: list[LoadedRule]
    version: str
    content_hash: str
    directory: Path
    declined: DeclinedFile | None = None
    files: list[str] = field(default_factory=list)
    implications: list = field(default_factory=list)  # netguide.rulebook.implications.Implication, applied before the rules
    prerequisites: list = field(default_factory=list)  # netguide.rulebook.prerequisites.Prerequisite, applied to proposals
    invariants: list = field(default_factory=list)  # netguide.rulebook.invariants.Invariant, checked by tests and analyze

    @cached_property
    def by_id(self) -> dict[str, LoadedRule]:
        return {r.id: r for r in self.rules}

    def implication(self, implication_id: str):
        return next(i for i in self.implications if i.id == implication_id)

    @cached_property
    def index(self) -> conditions.RuleIndex:
        """The rules (by position) that a patient's known facts still allow; see conditions.RuleIndex."""
        return conditions.RuleIndex([r.condition for r in self.rules])

    @cached_property
    def position(self) -> dict[str, int]:
        """Rule id -> its position in the rulebook."""
        return {r.id: r.index for r in self.rules}

    @cached_property
    def missing_plan(self) -> "MissingPlan":
        """What evaluation._missing reads of the rules, as bit masks and tuples made once (bit i: rule i)."""
        return MissingPlan(self.rules)

    @property
    def version_string(self) -> str:
        return f"{self.version}+{self.content_hash}"


class MissingPlan:
    """The rules as evaluation._missing reads them: per rule (by position) (id, gate, not_false, waits), and masks
    of the fallback rules and of the rules testing each fact, so that whole groups are ruled out with one AND."""

    def __init__(self, rules: list[LoadedRule]):
        self.rules = tuple((r.id, r.gate, r.not_false, r.waits) for r in rules)
        self.bit = {r.id: 1 << r.index for r in rules}
        self.fallback = sum(1 << r.index for r in rules if r.rule.fallback)
        uses: dict[str, int] = {}
        for r in rules:
            for fact in r.facts:
                uses[fact] = uses.get(fact, 0) | (1 << r.index)
        self.uses = tuple(uses.items())


def load_rulebook(directory: Path | str | None = None, texts: Mapping[str, str] | None = None) -> Rulebook:
    """Load and check every rule file in `directory` (default: the shipped rules); raise RulebookError."""
    book, problems = check_rulebook(directory, texts)
    if problems or book is None:
        raise RulebookError(problems)
    return book


def check_rulebook(directory: Path | str | None = None,
                   texts: Mapping[str, str] | None = None) -> tuple[Rulebook | None, list[Problem]]:
    """Load every rule file and return (rulebook or None, every problem sorted by file and line)."""
    root = Path(directory) if directory is not None else default_rules_dir()
    folder = RuleFolder(root, texts)  # with texts: the folder's files are those texts, nothing is read from disk
    problems: list[Problem] = []
    manifest, manifest_problems = _load_manifest(folder)
    problems += manifest_problems
    paths, order_problems = _rule_files(folder, manifest)
    problems += order_problems
    if not paths:
        problems.append(Problem("no-rules", f"no rule files (*.yaml) in {root}", Location(str(root))))
    loaded: list[LoadedRule] = []
    digest = hashlib.sha256()
    for path in paths:
        shown = display_path(path)
        # Each file is read once: the bytes hashed are the bytes parsed (a second read could differ, or block).
        rules, file_problems, content = _load_rule_file(folder, path, shown, start=len(loaded))
        digest.update(path.name.encode() + b"\0" + content + b"\0")
        loaded += rules
        problems += file_problems
    declined, declined_problems = _load_declined(folder)
    problems += declined_problems
    implications, implication_problems, implication_bytes = load_implications(folder)
    prerequisites, prerequisite_problems, prerequisite_bytes = load_prerequisites(folder)
    invariants, invariant_problems, _ = load_invariants(folder)  # what the answers must do, not how: not hashed
    problems += implication_problems + prerequisite_problems + invariant_problems
    known_ids = {r.id for r in loaded}
    for inv in invariants:
        for rid in inv.spec.forbid_rule + inv.spec.forbid_beside_provisional:
            if rid not in known_ids:
                problems.append(Problem("unknown-rule", f"invariant '{inv.id}' names '{rid}', which is not a rule",
                                        inv.location, field="forbid_rule", value=rid, suggestion=suggest(rid, known_ids)))
    for name, content in ((IMPLICATIONS_FILE, implication_bytes), (PREREQUISITES_FILE, prerequisite_bytes)):
        if content:
            digest.update(name.encode() + b"\0" + content + b"\0")
    problems += _cross_check(loaded)
    if loaded and not any(r.rule.fallback and r.condition == conditions.ALWAYS for r in loaded):
        problems.append(Problem("no-fallback", "no rule has `fallback: true` with `when: always`; every valid patient "
                                "must get an answer", Location(display_path(root / RULEBOOK_MANIFEST), 1, 1)))
    problems.sort(key=lambda p: (p.location.path, p.location.line, p.location.column) if p.location else ("", 0, 0))
    if problems:
        return None, problems
    book = Rulebook(loaded, str(manifest.get("version", "0")), digest.hexdigest()[:12], root, declined,
                    [display_path(p) for p in paths], implications, prerequisites, invariants)
    return book, []


def _load_manifest(folder: RuleFolder) -> tuple[dict[str, Any], list[Problem]]:
    shown = folder.display(RULEBOOK_MANIFEST)
    if not folder.exists(RULEBOOK_MANIFEST):
        return {}, [Problem("no-manifest", f"missing {RULEBOOK_MANIFEST} (the rulebook's version)", Location(shown))]
    try:
        data, _ = folder.load(RULEBOOK_MANIFEST)
    except YamlLoadError as exc:
        return {}, [exc.problem]
    if not isinstance(data, dict) or "version" not in data:
        return {}, [Problem("no-version", f"{RULEBOOK_MANIFEST} must give a version", Location(shown, 1, 1))]
    return data, []


def _rule_files(folder: RuleFolder, manifest: dict[str, Any]) -> tuple[list[Path], list[Problem]]:
    """The rule files in the manifest's order; a file on disk but not listed (or listed but absent) is a problem."""
    root = folder.root
    on_disk = folder.yaml_names() - {RULEBOOK_MANIFEST, DECLINED_FILE, IMPLICATIONS_FILE, PREREQUISITES_FILE,
                                                         INVARIANTS_FILE}
    listed = manifest.get("files") or []
    where = Location(display_path(root / RULEBOOK_MANIFEST), 1, 1)
    problems = [Problem("unlisted-file", f"{name} is not listed under 'files' in {RULEBOOK_MANIFEST}", where, value=name)
                for name in sorted(on_disk - set(listed))]
    problems += [Problem("missing-file", f"{name} is listed in {RULEBOOK_MANIFEST} but does not exist", where, value=name)
                 for name in listed if name not in on_disk]
    return [root / name for name in listed if name in on_disk], problems


def _load_rule_file(folder: RuleFolder, path: Path, shown: str, start: int) -> tuple[list[LoadedRule], list[Problem], bytes]:
    try:
        data, locator = folder.load(path.name)
    except YamlLoadError as exc:
        return [], [exc.problem], b""
    rules, problems = _rules_of_file(path, shown, start, data, locator)
    return rules, problems, locator.content


def _rules_of_file(path: Path, shown: str, start: int, data: Any, locator: Locator) -> tuple[list[LoadedRule], list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return [], [Problem("invalid-file", "a rule file must be a mapping with format, area and rules", locator.find(()))]
    raw_rules = data.get("rules") if isinstance(data.get("rules"), list) else []
    # Validate the file without its conditions first; conditions are parsed separately for precise errors.
    try:
        parsed = RuleFile.model_validate(data)
    except ValidationError as exc:
        problems += pydantic_problems(exc, locator, RuleFile)
        parsed = None
    loaded: list[LoadedRule] = []
    stem = path.stem
    for i, raw in enumerate(raw_rules):
        if not isinstance(raw, dict):
            continue
        if "when" in raw:
            cond, cond_problems = conditions.parse_condition(raw["when"], ("rules", i, "when"), locator)
            problems += cond_problems
        else:
            cond = None
        exception = None
        if raw.get("unless") is not None:
            exception, exc_problems = conditions.parse_condition(raw["unless"], ("rules", i, "unless"), locator)
            problems += exc_problems
            if exception is not None and not raw.get("provided"):
                problems.append(Problem("missing-key", "a rule with `unless` must say in `provided` what must be true "
                                        "for its advice to stand (shown as 'provided that ...')",
                                        locator.find(("rules", i, "unless")), field="provided",
                                        suggestion="provided: the tumour has not already progressed on it"))
                exception = None
        elif raw.get("provided") is not None:
            problems.append(Problem("unknown-key", "`provided` goes with `unless`, which this rule does not have",
                                    locator.find(("rules", i, "provided")), field="provided"))
        rid = raw.get("id")
        if isinstance(rid, str) and "." in rid and rid.split(".", 1)[0] != stem:
            problems.append(Problem("id-prefix", f"rule id '{rid}' must start with the file stem '{stem}.'",
                                    locator.find(("rules", i, "id")), field="id", value=rid, allowed=f"{stem}.<slug>"))
        if parsed is not None and cond is not None and (exception is not None or raw.get("unless") is None):
            engine_cond = conditions.with_exception(cond, exception)
            loaded.append(LoadedRule(parsed.rules[i], engine_cond, shown, locator, start + len(loaded), i,
                                     when_condition=cond, exception=exception))
    return loaded, problems


def _load_declined(folder: RuleFolder) -> tuple[DeclinedFile | None, list[Problem]]:
    if not folder.exists(DECLINED_FILE):
        return None, []
    try:
        data, locator = folder.load(DECLINED_FILE)
        return DeclinedFile.model_validate(data), []
    except YamlLoadError as exc:
        return None, [exc.problem]
    except ValidationError as exc:
        return None, pydantic_problems(exc, locator, DeclinedFile)


def _cross_check(rules: list[LoadedRule]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, LoadedRule] = {}
    for r in rules:
        if r.id in seen:
            first = seen[r.id].location("id")
            problems.append(Problem("duplicate-id", f"rule id '{r.id}' is already used at {first}", r.location("id"),
                                    field="id", value=r.id))
        else:
            seen[r.id] = r
    for r in rules:
        for j, other in enumerate(r.rule.overrides):
            if other not in seen:
                problems.append(Problem("unknown-rule", f"overrides '{other}', which is not a rule", r.location("overrides", j),
                                        field="overrides", value=other, suggestion=suggest(other, seen)))
            elif other == r.id:
                problems.append(Problem("invalid-value", "a rule cannot override itself", r.location("overrides", j),
                                        field="overrides", value=other))
        kind = r.rule.then.kind
        if kind == "caution" and not r.rule.then.interventions:
            problems.append(Problem("caution-without-regimen", "a caution must name the interventions it travels with",
                                    r.location("then", "interventions"), field="interventions"))
        if kind == "clinical_trial" and not r.rule.then.trials and "registry number" not in r.rule.then.statement:
            problems.append(Problem("trial-without-number", "a clinical_trial rule must give its registry number, or say in its statement that the review gives none",
                                    r.location("then", "trials"), field="trials"))
        if kind != "clinical_trial" and r.rule.then.trials:
            problems.append(Problem("invalid-value", f"only clinical_trial conclusions carry trials (this one is {kind})",
                                    r.location("then", "trials"), field="trials"))
        if r.rule.fallback and kind not in ("out_of_scope", "insufficient_evidence", "refer_mdt"):
            problems.append(Problem("invalid-value", f"a fallback rule must conclude out_of_scope, insufficient_evidence or refer_mdt, not {kind}",
                                    r.location("fallback"), field="fallback"))
    return problems
