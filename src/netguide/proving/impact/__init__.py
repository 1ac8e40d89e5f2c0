"""`netguide diff OLD NEW`: the impact of an edit to the rules. One job per module: sides (a rulebook and its scenarios
at a git revision or in a folder), compare (rules added, removed and changed, in clinical words), outcomes (the
scenarios whose outcome changes, the sampled patients whose answer changes), report (the result and its text) and
command (the CLI's arguments and run).
"""
from .command import SHARED_OPTIONS, add_arguments, run  # noqa: F401
from .report import ImpactResult, impact  # noqa: F401
