"""Running the service: `netguide serve` and `netguide feedback summary`. uvicorn binds its own socket: a socket
made elsewhere without IPPROTO_TCP makes uvicorn skip TCP_NODELAY, and every response then waits ~40 ms for
Nagle's algorithm and delayed ACKs."""
from __future__ import annotations

import argparse
import ipaddress
import sys

from netguide.errors import UsageError

MISSING_EXTRA = ("netguide serve needs the service's packages (FastAPI, uvicorn, httpx, PyJWT): "
                 "pip install -e \".[serve]\"")


def _require_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import httpx  # noqa: F401
        import jwt  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"{MISSING_EXTRA} (missing: {exc.name})") from None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace) -> int:
    _require_extra()
    from netguide.service.config import ServiceConfig, load_config

    if args.config and args.local:
        raise UsageError("give --config FILE (bearer tokens checked) or --local (no authentication), not both")
    if args.config:
        config = load_config(args.config)
    elif args.local:
        config = ServiceConfig(local=True)
    else:
        raise UsageError("choose how requests are authenticated: --config FILE (JWT bearer tokens, see the README) "
                         "or --local (no authentication, 127.0.0.1 only)")
    if args.db:
        config.db = args.db
    if args.rules:
        config.rules = args.rules
    if args.public_url:
        config.public_url = args.public_url
    if args.cors_origin:
        config.cors_origins = tuple(args.cors_origin)
    if config.local and not _loopback(args.host):
        raise UsageError(f"local mode answers without authentication: it binds 127.0.0.1 only, not {args.host}")
    import uvicorn

    from netguide.service.app import create_app

    app = create_app(config)
    print(f"netguide serve: http://{args.host}:{args.port}/cds-services "
          f"({'local mode: NO authentication' if config.local else 'bearer JWTs checked'}; feedback in {config.db})",
          file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0


def run_feedback(args: argparse.Namespace) -> int:
    from pathlib import Path

    from netguide.reporting import render
    from netguide.service.feedback import summarize

    import sqlite3

    from netguide.errors import NetguideError

    if not Path(args.db).is_file():
        raise UsageError(f"no such feedback database: {args.db}")
    try:
        summary = summarize(args.db)
    except sqlite3.DatabaseError as exc:
        raise NetguideError(f"{args.db} is not a netguide feedback database ({exc})") from None
    print(render(summary, args.format), end="")
    return 0


def add_arguments(sub, shared) -> None:
    p = sub.add_parser("serve", help="a CDS Hooks 2.0 service (patient-view, order-select, feedback)",
                       parents=[shared["rules"]])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--config", help="service configuration (YAML): auth, public_url, cors_origins, db")
    p.add_argument("--local", action="store_true", help="no authentication (a laptop; 127.0.0.1 only)")
    p.add_argument("--db", help="the feedback database (SQLite; default netguide-feedback.sqlite3)")
    p.add_argument("--public-url", help="the URL clients call (tokens' aud is it + /cds-services/{id})")
    p.add_argument("--cors-origin", action="append", help="an origin browsers may call from (repeat; default *)")
    p.add_argument("--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug"))
    p = sub.add_parser("feedback", help="summarise the feedback the CDS Hooks service kept",
                       parents=[shared["format"]])
    p.add_argument("action", choices=("summary",))
    p.add_argument("--db", required=True, help="the feedback database (SQLite)")
