"""The service's configuration: authentication (JWT per issuer, or the explicit local mode), the public URL that
tokens name as their audience, CORS origins and the feedback database. Read from a YAML file by netguide's hardened
loader, each problem named at file:line."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguide.errors import Location, Problem, UsageError
from netguide.service.auth import ASYMMETRIC, Issuer, JwtChecker


@dataclass
class ServiceConfig:
    local: bool  # no authentication (a laptop; explicit, never a default)
    checker: JwtChecker | None = None
    public_url: str | None = None  # e.g. https://cds.example.org (tokens' aud = public_url + /cds-services/{id})
    cors_origins: tuple[str, ...] = ("*",)
    db: str = "netguide-feedback.sqlite3"
    rules: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def load_config(path: str) -> ServiceConfig:
    """A ServiceConfig from a YAML file; UsageError naming the file:line of any problem."""
    from netguide.rulebook.source import YamlLoadError, load

    try:
        data, locator = load(path, path)
    except YamlLoadError as exc:
        raise UsageError(f"--config: {exc.problem}") from None
    problems: list[Problem] = []

    def bad(keys: tuple, message: str) -> None:
        where = locator.find(keys) if keys in locator else Location(path)
        problems.append(Problem("invalid-value", message, where))

    if not isinstance(data, dict):
        raise UsageError(f"{path}: a service configuration is a mapping (auth, public_url, cors_origins, db)")
    for key in data:
        if key not in ("auth", "public_url", "cors_origins", "db", "rules"):
            bad((key,), f"unknown key {key!r}; expected auth, public_url, cors_origins, db or rules")
    auth = data.get("auth") or {}
    mode = auth.get("mode")
    checker = None
    base = Path(path).resolve().parent
    if mode == "jwt":
        issuers: dict[str, Issuer] = {}
        for i, spec in enumerate(auth.get("issuers") or []):
            iss = spec.get("iss") if isinstance(spec, dict) else None
            if not isinstance(iss, str):
                bad(("auth", "issuers", i), "each issuer needs iss (the client's identifier) and jwks_file or jwks_url")
                continue
            jwks_file, jwks_url = spec.get("jwks_file"), spec.get("jwks_url")
            if bool(jwks_file) == bool(jwks_url):
                bad(("auth", "issuers", i), f"issuer {iss}: give exactly one of jwks_file or jwks_url")
                continue
            if jwks_file and not (base / jwks_file).is_file():
                bad(("auth", "issuers", i, "jwks_file"), f"issuer {iss}: no such JWKS file {jwks_file}")
            issuers[iss] = Issuer(iss, str(base / jwks_file) if jwks_file else None, jwks_url)
        if not issuers:
            bad(("auth", "issuers"), "mode jwt needs at least one issuer (the allow-list)")
        algs = tuple(auth.get("algorithms") or ("RS384", "ES384", "RS256", "ES256"))
        for a in algs:
            if a not in ASYMMETRIC:
                bad(("auth", "algorithms"), f"{a!r} is not an asymmetric algorithm; allowed: {', '.join(ASYMMETRIC)}")
        checker = JwtChecker(issuers, algs)
    elif mode == "local":
        pass
    else:
        bad(("auth", "mode") if "mode" in auth else ("auth",), "auth.mode must be jwt (bearer tokens checked) or local "
            "(no authentication, 127.0.0.1 only)")
    origins = data.get("cors_origins", ["*"])
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        bad(("cors_origins",), "cors_origins is a list of origins such as https://sandbox.cds-hooks.org")
        origins = []
    if problems:
        raise UsageError(f"invalid service configuration {path}:\n" + "\n".join(f"  {p}" for p in problems))
    db = data.get("db")
    return ServiceConfig(mode == "local", checker, data.get("public_url"), tuple(origins),
                         str(base / db) if db else ServiceConfig.db, data.get("rules"))
