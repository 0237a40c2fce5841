"""Infisical credentials, read from the environment only, under the Infisical tools' names.

Values are held in a class whose ``repr`` hides them, so a credential can never
reach a log line or an exception message by accident. Nothing here is ever
stored on a pickled object: callers read the environment at the moment they
need it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

AuthKind = Literal["universal", "oidc", "token"]

CLIENT_ID = "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"
CLIENT_SECRET = "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"  # noqa: S105 - a variable name
IDENTITY_ID = "INFISICAL_MACHINE_IDENTITY_ID"
AUTH_JWT = "INFISICAL_AUTH_JWT"
TOKEN = "INFISICAL_TOKEN"  # noqa: S105 - a variable name
HOST = "INFISICAL_HOST"
GITHUB_OIDC_URL = "ACTIONS_ID_TOKEN_REQUEST_URL"
GITHUB_OIDC_TOKEN = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable name
OIDC_AUDIENCE = "INFISICAL_OIDC_AUDIENCE"

ALL_CREDENTIAL_VARS = (CLIENT_ID, CLIENT_SECRET, IDENTITY_ID, AUTH_JWT, TOKEN, GITHUB_OIDC_TOKEN)


class CredentialsError(Exception):
    """No usable credentials in the environment (names variables, never values)."""


@dataclass(frozen=True)
class Credentials:
    kind: AuthKind
    client_id: str = field(default="", repr=False)
    client_secret: str = field(default="", repr=False)
    identity_id: str = field(default="", repr=False)
    jwt: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    github_oidc_url: str = field(default="", repr=False)
    github_oidc_token: str = field(default="", repr=False)
    audience: str = field(default="", repr=False)

    def sensitive(self) -> tuple[str, ...]:
        """Every credential string, so error text can be scrubbed of them."""
        values = (self.client_id, self.client_secret, self.jwt, self.token, self.github_oidc_token)
        return tuple(v for v in values if v)


def credentials_from_env(
    prefer: AuthKind | None = None, environ: Mapping[str, str] | None = None
) -> Credentials:
    """Pick credentials from the environment: ``prefer`` if given, else token, universal, OIDC."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        return env.get(name, "").strip()

    available: dict[AuthKind, Credentials] = {}
    if get(TOKEN):
        available["token"] = Credentials("token", token=get(TOKEN))
    if get(CLIENT_ID) and get(CLIENT_SECRET):
        available["universal"] = Credentials(
            "universal", client_id=get(CLIENT_ID), client_secret=get(CLIENT_SECRET)
        )
    if get(IDENTITY_ID) and (get(AUTH_JWT) or (get(GITHUB_OIDC_URL) and get(GITHUB_OIDC_TOKEN))):
        available["oidc"] = Credentials(
            "oidc",
            identity_id=get(IDENTITY_ID),
            jwt=get(AUTH_JWT),
            github_oidc_url=get(GITHUB_OIDC_URL),
            github_oidc_token=get(GITHUB_OIDC_TOKEN),
            audience=get(OIDC_AUDIENCE),
        )
    if prefer is not None:
        if prefer in available:
            return available[prefer]
        needs = {
            "universal": f"{CLIENT_ID} and {CLIENT_SECRET}",
            "oidc": f"{IDENTITY_ID} with {AUTH_JWT} (or the GitHub Actions OIDC variables)",
            "token": TOKEN,
        }[prefer]
        raise CredentialsError(f"Infisical auth is {prefer!r} but {needs} are not set in the environment")
    precedence: tuple[AuthKind, ...] = ("token", "universal", "oidc")  # the Infisical CLI's order
    for kind in precedence:
        if kind in available:
            return available[kind]
    raise CredentialsError(
        f"no Infisical credentials in the environment: set {CLIENT_ID} and {CLIENT_SECRET} "
        f"(machine identity), {IDENTITY_ID} with {AUTH_JWT} (OIDC), or {TOKEN}"
    )


def site_url_from_env(configured: str, environ: Mapping[str, str] | None = None) -> str:
    """``INFISICAL_HOST`` (an origin, no ``/api``) overrides the configured site URL."""
    env = os.environ if environ is None else environ
    host = env.get(HOST, "").strip()
    return (host or configured).rstrip("/").removesuffix("/api")
