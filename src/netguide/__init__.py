"""netguide: executable, cited decision support for chemotherapy in well-differentiated NET (Zappi et al. 2023)."""
from .errors import NetguideError, PatientFactError, RulebookError, ScenarioError
from .patient import Patient
from .rulebook import Rulebook, load_rulebook

__all__ = [
    "NetguideError",
    "Patient",
    "PatientFactError",
    "Rulebook",
    "RulebookError",
    "ScenarioError",
    "load_rulebook",
]
