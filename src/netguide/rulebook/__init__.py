"""The rule files as data: the hardened YAML source (source), the rule-file schema (schema), a rules folder on disk or
in memory (folder), loading and checking with every problem at file:line (loader), the side files beside the rules
(sidefiles: implications, prerequisites, invariants) and the review's text for quote checks (quotes).

To add a fact, edit vocabulary.yaml (netguide.vocabulary); to add a condition operator, netguide.conditions.
"""
_LOADER_NAMES = ("LoadedRule", "Rulebook", "check_rulebook", "default_rules_dir", "load_rulebook")


def __getattr__(name: str):
    # Lazily: the condition parser imports rulebook.source, and the loader imports the condition parser.
    if name in _LOADER_NAMES:
        from netguide.rulebook import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'netguide.rulebook' has no attribute {name!r}")
