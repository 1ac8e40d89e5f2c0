"""netguide: executable, cited decision support for chemotherapy in well-differentiated NET (Zappi et al. 2023).

    >>> import netguide
    >>> ev = netguide.evaluate({"differentiation": "well", "primary_site": "pancreas", "grade": "G3",
    ...                         "treatment_setting": "advanced"})
    >>> ev.recommendations[0].kind, ev.to_dict()["rulebook_version"]
"""
from netguide.errors import (
    EngineError,
    EngineUnavailable,
    Location,
    NetguideError,
    PatientFactError,
    Problem,
    ProblemsError,
    RulebookError,
    ScenarioError,
    UsageError,
)
from netguide.evaluation import evaluate
from netguide.patient import Patient, parse_patient
from netguide.results import (
    Citation,
    Evaluation,
    Finding,
    MissingFact,
    Recommendation,
    TraceStep,
)
from netguide.results import DerivedFact
from netguide.rulebook.loader import Rulebook, check_rulebook, load_rulebook
from netguide.rulebook.source import YamlLoadError

__all__ = [
    "Citation",
    "DerivedFact",
    "EngineUnavailable",
    "Location",
    "Problem",
    "ProblemsError",
    "UsageError",
    "YamlLoadError",
    "check_rulebook",
    "EngineError",
    "Evaluation",
    "Finding",
    "MissingFact",
    "NetguideError",
    "Patient",
    "PatientFactError",
    "Recommendation",
    "Rulebook",
    "RulebookError",
    "ScenarioError",
    "TraceStep",
    "evaluate",
    "load_rulebook",
    "parse_patient",
]
