"""The two CDS Hooks services: what discovery says about them, the prefetch templates (everything the mapping table
reads), and how a request's data becomes one patient's FHIR record (prefetch, else fetched from the EHR's FHIR server
with the bearer token it gave)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netguide.fhir.table import MappingTable

from netguide.review import DOI  # noqa: F401  (one owner: netguide.review; the cards cite it from here)
REVIEW = "Zappi A, et al. Chemotherapy in Well Differentiated Neuroendocrine Tumors (NET) G1, G2, and G3. J Clin Med 2023;12:717"
# The question asked (adjuvant, neoadjuvant or advanced) is never read from a code: the EHR sends it in the request's
# extension (CDS Hooks 2.0 `extension`), or it stays absent and the answer says so.
SETTING_EXTENSION = "netguide.treatmentSetting"


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str


SERVICES = {
    s.id: s for s in (
        Service("netguide-patient-view", "patient-view", "netguide: chemotherapy in well-differentiated NET",
                "Cited advice of Zappi et al. 2023 (J Clin Med 12:717) for this patient's NET, the facts still to "
                "record, and contradictions in the record."),
        Service("netguide-order-select", "order-select", "netguide: drafted NET chemotherapy regimens",
                "For each drafted regimen: proposed, cautioned, advised against or already failed for this patient, "
                "by Zappi et al. 2023 (J Clin Med 12:717)."),
    )
}
# Prefetch keys whose data every answer needs; the medication keys may be absent (then the treatment history is
# unknown, and the answer says so).
REQUIRED = ("conditions", "observations")


def prefetch_templates(table: MappingTable) -> dict[str, str]:
    codes = ",".join(f"{system}|{code}" for system, code in sorted(table.observations))
    return {
        "patient": "Patient/{{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}",
        "observations": "Observation?patient={{context.patientId}}&code=" + codes,
        "medicationRequests": "MedicationRequest?patient={{context.patientId}}",
        "medicationAdministrations": "MedicationAdministration?patient={{context.patientId}}",
    }


def discovery(table: MappingTable) -> dict[str, Any]:
    templates = prefetch_templates(table)
    return {"services": [
        {"hook": s.hook, "id": s.id, "title": s.title, "description": s.description, "prefetch": templates,
         "usageRequirements": "Send the treatment setting asked about (adjuvant, neoadjuvant or advanced) in the "
                              f"request's extension as {SETTING_EXTENSION!r}; it is never read from a code."}
        for s in SERVICES.values()]}


class RequestError(Exception):
    """A hook request the service cannot answer: `status` is the HTTP status (400, 404, 412)."""

    def __init__(self, status: int, message: str, details: Any = None):
        super().__init__(message)
        self.status = status
        self.details = details


def raws_of(key: str, value: Any) -> list[tuple[str, Any]]:
    """(where, resource) pairs of one prefetch value: a searchset Bundle's entries, or one resource."""
    if isinstance(value, dict) and value.get("resourceType") == "Bundle":
        entries = value.get("entry") or []
        if not isinstance(entries, list):
            raise RequestError(400, f"prefetch.{key}: entry must be a list")
        out = []
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or "resource" not in e:
                raise RequestError(400, f"prefetch.{key}.entry[{i}]: each entry holds one resource")
            out.append((f"prefetch.{key}.entry[{i}]", e["resource"]))
        return out
    return [(f"prefetch.{key}", value)]


async def gather(body: dict[str, Any], table: MappingTable, client_factory) -> list[tuple[str, Any]]:
    """Every resource of the request: its prefetch, and what it lacks fetched from fhirServer; RequestError 412 when
    needed data is neither prefetched nor fetchable."""
    context = body.get("context") or {}
    patient = context.get("patientId")
    prefetch = body.get("prefetch") or {}
    if not isinstance(prefetch, dict):
        raise RequestError(400, "prefetch must be an object of prefetch keys")
    templates = prefetch_templates(table)
    raws: list[tuple[str, Any]] = []
    missing = [k for k in templates if prefetch.get(k) is None]
    for key, value in prefetch.items():
        if key in templates and value is not None:
            raws += raws_of(key, value)
    server = body.get("fhirServer")
    token = (body.get("fhirAuthorization") or {}).get("access_token") if isinstance(
        body.get("fhirAuthorization"), dict) else None
    fetchable = bool(server and isinstance(server, str) and isinstance(patient, str) and patient)
    unfetched: list[str] = []
    if missing and fetchable:
        async with client_factory() as client:
            for key in missing:
                query = templates[key].replace("{{context.patientId}}", patient)
                try:
                    raws += await _fetch(client, server, query, token, key)
                except RequestError as exc:
                    unfetched.append(f"{key} ({exc})")
    else:
        unfetched = list(missing)
    needed = [u for u in unfetched if u.split(" ")[0] in REQUIRED]
    if needed:
        how = "" if fetchable else " and no fhirServer (with patientId) to fetch it from"
        raise RequestError(412, f"needed data neither prefetched nor fetchable: {', '.join(needed)}{how}")
    draft = context.get("draftOrders")
    if body.get("hook") == "order-select" and draft is not None:
        raws += raws_of("context.draftOrders", draft) if isinstance(draft, dict) else []
    if isinstance(patient, str) and patient:
        _same_patient(raws, patient)
    return raws


def _same_patient(raws: list[tuple[str, Any]], patient: str) -> None:
    """Every resource is the hook's patient's: an answer mixing two people's facts would be wrong for both."""
    own = f"Patient/{patient}"
    for where, r in raws:
        if not isinstance(r, dict):
            continue
        if r.get("resourceType") == "Patient" and r.get("id") not in (None, patient):
            raise RequestError(400, f"{where}: a Patient other than the hook's context.patientId")
        subject = r.get("subject")
        ref = subject.get("reference") if isinstance(subject, dict) else None
        if isinstance(ref, str) and ref and not (ref == own or ref.endswith("/" + own)):
            raise RequestError(400, f"{where}: refers to another patient than the hook's context.patientId")


async def _fetch(client, server: str, query: str, token: str | None, key: str) -> list[tuple[str, Any]]:
    import httpx

    url = server.rstrip("/") + "/" + query
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    out: list[tuple[str, Any]] = []
    for page in range(10):  # a searchset is paged; ten pages is more than one patient's NET record
        try:
            resp = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise RequestError(412, f"the FHIR server could not be reached: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise RequestError(412, f"the FHIR server answered {resp.status_code}")
        try:
            data = resp.json()
        except ValueError:
            raise RequestError(412, "the FHIR server's answer is not JSON") from None
        out += [(f"fetched.{key}[{page}]{w[len('prefetch.' + key):]}", r) for w, r in raws_of(key, data)]
        nxt = next((ln.get("url") for ln in (data.get("link") or []) if isinstance(ln, dict)
                    and ln.get("relation") == "next"), None) if isinstance(data, dict) else None
        if not nxt:
            break
        url = nxt
    return out
