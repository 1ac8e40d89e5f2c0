"""Cross-fact consistency checks. They return findings and never raise: contradictory facts are reported,
and the patient is still evaluated as given, so a clinician sees both the answer and the doubt about it."""
from __future__ import annotations

from typing import Any

from netguide.results import Finding

THORACIC = ("lung", "thymus")
# WHO grading of gastro-entero-pancreatic NET by Ki-67 (vocabulary.yaml 'grade'): G1 < 3 %, G2 3-20 %, G3 > 20 %.
GRADE_KI67 = {"G1": (0.0, 3.0, "below 3 %"), "G2": (3.0, 20.0, "from 3 % to 20 %"), "G3": (20.0, 100.0, "above 20 %")}
NOT_SYSTEMIC = ("SURGERY", "TARE", "OBSERVATION")  # codes that are not systemic lines


def _grade_ki67(f: dict[str, Any]) -> list[Finding]:
    grade, ki67 = f.get("grade"), f.get("ki67_percent")
    if grade is None or ki67 is None or f.get("primary_site") in THORACIC:
        return []
    lo, hi, words = GRADE_KI67[grade]
    fits = (ki67 < hi) if grade == "G1" else (lo <= ki67 <= hi) if grade == "G2" else (ki67 > lo)
    if fits:
        return []
    return [Finding("grade-ki67-mismatch", f"grade {grade} means Ki-67 {words}, but Ki-67 is {ki67:g} %; "
                    "check the grade and the Ki-67 (rules use both as given)", ("grade", "ki67_percent"))]


def _checks(f: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    site = f.get("primary_site")
    if f.get("lung_histology") and site is not None and site not in THORACIC:
        out.append(Finding("histology-site-mismatch", f"a lung histology ({f['lung_histology']}) is given for a "
                           f"{site} primary; typical/atypical carcinoid applies to lung and thymus only",
                           ("lung_histology", "primary_site")))
    if f.get("differentiation") == "poor" and f.get("grade") in ("G1", "G2"):
        out.append(Finding("grade-differentiation-mismatch", f"grade {f['grade']} is given for a poorly "
                           "differentiated tumour; G1-G2 applies to well-differentiated NET only",
                           ("differentiation", "grade")))
    if f.get("differentiation") == "poor" and f.get("lung_histology"):
        out.append(Finding("histology-differentiation-mismatch", "a carcinoid histology is given for a poorly "
                           "differentiated tumour", ("differentiation", "lung_histology")))
    setting, stage, resection = f.get("treatment_setting"), f.get("stage"), f.get("resection_status")
    if setting == "advanced" and stage == "localized":
        out.append(Finding("setting-stage-mismatch", "systemic therapy of advanced disease is asked for a "
                           "localized tumour", ("treatment_setting", "stage")))
    if setting == "adjuvant" and resection == "not_resected":
        out.append(Finding("setting-resection-mismatch", "adjuvant treatment is asked, but the tumour is not "
                           "resected", ("treatment_setting", "resection_status")))
    if setting == "neoadjuvant" and resection in ("R0", "R1"):
        out.append(Finding("setting-resection-mismatch", f"neoadjuvant treatment is asked, but the tumour is already "
                           f"resected ({resection})", ("treatment_setting", "resection_status")))
    failed, prior = f.get("failed_therapies"), f.get("prior_therapies")
    if failed is not None and prior is not None and set(failed) - set(prior):
        extra = ", ".join(sorted(set(failed) - set(prior)))
        out.append(Finding("failed-not-given", f"failed therapies not listed as given: {extra}",
                           ("failed_therapies", "prior_therapies")))
    for name, verb in (("prior_therapies", "given"), ("failed_therapies", "failed")):
        systemic = [c for c in (f.get(name) or []) if c not in NOT_SYSTEMIC]
        if f.get("prior_systemic_lines") == 0 and systemic:
            out.append(Finding("lines-therapies-mismatch", f"no earlier systemic line is given, but systemic therapy "
                               f"was {verb}: {', '.join(systemic)}", ("prior_systemic_lines", name)))
    if f.get("high_relapse_risk") and f.get("nodal_status") == "N0" and f.get("lung_histology") == "typical_carcinoid":
        out.append(Finding("relapse-risk-doubt", "a particularly high relapse risk is asserted for a node-negative "
                           "typical carcinoid; the review's example of high risk is an atypical carcinoid with N2",
                           ("high_relapse_risk", "nodal_status", "lung_histology")))
    return out


def check_consistency(facts: dict[str, Any]) -> tuple[Finding, ...]:
    """Every consistency finding for these known facts, in a stable order."""
    return tuple(_grade_ki67(facts) + _checks(facts))
