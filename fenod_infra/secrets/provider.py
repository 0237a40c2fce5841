"""The Pulumi dynamic provider that reads runtime secrets from Infisical.

Why it looks like this:

* The provider instance is pickled (dill) into the ``__provider`` input, which
  lands in state. The class is defined in this importable module, so it is
  pickled *by reference*; it has no attributes, so nothing is pickled *by value*.
  Credentials are read from the environment inside each call; clients are made
  per process, never stored on ``self``.
* The provider runs in its own process (``python -m pulumi.dynamic``). This
  module imports only the Pulumi dynamic API and the httpx client - never
  ``pulumi_cloudflare`` - so it starts fast.
* One resource per (environment, path) holds the union of the keys Workers
  need there. ``values`` and ``digest`` are marked secret
  (``additional_secret_outputs``): encrypted in state, redacted in output.
* ``check`` fetches (so a missing key fails preview and up before any Worker
  changes) and reports failures as check failures, not tracebacks. ``diff``
  re-reads Infisical and compares digests, so a rotation shows in ``preview``
  and ``up`` pushes it. Within one provider process every folder is listed
  once and the login is shared: one login + one list per (environment, path).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any, cast

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from fenod_infra.secrets.client import InfisicalClient, InfisicalError, MissingSecretsError, SecretValue
from fenod_infra.secrets.credentials import AuthKind, CredentialsError, credentials_from_env

INPUT_FIELDS = ("project_id", "environment", "path", "keys", "site_url", "auth")
SECRET_OUTPUTS = ["values", "digest"]

_lock = threading.Lock()
_clients: dict[tuple[str, str], InfisicalClient] = {}
_folders: dict[tuple[str, str, str, str], dict[str, SecretValue]] = {}


def reset_process_cache() -> None:
    """Forget cached folders and logins (tests; a provider process otherwise lives one deployment)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
        _folders.clear()


def _fetch(props: dict[str, Any]) -> dict[str, SecretValue]:
    """Exactly the requested keys of one folder, listing each folder once per process."""
    site, project, env, path = props["site_url"], props["project_id"], props["environment"], props["path"]
    auth = cast("AuthKind | None", props.get("auth") or None)
    with _lock:
        folder = _folders.get((site, project, env, path))
        if folder is None:
            client = _clients.get((site, auth or ""))
            if client is None:
                client = InfisicalClient(site, credentials_from_env(auth))
                _clients[(site, auth or "")] = client
            folder = client.list_secrets(project, env, path)
            _folders[(site, project, env, path)] = folder
    missing = [k for k in props["keys"] if k not in folder]
    if missing:
        raise MissingSecretsError(project, env, path, missing)
    return {k: folder[k] for k in props["keys"]}


def _digest(values: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def _outputs(props: dict[str, Any]) -> dict[str, Any]:
    fetched = _fetch(props)
    values = {k: v.value for k, v in fetched.items()}
    return {
        **{f: props.get(f) for f in INPUT_FIELDS},
        "values": values,
        "versions": {k: v.version for k, v in fetched.items()},
        "digest": _digest(values),
    }


def _shape_failures(news: dict[str, Any]) -> list[CheckFailure]:
    failures = [
        CheckFailure(f, f"{f} must be a non-empty string")
        for f in ("project_id", "environment", "path", "site_url")
        if not isinstance(news.get(f), str) or not news.get(f)
    ]
    keys = news.get("keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        failures.append(CheckFailure("keys", "keys must be a non-empty list of secret names"))
    return failures


class InfisicalSecretsProvider(ResourceProvider):
    """Reads one Infisical folder's requested keys. Stateless by design (see module doc)."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = _shape_failures(news)
        if not failures:
            try:
                _fetch(news)
            except MissingSecretsError as e:
                failures.append(CheckFailure("keys", str(e)))
            except (InfisicalError, CredentialsError) as e:
                failures.append(CheckFailure("auth", str(e)))
        inputs = {f: news.get(f) for f in INPUT_FIELDS}
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed_inputs = [f for f in INPUT_FIELDS if olds.get(f) != news.get(f)]
        if changed_inputs:
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        current = _digest({k: v.value for k, v in _fetch(news).items()})
        return DiffResult(changes=current != olds.get("digest"), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_=f"{props['environment']}:{props['path']}", outs=_outputs(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=_outputs(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=_outputs(props))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete: the secrets stay in Infisical, their source of truth."""


class InfisicalSecrets(pulumi.dynamic.Resource):
    """The secrets of one (environment, path), for the Workers that declared them."""

    values: pulumi.Output[dict[str, str]]
    versions: pulumi.Output[dict[str, int]]
    digest: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        project_id: str,
        environment: str,
        path: str,
        keys: list[str],
        site_url: str,
        auth: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "project_id": project_id,
            "environment": environment,
            "path": path,
            "keys": sorted(keys),
            "site_url": site_url,
            "auth": auth,
            "values": None,
            "versions": None,
            "digest": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        super().__init__(
            InfisicalSecretsProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret_opts)
        )
