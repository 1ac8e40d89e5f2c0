"""The condition language of rule files (rules/README.md), one job per module: tree (the condition data and its
normal forms), parse (YAML to a tree, with located problems), logic (Kleene three-valued evaluation), predicates
(generated fast checks) and index (which rules a patient's known facts still allow).

Absent facts are unknown, never false: a test on an absent fact is UNKNOWN, and the logic is Kleene's.
"""
from .index import RuleIndex  # noqa: F401
from .logic import FALSE, TRUE, UNKNOWN, evaluate3, test_value  # noqa: F401
from .parse import (  # noqa: F401
    NUMERIC_OPS,
    OPERATORS_BY_TYPE,
    parse_condition,
)
from .predicates import relaxed_predicate, waits_predicate  # noqa: F401
from .tree import (  # noqa: F401
    ALWAYS,
    ALWAYS_WORD,
    NEGATION,
    NO_VALUE_OPS,
    SYMBOL,
    All,
    AnyOf,
    Condition,
    Not,
    Test,
    describe,
    facts_of,
    negation_normal_form,
    not_true,
    tests_of,
    with_exception,
    top_level_tests,
)
