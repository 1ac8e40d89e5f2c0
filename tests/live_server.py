"""A real `netguide serve` process on 127.0.0.1 for the live tests (and a tiny FHIR server it can fetch from)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NetguideServer:
    """`python -m netguide serve ...` started, waited for (discovery answers), stopped by its own pid."""

    def __init__(self, *args: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = open(log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "netguide", "serve", "--port", str(self.port), *args],
                                     cwd=ROOT, stdout=self._out, stderr=self._out,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 120  # a readiness wait, not a timing: compiling the rulebook takes seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"netguide serve exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/cds-services", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"netguide serve did not answer: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self._out.close()


class TinyFhirServer:
    """A FHIR server of one patient's record: searches by type answer a searchset Bundle of that type, when the
    bearer token is the expected one (401 otherwise). Serves /jwks.json (no token) for JWKS-by-URL issuers."""

    def __init__(self, resources: list[dict[str, Any]], token: str, jwks: dict[str, Any] | None = None):
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                url = urlparse(self.path)
                auth = self.headers.get("Authorization")
                outer.requests.append((self.path, auth))
                if url.path == "/jwks.json" and jwks is not None:
                    return self._send(200, jwks)
                if auth != f"Bearer {token}":
                    return self._send(401, {"resourceType": "OperationOutcome"})
                parts = url.path.strip("/").split("/")  # fhir/<Type>[/<id>]
                rtype = parts[1] if len(parts) > 1 else ""
                if len(parts) == 3:
                    match = [r for r in resources if r["resourceType"] == rtype and r.get("id") == parts[2]]
                    return self._send(200, match[0]) if match else self._send(404, {})
                patient = parse_qs(url.query).get("patient", [""])[0]
                found = [r for r in resources if r["resourceType"] == rtype
                         and r.get("subject", {}).get("reference") == f"Patient/{patient}"]
                return self._send(200, {"resourceType": "Bundle", "type": "searchset",
                                        "entry": [{"resource": r} for r in found]})

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
