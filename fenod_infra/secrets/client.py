"""A small Infisical REST client over httpx, built for deploys: few requests, honest errors.

Wire contract (the backend's): log in once (Universal Auth, OIDC, or a static
token), then one ``GET /api/v4/secrets`` per (environment, path) with
references expanded and imports included, whatever number of keys is wanted.

Faults, and why each is handled the way it is:

* 429: wait what the server asks (``Retry-After``, ``X-RateLimit-Reset`` or the
  number in the message), capped, then retry - bounded.
* 5xx and connection errors: retry with exponential backoff - bounded.
* 403 ``TokenError``: the access token expired; log in again *once* and retry once.
* 401 on login: never retried, because three failed logins lock the identity.
* 404: names the environment and path; 422 and malformed JSON: a clear error.

Every error names project, environment, path or key as relevant and is
scrubbed of credential strings; no error ever carries a secret value.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from fenod_infra.secrets.credentials import AuthKind, Credentials, credentials_from_env, site_url_from_env

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_ATTEMPTS = 4
MAX_RATE_LIMIT_WAIT = 30.0


class InfisicalError(Exception):
    """Any failure talking to Infisical; the message is safe to print."""


class InfisicalAuthError(InfisicalError):
    """Credentials refused. Never retried: repeated failures lock the identity."""


class InfisicalNotFoundError(InfisicalError):
    """The project, environment or folder does not exist."""


class MissingSecretsError(InfisicalError):
    """Keys a Worker declares are absent from Infisical."""

    def __init__(self, project_id: str, environment: str, path: str, keys: Iterable[str]) -> None:
        self.keys = sorted(keys)
        super().__init__(
            f"Infisical project {project_id} environment {environment!r} path {path!r} has no secret "
            + ", ".join(repr(k) for k in self.keys)
        )


class _RetryableError(InfisicalError):
    """A transient failure (5xx, connection, rate limit); ``wait`` is the server's hint, if any."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class _TokenExpiredError(InfisicalError):
    pass


@dataclass(frozen=True)
class SecretValue:
    value: str = field(repr=False)
    version: int


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")
    secretKey: str  # noqa: N815 - wire names
    secretValue: str  # noqa: N815
    version: int = 0
    type: str = "shared"


class _Import(BaseModel):
    model_config = ConfigDict(extra="ignore")
    secretPath: str = "/"  # noqa: N815
    environment: str = ""
    secrets: list[_Row] = []


class _ListResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")
    secrets: list[_Row]
    imports: list[_Import] = []


class _LoginResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")
    accessToken: str  # noqa: N815
    expiresIn: int = 0  # noqa: N815


def merge_rows(own: list[_Row], imports: list[_Import]) -> dict[str, SecretValue]:
    """The folder's own keys win; then imports from last to first, first seen wins.

    Within one list a ``personal`` row (user tokens only) overrides the ``shared`` one.
    """
    merged: dict[str, SecretValue] = {}
    for rows in [own, *(imp.secrets for imp in reversed(imports))]:
        layer: dict[str, SecretValue] = {}
        for row in sorted(rows, key=lambda r: r.type == "personal"):
            layer[row.secretKey] = SecretValue(row.secretValue, row.version)
        for key, value in layer.items():
            merged.setdefault(key, value)
    return merged


def rate_limit_wait(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asks us to wait, from headers or, failing that, the message."""
    header = response.headers.get("retry-after")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            when = email.utils.parsedate_to_datetime(header) if header else None
            if when is not None:
                return max(0.0, when.timestamp() - now())
    reset = response.headers.get("x-ratelimit-reset")
    if reset:
        try:
            value = float(reset)
        except ValueError:
            value = -1.0
        if value >= 0:
            return max(0.0, value - now()) if value > 1e9 else value
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", _error_message(response), re.I)
    return float(m.group(1)) if m else None


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    msg = body.get("message", "")
    if isinstance(msg, list):
        msg = "; ".join(str(m.get("message", m)) if isinstance(m, dict) else str(m) for m in msg)
    return str(msg)


def _error_kind(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


class InfisicalClient:
    """One session against one Infisical origin. Use as a context manager; never pickle it."""

    def __init__(
        self,
        site_url: str,
        credentials: Credentials,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.site_url = site_url.rstrip("/")
        self._credentials = credentials
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.site_url,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": "fenod-infra"},
        )
        self._token: str | None = credentials.token or None

    @classmethod
    def from_environment(cls, configured_site_url: str, auth: AuthKind | None = None) -> InfisicalClient:
        """A client for the configured site (``INFISICAL_HOST`` wins), credentials from the environment."""
        return cls(site_url_from_env(configured_site_url), credentials_from_env(auth))

    def __enter__(self) -> InfisicalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __reduce__(self) -> Any:
        raise TypeError("InfisicalClient holds credentials and a connection; it must not be pickled")

    # -- public API ---------------------------------------------------------------------------

    def login(self) -> None:
        """Exchange machine-identity credentials for an access token (static tokens need none)."""
        c = self._credentials
        if c.kind == "token":
            self._token = c.token
            return
        if c.kind == "universal":
            route, body = (
                "/api/v1/auth/universal-auth/login",
                {"clientId": c.client_id, "clientSecret": c.client_secret},
            )
        else:
            route, body = (
                "/api/v1/auth/oidc-auth/login",
                {"identityId": c.identity_id, "jwt": self._oidc_jwt()},
            )
        response = self._send("POST", route, "logging in", json=body)
        if response.status_code in (400, 401, 403):
            raise InfisicalAuthError(
                self._scrub(
                    f"Infisical refused the {c.kind} login at {self.site_url} "
                    f"({response.status_code}: {_error_message(response) or 'no message'}); "
                    "not retrying, because repeated failures lock the identity"
                )
            )
        self._raise_for_status(response, "logging in")
        self._token = self._parse(response, _LoginResponse, "login").accessToken

    def list_secrets(self, project_id: str, environment: str, path: str) -> dict[str, SecretValue]:
        """All secrets visible at ``path`` (references expanded, imports merged): one request."""
        params = {
            "projectId": project_id,
            "environment": environment,
            "secretPath": path,
            "expandSecretReferences": "true",
            "include_imports": "true",
        }
        where = f"listing project {project_id} environment {environment!r} path {path!r}"
        if self._token is None:
            self.login()
        try:
            response = self._authorized_get("/api/v4/secrets", params, where)
        except _TokenExpiredError:
            if self._credentials.kind == "token":
                raise InfisicalAuthError(
                    f"the Infisical token was refused while {where}; it is expired or invalid"
                ) from None
            self.login()
            try:
                response = self._authorized_get("/api/v4/secrets", params, where)
            except _TokenExpiredError:
                raise InfisicalAuthError(f"Infisical refused a fresh access token while {where}") from None
        if response.status_code == 404:
            raise InfisicalNotFoundError(
                f"Infisical has no environment {environment!r} or path {path!r} in project {project_id}"
                f" ({_error_message(response) or 'not found'})"
            )
        self._raise_for_status(response, where)
        body = self._parse(response, _ListResponse, where)
        return merge_rows(body.secrets, body.imports)

    def fetch(
        self, project_id: str, environment: str, path: str, keys: Iterable[str]
    ) -> dict[str, SecretValue]:
        """Exactly ``keys`` from one folder; every missing key is named in one error."""
        wanted = sorted(set(keys))
        found = self.list_secrets(project_id, environment, path)
        missing = [k for k in wanted if k not in found]
        if missing:
            raise MissingSecretsError(project_id, environment, path, missing)
        return {k: found[k] for k in wanted}

    # -- plumbing -----------------------------------------------------------------------------

    def _authorized_get(self, route: str, params: dict[str, str], where: str) -> httpx.Response:
        response = self._send(
            "GET", route, where, params=params, headers={"Authorization": f"Bearer {self._token}"}
        )
        if response.status_code == 403 and _error_kind(response) == "TokenError":
            raise _TokenExpiredError(where)
        if response.status_code in (401, 403):
            raise InfisicalAuthError(
                self._scrub(
                    f"Infisical denied access while {where} ({response.status_code}: "
                    f"{_error_message(response) or 'forbidden'})"
                )
            )
        return response

    def _send(self, method: str, route: str, where: str, **kwargs: Any) -> httpx.Response:
        """One logical request with bounded retries for transient failures only."""

        def attempt() -> httpx.Response:
            try:
                response = self._http.request(method, route, **kwargs)
            except httpx.TransportError as e:
                raise _RetryableError(
                    f"cannot reach Infisical at {self.site_url} while {where}: {type(e).__name__}"
                ) from None
            if response.status_code == 429:
                raise _RetryableError(f"Infisical rate limit while {where}", rate_limit_wait(response))
            if response.status_code >= 500:
                raise _RetryableError(f"Infisical answered {response.status_code} while {where}")
            return response

        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, _RetryableError)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _RetryableError as e:
            raise InfisicalError(f"{e} (gave up after {self._max_attempts} attempts)") from None

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = exc.wait if isinstance(exc, _RetryableError) else None
        if hint is not None:
            return min(hint, MAX_RATE_LIMIT_WAIT)
        return float(min(self._backoff * 2 ** (state.attempt_number - 1), 8.0))

    def _raise_for_status(self, response: httpx.Response, where: str) -> None:
        if response.status_code < 400:
            return
        detail = _error_message(response) or response.reason_phrase
        if response.status_code == 422:
            raise InfisicalError(
                self._scrub(f"Infisical rejected the request while {where} (422 validation: {detail})")
            )
        raise InfisicalError(
            self._scrub(f"Infisical answered {response.status_code} while {where}: {detail}")
        )

    def _parse(self, response: httpx.Response, model: type[Any], where: str) -> Any:
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError):
            raise InfisicalError(f"Infisical sent a malformed response while {where}") from None

    def _oidc_jwt(self) -> str:
        c = self._credentials
        if c.jwt:
            return c.jwt
        params = {"audience": c.audience} if c.audience else None
        try:
            r = httpx.get(
                c.github_oidc_url,
                params=params,
                timeout=DEFAULT_TIMEOUT,
                headers={"Authorization": f"bearer {c.github_oidc_token}"},
            )
            r.raise_for_status()
            return str(r.json()["value"])
        except (httpx.HTTPError, ValueError, KeyError):
            raise InfisicalAuthError(
                "could not obtain an OIDC token from the GitHub Actions endpoint"
            ) from None

    def _scrub(self, text: str) -> str:
        for secret in self._credentials.sensitive():
            text = text.replace(secret, "***")
        return text
