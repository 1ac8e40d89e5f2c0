"""netguide: executable, cited decision support for chemotherapy in well-differentiated NET (Zappi et al. 2023).

    >>> import netguide
    >>> ev = netguide.evaluate({"differentiation": "well", "primary_site": "pancreas", "grade": "G3",
    ...                         "treatment_setting": "advanced"})
    >>> ev.recommendations[0].kind, ev.to_dict()["rulebook_version"]
"""
from netguide.errors import (
    EngineError,
    NetguideError,
    PatientFactError,
    RulebookError,
    ScenarioError,
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
from netguide.rulebook.loader import Rulebook, load_rulebook

__all__ = [
    "Citation",
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
