"""Results rendered by reporters chosen by name: one registry for every command. Results are plain data with
to_dict() (the json reporter); a text reporter is registered for each result type next to where the type is made.
Nothing here decides anything. The next formats (html, CDS Hooks cards, FHIR) register here too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

REPORT_FORMATS = ("text", "json")

_TEXT: dict[type, Callable[..., str]] = {}


def text_reporter(result_type: type):
    """Register the text reporter of a result type (used as a decorator)."""
    def register(fn: Callable[..., str]) -> Callable[..., str]:
        _TEXT[result_type] = fn
        return fn
    return register


def _json(result: Any, **_: Any) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def _text(result: Any, **options: Any) -> str:
    for cls in type(result).__mro__:
        if cls in _TEXT:
            text = _TEXT[cls](result, **options)
            return text if text.endswith("\n") else text + "\n"
    raise LookupError(f"no text reporter for {type(result).__name__}")


REPORTERS: dict[str, Callable[..., str]] = {"text": _text, "json": _json}


def render(result: Any, fmt: str = "text", **options: Any) -> str:
    """The result as the named reporter renders it; `options` go to the text reporter (the json one ignores them)."""
    return REPORTERS[fmt](result, **options)


@dataclass
class CommandOutcome:
    """What a command returns to the CLI: its result, whether it passed (exit 0) or found problems (exit 1), and the
    options of its text reporter. Only the CLI prints and maps this to an exit code."""

    result: Any
    ok: bool
    options: dict[str, Any] = field(default_factory=dict)


# The evaluation's text reporter is the library's own.
from netguide.reporting.text import render_evaluation  # noqa: E402
from netguide.results import Evaluation  # noqa: E402

text_reporter(Evaluation)(render_evaluation)

# A FHIR record's evaluation: the evaluation, then provenance and the unmapped items.
from netguide.fhir.results import FhirEvaluation  # noqa: E402
from netguide.reporting.fhir import render_fhir_evaluation  # noqa: E402

text_reporter(FhirEvaluation)(render_fhir_evaluation)

# The CDS Hooks service's feedback summary (plain data; importing it needs no service package).
from netguide.service.feedback import FeedbackSummary, render_summary  # noqa: E402

text_reporter(FeedbackSummary)(render_summary)
