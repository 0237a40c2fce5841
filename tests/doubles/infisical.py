"""TEST DOUBLE: a local stand-in for the Infisical REST API (never the real service).

Real HTTP on 127.0.0.1 with the backend's status codes and JSON shapes, and
strict where the backend is strict:

* Universal Auth / OIDC login; three failed logins lock the identity for 300 s.
* Access tokens expire (``expire_tokens()``); an expired or unknown token gets
  **403** ``TokenError``, not 401.
* ``GET /api/v4/secrets`` requires ``projectId`` and ``environment``; boolean
  parameters must be the strings ``"true"``/``"false"`` (else 422
  ``ValidationFailure`` with a list); unknown environment or folder is 404.
* ``${KEY}`` and ``${env.folder.KEY}`` references expand only when asked;
  imports are returned only with ``include_imports=true``.
* Fault injection: queue a status (with headers/body), malformed JSON, a dropped
  connection, or added latency for the next matching requests.
"""

from __future__ import annotations

import json
import re
import secrets as pysecrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

_REF = re.compile(r"\$\{([^}]+)\}")


@dataclass
class Fault:
    route: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    raw: bytes | None = None
    drop: bool = False
    times: int = 1


@dataclass
class Row:
    value: str
    version: int = 1
    type: str = "shared"


class InfisicalDouble:
    def __init__(
        self,
        *,
        client_id: str = "cid",
        client_secret: str = "csecret",
        identity_id: str = "ident-1",
        jwt: str = "jwt-ok",
        static_token: str = "st-token",
        latency: float = 0.0,
    ) -> None:
        self.project_id = "proj-1"
        self.client_id, self.client_secret = client_id, client_secret
        self.identity_id, self.jwt, self.static_token = identity_id, jwt, static_token
        self.latency = latency
        self.actions_request_token = "actions-request-token"
        self.environments = {"dev", "staging", "prod"}
        self.folders: dict[tuple[str, str], dict[str, Row]] = {}
        self.imports: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.tokens: dict[str, float] = {static_token: float("inf")}
        self.failed_logins = 0
        self.locked_until = 0.0
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        for env in self.environments:
            self.folders[(env, "/")] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- control -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> InfisicalDouble:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def set(self, env: str, path: str, key: str, value: str) -> None:
        """Create or rotate a secret (bumps its version), creating parent folders."""
        with self.lock:
            folder = self.folders.setdefault((env, path), {})
            old = folder.get(key)
            folder[key] = Row(value, (old.version + 1) if old else 1)

    def add_import(self, env: str, path: str, from_env: str, from_path: str) -> None:
        self.imports.setdefault((env, path), []).append((from_env, from_path))

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {t: 0.0 for t in self.tokens if t != self.static_token} | {
                self.static_token: float("inf")
            }

    def inject(self, route: str, **kw: Any) -> None:
        self.faults.append(Fault(route, **kw))

    def count(self, route: str) -> int:
        return sum(1 for _, r, _ in self.log if r == route)

    # -- behaviour ---------------------------------------------------------------------------
    def _resolve(self, env: str, path: str, value: str, depth: int = 0) -> str:
        def sub(m: re.Match[str]) -> str:
            ref = m.group(1)
            parts = ref.split(".")
            if len(parts) == 1:
                renv, rpath, rkey = env, path, parts[0]
            else:
                renv, rpath, rkey = (
                    parts[0],
                    "/" + "/".join(parts[1:-1]) if len(parts) > 2 else "/",
                    parts[-1],
                )
            row = self.folders.get((renv, rpath), {}).get(rkey)
            if row is None or depth > 5:
                return ""
            return self._resolve(renv, rpath, row.value, depth + 1)

        return _REF.sub(sub, value)

    def _rows(self, env: str, path: str, expand: bool) -> list[dict[str, Any]]:
        """Machine identities see shared rows only, which is all this double serves."""
        out = []
        for key, row in self.folders.get((env, path), {}).items():
            value = self._resolve(env, path, row.value) if expand else row.value
            out.append(
                {
                    "id": f"{env}{path}{key}",
                    "_id": f"{env}{path}{key}",
                    "workspace": self.project_id,
                    "environment": env,
                    "secretPath": path,
                    "secretKey": key,
                    "secretValue": value,
                    "secretComment": "",
                    "version": row.version,
                    "type": row.type,
                    "tags": [],
                }
            )
        return out

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # one reply is two writes; avoid 40 ms delayed-ACK stalls

            def log_message(self, *args: Any) -> None:
                pass

            def _send(
                self, status: int, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None
            ) -> None:
                data = raw if raw is not None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(
                self, status: int, error: str, message: Any, headers: dict[str, str] | None = None
            ) -> None:
                self._send(
                    status,
                    {
                        "reqId": "req-" + pysecrets.token_hex(4),
                        "statusCode": status,
                        "message": message,
                        "error": error,
                    },
                    headers,
                )

            def _fault(self, route: str) -> bool:
                with double.lock:
                    fault = next((f for f in double.faults if f.route == route and f.times > 0), None)
                    if fault:
                        fault.times -= 1
                if fault is None:
                    return False
                if fault.drop:
                    self.connection.shutdown(2)
                    self.close_connection = True
                    return True
                if fault.raw is not None:
                    self._send(fault.status, None, fault.headers, raw=fault.raw)
                else:
                    body = fault.body or {
                        "reqId": "r",
                        "statusCode": fault.status,
                        "message": "injected",
                        "error": "InternalServerError",
                    }
                    self._send(fault.status, body, fault.headers)
                return True

            def _body(self) -> Any:
                length = int(self.headers.get("Content-Length", "0"))
                try:
                    return json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    return None

            def do_POST(self) -> None:
                route = urlparse(self.path).path
                double.log.append(("POST", route, {}))
                body = self._body()
                if double.latency:
                    time.sleep(double.latency)
                if self._fault(route):
                    return
                if route == "/api/v1/auth/universal-auth/login":
                    if not isinstance(body, dict) or not {"clientId", "clientSecret"} <= set(body):
                        return self._error(
                            422, "ValidationFailure", [{"message": "Required", "path": ["clientId"]}]
                        )
                    ok = body["clientId"] == double.client_id and body["clientSecret"] == double.client_secret
                    return self._login(ok)
                if route == "/api/v1/auth/oidc-auth/login":
                    if not isinstance(body, dict) or not {"identityId", "jwt"} <= set(body):
                        return self._error(
                            422, "ValidationFailure", [{"message": "Required", "path": ["jwt"]}]
                        )
                    return self._login(body["identityId"] == double.identity_id and body["jwt"] == double.jwt)
                if route == "/api/v1/auth/token/renew":
                    token = (body or {}).get("accessToken")
                    if token not in double.tokens:
                        return self._error(401, "UnauthorizedError", "Invalid token")
                    return self._login(True)
                return self._error(404, "NotFound", f"Route POST:{route} not found")

            def _login(self, ok: bool) -> None:
                now = time.time()
                with double.lock:
                    if now < double.locked_until:
                        return self._error(
                            401, "UnauthorizedError", "Invalid credentials: identity locked for 300 seconds"
                        )
                    if not ok:
                        double.failed_logins += 1
                        if double.failed_logins >= 3:
                            double.locked_until = now + 300
                        return self._error(401, "UnauthorizedError", "Invalid credentials")
                    double.failed_logins = 0
                    token = "at-" + pysecrets.token_hex(16)
                    double.tokens[token] = now + 7200
                self._send(
                    200,
                    {
                        "accessToken": token,
                        "expiresIn": 7200,
                        "accessTokenMaxTTL": 43200,
                        "tokenType": "Bearer",
                    },
                )

            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
                double.log.append(("GET", parsed.path, params))
                if double.latency:
                    time.sleep(double.latency)
                if self._fault(parsed.path):
                    return
                if parsed.path == "/_actions/idtoken":  # GitHub Actions' OIDC token endpoint, for CI tests
                    if self.headers.get("Authorization", "") != f"bearer {double.actions_request_token}":
                        return self._error(401, "Unauthorized", "bad request token")
                    return self._send(
                        200, {"count": 1, "value": double.jwt, "audience": params.get("audience")}
                    )
                if parsed.path != "/api/v4/secrets":
                    return self._error(404, "NotFound", f"Route GET:{parsed.path} not found")
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
                if token is None:
                    return self._error(401, "UnauthorizedError", "Missing Authorization header")
                if double.tokens.get(token, 0.0) < time.time():
                    return self._error(403, "TokenError", "Your token has expired. Please re-authenticate.")
                problems = [
                    {"message": "Required", "path": [p]}
                    for p in ("projectId", "environment")
                    if not params.get(p)
                ]
                for flag in ("expandSecretReferences", "include_imports", "recursive", "viewSecretValue"):
                    if flag in params and params[flag] not in ("true", "false"):
                        problems.append({"message": "Expected 'true' | 'false'", "path": [flag]})
                if problems:
                    return self._error(422, "ValidationFailure", problems)
                if params["projectId"] != double.project_id:
                    return self._error(404, "NotFound", f"Project with ID '{params['projectId']}' not found")
                env, path = params["environment"], params.get("secretPath", "/")
                if env not in double.environments:
                    return self._error(404, "NotFound", f"Environment with slug '{env}' in project not found")
                if (env, path) not in double.folders:
                    return self._error(
                        404, "NotFound", f"Folder with path '{path}' in environment '{env}' not found"
                    )
                expand = params.get("expandSecretReferences") == "true"
                body: dict[str, Any] = {"secrets": double._rows(env, path, expand)}
                if params.get("include_imports") == "true":
                    body["imports"] = [
                        {
                            "secretPath": p,
                            "environment": e,
                            "folderId": f"{e}{p}",
                            "secrets": double._rows(e, p, expand),
                        }
                        for e, p in double.imports.get((env, path), [])
                    ]
                self._send(200, body)

        return Handler
