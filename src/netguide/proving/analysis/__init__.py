"""`netguide analyze`: gaps, contradictions, unreachable rules, conflicting pairs and the clinical invariants over the
fact space the rules test. One job per module: space (the candidate values of each fact), algebra (conditions as
alternatives, regions and witness patients), covering (pairwise covering arrays and capped products), explorer (the
exploration and its result), report (the text rendering) and command (the CLI's arguments and run). The method is
described in explorer.py.
"""
from .algebra import (  # noqa: F401
    _by_fact,
    _list_witness,
    _satisfying,
    alternatives,
    region,
    strict_predicate,
    witness,
)
from .command import SHARED_OPTIONS, add_arguments, run  # noqa: F401
from .covering import _product_sample, _product_size, pairwise_rows  # noqa: F401
from .explorer import (  # noqa: F401
    CON_KIND,
    CORE_GRID_SHARE,
    PRO_KINDS,
    Analysis,
    Explorer,
    Gaps,
    _plain,
    _plain_value,
    analyze,
)
from .report import _fmt_facts, render_text  # noqa: F401
from .space import (  # noqa: F401
    ABSENT,
    CORE_FACTS,
    DEFAULTS,
    LIST_SUBSETS_UP_TO,
    _Absent,
    _round,
    _with,
    fact_space,
)
