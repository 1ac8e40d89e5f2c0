"""The CDS Hooks service live: a real `netguide serve` (uvicorn) on 127.0.0.1 driven over HTTP - discovery, both
hooks, every error, the EHR's FHIR server, bearer JWTs accepted and refused, CORS, and feedback kept across a
restart. What each card must say is written from the review and vocabulary.yaml by hand."""
from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

pytest.importorskip("fastapi", reason="the service extra is not installed: pip install -e '.[serve]'")
import httpx  # noqa: E402
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from live_server import ROOT, NetguideServer, TinyFhirServer, free_port  # noqa: E402

EXAMPLES = ROOT / "examples"
PV = "/cds-services/netguide-patient-view"
OS = "/cds-services/netguide-order-select"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    s = NetguideServer("--local", "--db", str(tmp / "feedback.sqlite3"), log=tmp / "serve.log")
    s.db = tmp / "feedback.sqlite3"
    yield s
    s.stop()


def post(server, path: str, body, **kw) -> httpx.Response:
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return httpx.post(server.url + path, content=content, headers={"Content-Type": "application/json",
                                                                  **kw.pop("headers", {})}, timeout=60, **kw)


# --- discovery and the hooks ---------------------------------------------------------------------------------------

def test_discovery_lists_both_hooks_with_prefetch_for_everything_mapped(server):
    services = httpx.get(server.url + "/cds-services", timeout=30).json()["services"]
    assert {s["hook"] for s in services} == {"patient-view", "order-select"}
    for s in services:
        pre = s["prefetch"]
        assert {"conditions", "observations", "medicationRequests", "medicationAdministrations"} <= set(pre)
        # the Observations the mapping reads: Ki-67, grade (NCIT and LOINC), ECOG, disease status, TNM M
        for code in ("http://loinc.org|29593-1", "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl|C18000",
                     "http://loinc.org|33732-9", "http://loinc.org|89247-1", "http://loinc.org|97509-4",
                     "http://loinc.org|21907-1"):
            assert code in pre["observations"]


def _check_card(card: dict) -> None:
    uuid.UUID(card["uuid"])
    assert 0 < len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning")  # nothing in the review justifies critical
    assert card["source"]["url"] == "https://doi.org/10.3390/jcm12020717"
    assert "Zappi" in card["source"]["label"] and card["source"]["topic"]["code"]
    assert card["overrideReasons"] and all(r["code"] and r["display"] for r in card["overrideReasons"])


def test_patient_view_gives_cited_cards(server):
    r = post(server, PV, example("cds_hooks_patient_view.json"))
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    for c in cards:
        _check_card(c)
    # the review: "TEM and CAPTEM are the most useful regimens" in advanced G1-G2 panNET
    captem = [c for c in cards if "CAPTEM" in c["summary"] and c["source"]["topic"]["code"].startswith("g12_pancreatic")]
    assert captem and captem[0]["indicator"] == "info"
    assert "\u201c" in captem[0]["detail"] and "section" in captem[0]["detail"]
    assert "g12_pancreatic" in captem[0]["detail"]
    # the SSA failed (stopped for no response): it is never proposed again
    assert not [c for c in cards if c["summary"].split(":")[0] in ("Recommended", "Preferred", "Option")
                and c["summary"].split(":")[1].split("\u2014")[0].strip() == "SSA"]
    # what the review advises against is a warning
    assert all(c["indicator"] == "warning" for c in cards if c["summary"].startswith("Not recommended"))
    assert any(c["summary"].startswith("Record ") for c in cards)


def test_provisional_advice_is_marked_with_the_facts_to_confirm(server):
    """Without a treatment history, advice the review gives "after failure of other therapies" cannot be definite."""
    body = example("cds_hooks_patient_view.json")
    body["prefetch"]["medicationRequests"] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    cards = post(server, PV, body).json()["cards"]
    provisional = [c for c in cards if "(provisional)" in c["summary"]]
    assert provisional
    for c in provisional:
        assert "**Provisional:**" in c["detail"] and "To confirm, record:" in c["detail"]


def _draft(rid: str, rxnorm: str, group: str | None) -> dict:
    r = {"resourceType": "MedicationRequest", "id": rid, "status": "draft", "intent": "order",
         "subject": {"reference": "Patient/g2-pannet"},
         "medicationCodeableConcept": {"coding": [{"system": RX, "code": rxnorm}]}}
    if group:
        r["groupIdentifier"] = {"value": group}
    return {"resource": r}


def test_order_select_says_what_the_review_says_of_each_drafted_regimen(server):
    body = example("cds_hooks_order_select.json")
    body["context"]["draftOrders"]["entry"] += [_draft("d-stz", "10114", "stz"), _draft("d-cap2", "194000", "stz"),
                                                _draft("d-cddp", "2555", "stz")]
    del body["context"]["selections"]  # none selected: a card for every drafted regimen
    r = post(server, OS, body)
    assert r.status_code == 200, r.text
    by = {c["summary"].split(" drafted")[0]: c for c in r.json()["cards"]}
    for c in by.values():
        _check_card(c)
    assert set(by) == {"CAPTEM", "SSA", "STZ_CAP_CDDP"}
    # vocabulary: a failed therapy is never proposed again; the record: octreotide stopped for no response
    assert by["SSA"]["indicator"] == "warning" and "already failed" in by["SSA"]["summary"]
    # the review: TEM and CAPTEM are the most useful regimens in advanced G1-G2 panNET
    assert by["CAPTEM"]["indicator"] == "info" and "proposed" in by["CAPTEM"]["summary"]
    # the review: adding cisplatin to streptozotocin-capecitabine adds toxicity without benefit
    assert by["STZ_CAP_CDDP"]["indicator"] == "warning" and "advised against" in by["STZ_CAP_CDDP"]["summary"]


# --- errors --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,status,words", [
    (b"{not json", 400, "malformed JSON"),
    (b"[1, 2]", 400, "a JSON object"),
    (json.dumps({"hook": "order-select", "hookInstance": "x", "context": {}}), 400, "answers the patient-view hook"),
    (json.dumps({"hook": "patient-view", "context": {}}), 400, "hookInstance"),
    (b'{"hook": "patient-view", "hook": "order-select"}', 400, "duplicate key 'hook'"),
    (json.dumps({"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}}), 412,
     "needed data neither prefetched nor fetchable: conditions, observations"),
])
def test_bad_requests_are_answered_as_the_reference_services_do(server, body, status, words):
    r = post(server, PV, body)
    assert r.status_code == status and words in r.json()["error"]


def test_cards_are_for_the_selected_drafts(server):
    """The example selects the two CAPTEM orders: one card, CAPTEM; the drafted SSA is still considered."""
    cards = post(server, OS, example("cds_hooks_order_select.json")).json()["cards"]
    assert [c["summary"].split(" drafted")[0] for c in cards] == ["CAPTEM"]


def test_a_draft_both_prefetched_and_drafted_is_one_order(server):
    body = example("cds_hooks_order_select.json")
    del body["context"]["selections"]
    drafts = body["context"]["draftOrders"]
    body["prefetch"]["medicationRequests"]["entry"] += copy.deepcopy(drafts["entry"])
    cards = post(server, OS, body).json()["cards"]
    assert sorted(c["summary"].split(" drafted")[0] for c in cards) == ["CAPTEM", "SSA"]


def test_an_unknown_service_is_404(server):
    r = post(server, "/cds-services/no-such-service", {"hook": "patient-view"})
    assert r.status_code == 404 and "netguide-patient-view" in r.json()["error"]


def test_unreadable_fhir_in_the_prefetch_is_400_naming_where(server):
    body = example("cds_hooks_patient_view.json")
    body["prefetch"]["observations"]["entry"][0]["resource"]["valueCodeableConcept"] = "G2"
    r = post(server, PV, body)
    assert r.status_code == 400
    assert any(p["message"].startswith("prefetch.observations.entry[0] Observation/grade: valueCodeableConcept")
               for p in r.json()["problems"])


def test_a_resource_of_another_patient_is_400(server):
    body = example("cds_hooks_patient_view.json")
    body["prefetch"]["observations"]["entry"][1]["resource"]["subject"] = {"reference": "Patient/someone-else"}
    r = post(server, PV, body)
    assert r.status_code == 400 and "another patient" in r.json()["error"]
    assert "someone-else" not in r.text


def test_an_unknown_setting_is_400(server):
    body = example("cds_hooks_patient_view.json")
    body["extension"]["netguide.treatmentSetting"] = "palliative"
    assert post(server, PV, body).status_code == 400


# --- the EHR's FHIR server ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fhir_server():
    resources = [e["resource"] for e in example("fhir_g2_pannet_ssa_failed.json")["entry"]]
    s = TinyFhirServer(resources, token="fhir-token-123")
    yield s
    s.stop()


def test_data_not_prefetched_is_fetched_from_the_fhir_server_with_the_token(server, fhir_server):
    prefetched = post(server, PV, example("cds_hooks_patient_view.json")).json()["cards"]
    body = example("cds_hooks_patient_view.json")
    del body["prefetch"]
    body["fhirServer"] = fhir_server.url + "/fhir"
    body["fhirAuthorization"] = {"access_token": "fhir-token-123", "token_type": "Bearer", "expires_in": 300,
                                 "scope": "patient/*.read", "subject": "netguide"}
    fhir_server.requests.clear()
    r = post(server, PV, body)
    assert r.status_code == 200, r.text
    assert sorted(c["summary"] for c in r.json()["cards"]) == sorted(c["summary"] for c in prefetched)
    assert {p.split("?")[0] for p, _ in fhir_server.requests} >= {"/fhir/Condition", "/fhir/Observation"}
    assert all(auth == "Bearer fhir-token-123" for _, auth in fhir_server.requests)


def test_a_refused_or_unreachable_fhir_server_is_412(server, fhir_server):
    body = example("cds_hooks_patient_view.json")
    del body["prefetch"]
    body["fhirServer"] = fhir_server.url + "/fhir"
    body["fhirAuthorization"] = {"access_token": "wrong", "token_type": "Bearer"}
    r = post(server, PV, body)
    assert r.status_code == 412 and "answered 401" in r.json()["error"]
    body["fhirServer"] = f"http://127.0.0.1:{free_port()}/fhir"
    r = post(server, PV, body)
    assert r.status_code == 412 and "could not be reached" in r.json()["error"]


# --- CORS -----------------------------------------------------------------------------------------------------------

def test_cors_preflight_allows_a_browser_client(server):
    r = httpx.options(server.url + PV, headers={"Origin": "https://sandbox.cds-hooks.org",
                                                "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "authorization,content-type"},
                      timeout=30)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://sandbox.cds-hooks.org")
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    assert "POST" in r.headers["access-control-allow-methods"]


# --- feedback -------------------------------------------------------------------------------------------------------

def test_feedback_is_kept_across_a_restart_without_patient_identifiers(tmp_path):
    db = tmp_path / "feedback.sqlite3"
    first = NetguideServer("--local", "--db", str(db), log=tmp_path / "a.log")
    try:
        cards = post(first, PV, example("cds_hooks_patient_view.json")).json()["cards"]
        captem = next(c for c in cards if "CAPTEM" in c["summary"])
        other = next(c for c in cards if c is not captem)
        r = post(first, PV + "/feedback", {"feedback": [
            {"card": captem["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-01-01T10:00:00Z"}]})
        assert r.status_code == 200, r.text
    finally:
        first.stop()
    second = NetguideServer("--local", "--db", str(db), log=tmp_path / "b.log")
    try:
        reason = captem["overrideReasons"][2]
        r = post(second, PV + "/feedback", {"feedback": [
            {"card": other["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-01-01T10:01:00Z",
             "overrideReason": {"reason": reason, "userComment": "Jane Doe prefers otherwise"}}]})
        assert r.status_code == 200, r.text  # a card issued before the restart is known after it
        bad = post(second, PV + "/feedback", {"feedback": [{"card": str(uuid.uuid4()), "outcome": "accepted"}]})
        assert bad.status_code == 400
    finally:
        second.stop()
    out = subprocess.run([sys.executable, "-m", "netguide", "feedback", "summary", "--db", str(db), "--format", "json"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    rules = {r["rule_id"]: r for r in json.loads(out.stdout)["rules"]}
    assert rules[captem["source"]["topic"]["code"]]["accepted"] == 1
    overridden = rules[other["source"]["topic"]["code"]]
    assert overridden["overridden"] == 1
    assert overridden["override_reasons"] == {f"{reason['code']}: {reason['display']}": 1}
    con = sqlite3.connect(db)
    dump = "\n".join(con.iterdump())
    con.close()
    assert "g2-pannet" not in dump and "Jane" not in dump and "Practitioner" not in dump


# --- bearer JWTs ----------------------------------------------------------------------------------------------------

ISS, ISS2 = "https://ehr.example.org", "https://ehr2.example.org"


@pytest.fixture(scope="module")
def jwt_setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jwt")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP384R1())
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key()))
    (tmp / "ehr.jwks.json").write_text(json.dumps({"keys": [{**rsa_jwk, "kid": "rsa-1", "alg": "RS384"}]}))
    jwks_host = TinyFhirServer([], token="-", jwks={"keys": [{**ec_jwk, "kid": "ec-1", "alg": "ES384"}]})
    port = free_port()
    config = tmp / "serve.yaml"
    config.write_text(f"""auth:
  mode: jwt
  issuers:
    - iss: {ISS}
      jwks_file: ehr.jwks.json
    - iss: {ISS2}
      jwks_url: {jwks_host.url}/jwks.json
  algorithms: [RS384, ES384]
public_url: http://127.0.0.1:{port}
cors_origins: [https://sandbox.cds-hooks.org]
db: feedback.sqlite3
""")
    s = NetguideServer.__new__(NetguideServer)
    s.port, s.url, s.log = port, f"http://127.0.0.1:{port}", tmp / "serve.log"
    s._out = open(s.log, "ab")
    s.proc = subprocess.Popen([sys.executable, "-m", "netguide", "serve", "--port", str(port), "--config", str(config)],
                              cwd=ROOT, stdout=s._out, stderr=s._out)
    s._wait()
    yield s, rsa_key, ec_key
    s.stop()
    jwks_host.stop()


def token(key, alg="RS384", kid="rsa-1", iss=ISS, aud=None, exp_in=60, jti=None, **extra) -> str:
    now = int(time.time())
    claims = {"iss": iss, "sub": "ehr-client", "aud": aud, "iat": now, "exp": now + exp_in,
              "jti": jti or str(uuid.uuid4()), **extra}
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=alg, headers={"kid": kid})


def test_a_signed_token_from_an_allowed_issuer_is_accepted(jwt_setup):
    s, rsa_key, ec_key = jwt_setup
    body = example("cds_hooks_patient_view.json")
    ok = post(s, PV, body, headers={"Authorization": "Bearer " + token(rsa_key, aud=s.url + PV)})
    assert ok.status_code == 200, ok.text
    # an issuer whose keys are fetched from its JWKS URL, ES384
    ok2 = post(s, PV, body, headers={"Authorization": "Bearer " + token(ec_key, "ES384", "ec-1", ISS2, s.url + PV)})
    assert ok2.status_code == 200, ok2.text


def test_refused_tokens_are_401(jwt_setup):
    s, rsa_key, ec_key = jwt_setup
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    aud = s.url + PV
    replayed = token(rsa_key, aud=aud)
    assert post(s, PV, example("cds_hooks_patient_view.json"),
                headers={"Authorization": "Bearer " + replayed}).status_code == 200
    cases = {
        "no token": None,
        "wrong audience": token(rsa_key, aud=s.url + OS),
        "expired": token(rsa_key, aud=aud, exp_in=-120),
        "issuer not allowed": token(rsa_key, aud=aud, iss="https://evil.example.org"),
        "another key": token(other_key, aud=aud),
        "shared secret": jwt.encode({"iss": ISS, "aud": aud, "exp": int(time.time()) + 60, "jti": "h"},
                                    "secret" * 8, algorithm="HS256"),
        "too long-lived": token(rsa_key, aud=aud, exp_in=3600),
        "replayed": replayed,
        "not a JWT": "abc.def",
    }
    cases["no jti"] = jwt.encode({"iss": ISS, "aud": aud, "exp": int(time.time()) + 60}, rsa_key, algorithm="RS384",
                                 headers={"kid": "rsa-1"})
    for name, tok in cases.items():
        headers = {"Authorization": f"Bearer {tok}"} if tok else {}
        r = post(s, PV, example("cds_hooks_patient_view.json"), headers=headers)
        assert r.status_code == 401, (name, r.text)
        assert r.headers.get("www-authenticate", "").startswith("Bearer"), name
    # discovery stays open: an EHR reads it before it has anything to sign
    assert httpx.get(s.url + "/cds-services", timeout=30).status_code == 200


def test_feedback_needs_a_token_naming_the_service_or_its_feedback_endpoint(jwt_setup):
    s, rsa_key, _ = jwt_setup
    r = post(s, PV + "/feedback", {"feedback": [{"card": str(uuid.uuid4()), "outcome": "accepted"}]})
    assert r.status_code == 401
    card = post(s, PV, example("cds_hooks_patient_view.json"),
                headers={"Authorization": "Bearer " + token(rsa_key, aud=s.url + PV)}).json()["cards"][0]
    for aud in (s.url + PV + "/feedback", s.url + PV):
        r = post(s, PV + "/feedback", {"feedback": [{"card": card["uuid"], "outcome": "accepted"}]},
                 headers={"Authorization": "Bearer " + token(rsa_key, aud=aud)})
        assert r.status_code == 200, r.text
    r = post(s, PV + "/feedback", {"feedback": [{"card": card["uuid"], "outcome": "accepted"}]},
             headers={"Authorization": "Bearer " + token(rsa_key, aud=s.url + OS)})
    assert r.status_code == 401


def test_configured_cors_origin(jwt_setup):
    s, _, _ = jwt_setup
    r = httpx.options(s.url + PV, headers={"Origin": "https://sandbox.cds-hooks.org",
                                           "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "authorization"}, timeout=30)
    assert r.headers["access-control-allow-origin"] == "https://sandbox.cds-hooks.org"
    r = httpx.options(s.url + PV, headers={"Origin": "https://evil.example.org",
                                           "Access-Control-Request-Method": "POST"}, timeout=30)
    assert "access-control-allow-origin" not in r.headers


def test_serve_needs_an_explicit_auth_mode():
    r = subprocess.run([sys.executable, "-m", "netguide", "serve", "--port", "1"], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "--local" in r.stderr and "--config" in r.stderr
    r = subprocess.run([sys.executable, "-m", "netguide", "serve", "--local", "--host", "0.0.0.0"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2 and "127.0.0.1 only" in r.stderr
