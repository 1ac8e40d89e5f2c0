"""`netguide mutate`: mutation testing of the rule files against the scenario suite.

Each mutant changes one thing in one rule, on the parsed rule file (the YAML data), with one operator:
- drop_condition: drop one key of a `when` mapping (a fact, `all`, `any` or `not`), one operator of a fact's
  test mapping (`{above: 3, at_most: 20}` -> `{at_most: 20}`), or one item of an `all` / `any` list. A `when`
  with a single key becomes `when: always`. An item that is the only one of its list is not dropped alone
  (dropping its key covers it).
- flip_comparison: above <-> at_most, below <-> at_least, includes <-> excludes, known: true <-> false,
  a value or list <-> `{not: ...}` (one_of <-> not), a boolean true <-> false, and a `not:` combinator removed.
- move_threshold: a numeric threshold t moves to either side: t - 1 and t + 1 for integer facts; t - 5 and
  t + 5 percentage points for number facts (Ki-67 %), clamped to the fact's range (a move that clamps back to
  t is not made).
- swap_value: an enum value is replaced by each sibling value of the vocabulary not already listed; an integer
  value by its neighbours (v - 1, v + 1). Intervention codes in includes / excludes are not swapped (about
  fifty siblings each; flip and drop cover those tests).
- drop_intervention: one code dropped from `then.interventions`.

Each mutant's rules folder (a copy with the one file changed) is loaded with load_rulebook and compiled; every
scenario that passes on the unmutated rules is run against it, those naming the mutated rule first, until one
fails: the mutant is killed. A mutant whose rules do not load or compile is invalid (counted apart, not killed).
Score = killed / (killed + survived). Mutants run in worker processes (a compiled runtime keeps ~300 KB of C
memory), each worker parsing every unchanged file once.

CI runs a fixed sample: `netguide mutate --sample 150 --seed 1`; the full run is `netguide mutate`.

One job per module: operators, runner, equivalence, report, command.
"""
from .command import SHARED_OPTIONS, add_arguments, run  # noqa: F401
from .equivalence import _engine_condition, distinguishing_patient  # noqa: F401
from .operators import (  # noqa: F401
    FLIPPED_OPS,
    INTEGER_DELTA,
    NUMBER_DELTA,
    NUMERIC_OPS,
    OPERATORS,
    Change,
    KeyPath,
    Mutant,
    _as_text,
    _condition_changes,
    _fact_changes,
    _moved,
    _renamed,
    _sibling_values,
    _value_changes,
    generate_mutants,
    rule_changes,
)
from .report import Outcome, Report, render_text, survivor_line  # noqa: F401
from .runner import (  # noqa: F401
    DEFAULT_JOBS,
    MAX_TASKS_PER_CHILD,
    START_METHOD,
    baseline,
    mutate,
    run_mutant,
    select,
)
