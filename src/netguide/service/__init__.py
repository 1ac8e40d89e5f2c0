"""The CDS Hooks 2.0 service (`netguide serve`): discovery, patient-view and order-select cards, feedback kept in
SQLite. Needs the `serve` extra (FastAPI, uvicorn, httpx, PyJWT).

Modules: hooks (services, prefetch templates, a request's data), cards (an evaluation as cards), auth (bearer JWTs),
config (the service's settings), feedback (the store and its summary), app (the ASGI app), server (running it).
"""
