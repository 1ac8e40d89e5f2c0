"""Bearer-token checking as CDS Hooks 2.0 asks: the CDS client signs a short-lived JWT with its private key; the service
checks the signature against the client's public keys (a JWKS file or URL configured per issuer), that the issuer is
on the allow-list, that `aud` is the endpoint called, that `exp` has not passed and lies at most five minutes ahead,
and that `jti` is not replayed. Only asymmetric algorithms are accepted (no 'none', no shared secret).

Local mode (no authentication) exists for a laptop and is never a default: `netguide serve --local`, bound to
127.0.0.1 only.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ASYMMETRIC = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512")
MAX_LIFETIME = 300  # seconds: CDS Hooks asks for tokens that expire within five minutes
LEEWAY = 30  # clock skew between EHR and service
JWKS_CACHE_SECONDS = 300


class AuthError(Exception):
    """The request's bearer token is refused; the message says why (it goes back to the client)."""


@dataclass
class Issuer:
    iss: str
    jwks_file: str | None = None
    jwks_url: str | None = None
    _keys: Any = None
    _fetched: float = 0.0

    def keys(self):
        import jwt

        if self.jwks_file:
            if self._keys is None:
                self._keys = jwt.PyJWKSet.from_dict(json.loads(Path(self.jwks_file).read_text(encoding="utf-8")))
            return self._keys
        if self._keys is None or time.monotonic() - self._fetched > JWKS_CACHE_SECONDS:
            import httpx

            try:
                resp = httpx.get(self.jwks_url or "", timeout=5.0)
                resp.raise_for_status()
                self._keys = jwt.PyJWKSet.from_dict(resp.json())
                self._fetched = time.monotonic()
            except (httpx.HTTPError, ValueError) as exc:
                raise AuthError(f"the issuer's keys could not be fetched from {self.jwks_url}: "
                                f"{type(exc).__name__}") from None
        return self._keys


@dataclass
class JwtChecker:
    issuers: dict[str, Issuer]
    algorithms: tuple[str, ...] = ("RS384", "ES384", "RS256", "ES256")
    _seen: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, authorization: str | None, audience: str | list[str]) -> dict[str, Any]:
        """The token's claims; AuthError when it is missing or refused."""
        import jwt

        if not authorization or not authorization.startswith("Bearer "):
            raise AuthError("a bearer token is required (Authorization: Bearer <JWT signed by the CDS client>)")
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise AuthError(f"the bearer token is not a JWT ({type(exc).__name__})") from None
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise AuthError(f"algorithm {alg!r} is not accepted; use one of {', '.join(self.algorithms)}")
        issuer = self.issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise AuthError("the token's issuer (iss) is not on this service's allow-list")
        keys = issuer.keys()
        kid = header.get("kid")
        candidates = [k for k in keys.keys if kid is None or k.key_id == kid]
        if not candidates:
            raise AuthError(f"no key {kid!r} among the issuer's keys")
        last: Exception | None = None
        for key in candidates:
            try:
                claims = jwt.decode(token, key.key, algorithms=[alg], audience=audience, issuer=issuer.iss,
                                    leeway=LEEWAY, options={"require": ["iss", "aud", "exp", "jti"]})
                break
            except jwt.InvalidAudienceError:
                shown = audience if isinstance(audience, str) else " or ".join(audience)
                raise AuthError(f"the token's audience (aud) is not this endpoint ({shown})") from None
            except jwt.ExpiredSignatureError:
                raise AuthError("the token has expired (exp)") from None
            except jwt.MissingRequiredClaimError as exc:
                raise AuthError(f"the token lacks the {exc.claim} claim") from None
            except jwt.PyJWTError as exc:
                last = exc
        else:
            raise AuthError(f"the token's signature does not verify ({type(last).__name__})")
        now = time.time()
        if float(claims["exp"]) > now + MAX_LIFETIME + LEEWAY:
            raise AuthError("the token expires more than five minutes ahead; CDS Hooks tokens are short-lived")
        key_id = (issuer.iss, str(claims["jti"]))
        with self._lock:
            for k, exp in list(self._seen.items()):
                if exp < now - LEEWAY:
                    del self._seen[k]
            if key_id in self._seen:
                raise AuthError("the token's jti was already used (a replayed token)")
            self._seen[key_id] = float(claims["exp"])
        return claims
