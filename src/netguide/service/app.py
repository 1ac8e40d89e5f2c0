"""The CDS Hooks 2.0 service as an ASGI app (FastAPI): discovery, the two hooks, feedback.

Errors as the reference services answer them, each a JSON body {"error": ...}: malformed JSON or a request that is
no hook request 400, an unknown service 404, a bearer token refused 401, needed data neither prefetched nor
fetchable 412. The engine runs in the worker threads (evaluate() is thread-safe, one lock serialises the engine).
"""
from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from netguide.errors import PatientFactError
from netguide.fhir.evaluate import evaluate_fhir
from netguide.fhir.parse import FhirInputError, read_resources
from netguide.fhir.table import load_mapping
from netguide.service.auth import AuthError
from netguide.service.cards import order_select_cards, patient_view_cards
from netguide.service.config import ServiceConfig
from netguide.service.feedback import FeedbackStore
from netguide.service.hooks import SERVICES, SETTING_EXTENSION, RequestError, discovery, gather

MAX_BODY = 8 * 1024 * 1024  # one patient's prefetch; beyond this it is not one patient
SETTINGS = ("adjuvant", "neoadjuvant", "advanced")


def _error(status: int, message: str, details: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if details is not None:
        body["problems"] = details
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(config: ServiceConfig) -> FastAPI:
    table = load_mapping()
    store = FeedbackStore(config.db)
    from netguide.engine.runtime import runtime_for

    runtime = runtime_for(config.rules)  # loaded and compiled once, before the first request
    app = FastAPI(title="netguide CDS Hooks service", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST",
                       "OPTIONS"], allow_headers=["Authorization", "Content-Type"], max_age=600)
    app.state.store = store

    def authorize(request: Request, *paths: str) -> None:
        """The bearer token must name one of these endpoints as its audience."""
        if config.local:
            return
        assert config.checker is not None
        base = (config.public_url or str(request.base_url)).rstrip("/")
        config.checker.check(request.headers.get("authorization"), [base + p for p in paths])

    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise RequestError(413, f"the request is larger than {MAX_BODY // 2**20} MiB")
        try:
            body = json.loads(raw, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicates)
        except (ValueError, RecursionError) as exc:
            raise RequestError(400, f"malformed JSON: {str(exc).split(': line')[0]}") from None
        if not isinstance(body, dict):
            raise RequestError(400, "a CDS Hooks request is a JSON object")
        return body

    @app.get("/cds-services")
    async def list_services() -> dict[str, Any]:
        return discovery(table)

    @app.post("/cds-services/{service_id}")
    async def call(service_id: str, request: Request):
        service = SERVICES.get(service_id)
        if service is None:
            return _error(404, f"no CDS service {service_id!r}; the services are {', '.join(SERVICES)}")
        try:
            authorize(request, f"/cds-services/{service_id}")
            body = await body_of(request)
            if body.get("hook") != service.hook:
                raise RequestError(400, f"{service_id} answers the {service.hook} hook, not {body.get('hook')!r}")
            if not isinstance(body.get("hookInstance"), str) or not isinstance(body.get("context"), dict):
                raise RequestError(400, "a hook request needs hookInstance (a string) and context (an object)")
            setting = (body.get("extension") or {}).get(SETTING_EXTENSION) if isinstance(
                body.get("extension"), dict) else None
            if setting is not None and setting not in SETTINGS:
                raise RequestError(400, f"extension {SETTING_EXTENSION}: {setting!r} is not one of "
                                   + ", ".join(SETTINGS))
            raws = await gather(body, table, _client_factory)
            fe = await run_in_threadpool(_evaluate, raws, setting, runtime)
        except AuthError as exc:
            return _error(401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        except RequestError as exc:
            return _error(exc.status, str(exc), exc.details)
        except FhirInputError as exc:
            return _error(400, "the request's FHIR data cannot be read", [p.to_dict() for p in exc.problems])
        selections = body["context"].get("selections")
        selections = [s for s in selections if isinstance(s, str)] if isinstance(selections, list) else None
        cards = patient_view_cards(fe) if service.hook == "patient-view" else order_select_cards(fe, selections)
        await run_in_threadpool(store.issued, service_id, [(c["uuid"], c["source"]["topic"]["code"],
                                                           fe.evaluation.rulebook_version, c["indicator"])
                                                          for c in cards])
        return {"cards": cards}

    @app.post("/cds-services/{service_id}/feedback")
    async def feedback(service_id: str, request: Request):
        if service_id not in SERVICES:
            return _error(404, f"no CDS service {service_id!r}")
        try:
            # CDS clients name either the feedback endpoint or its service as the audience
            authorize(request, f"/cds-services/{service_id}/feedback", f"/cds-services/{service_id}")
            body = await body_of(request)
            items = body.get("feedback")
            if not isinstance(items, list) or not items:
                raise RequestError(400, "feedback is a non-empty list of {card, outcome, overrideReason?}")
            rows = []
            for i, item in enumerate(items):
                if not isinstance(item, dict) or not isinstance(item.get("card"), str):
                    raise RequestError(400, f"feedback[{i}]: card (the card's uuid) is required")
                if item.get("outcome") not in ("accepted", "overridden"):
                    raise RequestError(400, f"feedback[{i}]: outcome must be accepted or overridden")
                known = await run_in_threadpool(store.card, item["card"])
                if known is None or known[0] != service_id:
                    raise RequestError(400, f"feedback[{i}]: no card {item['card'][:40]!r} was issued by {service_id}")
                reason = ((item.get("overrideReason") or {}).get("reason") or {}) if isinstance(
                    item.get("overrideReason"), dict) else {}
                code = reason.get("code") if isinstance(reason, dict) else None
                display = reason.get("display") if isinstance(reason, dict) else None
                # the user's free-text comment is not stored: it may name the patient
                rows.append((item["card"], service_id, known[1], known[2], item["outcome"],
                             code if isinstance(code, str) else None,
                             display if isinstance(display, str) else None,
                             item.get("outcomeTimestamp") if isinstance(item.get("outcomeTimestamp"), str) else None))
            for row in rows:
                await run_in_threadpool(store.record, *row)
        except AuthError as exc:
            return _error(401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        except RequestError as exc:
            return _error(exc.status, str(exc))
        return JSONResponse({"received": len(rows)}, status_code=200)

    return app


def _client_factory():
    import httpx

    return httpx.AsyncClient(timeout=10.0)


def _evaluate(raws, setting, runtime):
    seen: set[tuple[str, str]] = set()
    unique = []
    for where, r in raws:  # a draft both prefetched and in draftOrders is one order
        key = (r.get("resourceType"), r.get("id")) if isinstance(r, dict) and isinstance(r.get("id"), str) else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        unique.append((where, r))
    record = read_resources(unique)
    try:
        return evaluate_fhir(record, setting, runtime, setting_from="the hook request's extension")
    except PatientFactError as exc:  # a setting is checked above; any other invalid fact is a mapping bug
        raise RequestError(500, "internal error: the mapped facts are invalid", [p.to_dict() for p in exc.problems])


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:  # which of two values the EHR meant is not ours to pick
            raise ValueError(f"duplicate key {k[:40]!r}")
        out[k] = v
    return out


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")
