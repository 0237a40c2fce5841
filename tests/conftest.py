"""Shared fixtures: the reference project, canary credentials and a seeded Infisical double."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.doubles.infisical import InfisicalDouble

if TYPE_CHECKING:
    from tests.engine import Engine

ROOT = Path(__file__).resolve().parent.parent

# Canaries: distinctive strings that must never appear in output, state, inputs or errors.
CANARY_CLIENT_ID = "canary-client-id-5b1e0c"
CANARY_CLIENT_SECRET = "canary-client-secret-9d2f7a"
CANARY_TOKEN = "canary-static-token-44e1aa"
CANARY_JWT = "canary-jwt-0c77d2"
CREDENTIAL_CANARIES = (CANARY_CLIENT_ID, CANARY_CLIENT_SECRET, CANARY_TOKEN, CANARY_JWT)

REFERENCE_SECRETS = {
    ("/", "BETTER_AUTH_SECRET"): "canary-auth-secret-{env}-aaaaaaaaaaaaaaaaaaaaaaaa",
    ("/oauth", "GOOGLE_CLIENT_SECRET"): "canary-google-{env}-f00d",
    ("/oauth", "GITHUB_CLIENT_SECRET"): "canary-github-{env}-beef",
    ("/email", "EMAIL_API_KEY"): "canary-email-key-{env}-c0ffee",
}


def secret_canaries(envs: tuple[str, ...] = ("dev", "staging", "prod")) -> list[str]:
    return [v.format(env=e) for e in envs for v in REFERENCE_SECRETS.values()]


ACCOUNT = "0123456789abcdef0123456789abcdef"
ZONE = "fedcba9876543210fedcba9876543210"


def base_config(**extra: object) -> dict[str, str]:
    """A valid flat fenod:* config, as the engine would pass it."""
    cfg: dict[str, object] = {
        "fenod:app": "fenod",
        "fenod:accountId": ACCOUNT,
        "fenod:zoneId": ZONE,
        "fenod:workersDevSubdomain": "team",
        "fenod:infisical": {"projectId": "proj-1"},
    }
    cfg.update({f"fenod:{k}": v for k, v in extra.items()})
    return {k: json.dumps(v) if isinstance(v, dict | list) else str(v) for k, v in cfg.items()}


@pytest.fixture
def infisical() -> Iterator[InfisicalDouble]:
    double = InfisicalDouble(
        client_id=CANARY_CLIENT_ID,
        client_secret=CANARY_CLIENT_SECRET,
        static_token=CANARY_TOKEN,
        jwt=CANARY_JWT,
    )
    for env in ("dev", "staging", "prod"):
        for (path, key), value in REFERENCE_SECRETS.items():
            double.set(env, path, key, value.format(env=env))
    double.start()
    yield double
    double.stop()


@pytest.fixture
def infisical_env(infisical: InfisicalDouble, monkeypatch: pytest.MonkeyPatch) -> InfisicalDouble:
    """Universal-auth credentials for the double in the environment, and nothing else."""
    for var in (
        "INFISICAL_TOKEN",
        "INFISICAL_MACHINE_IDENTITY_ID",
        "INFISICAL_AUTH_JWT",
        "STAGE",
        "FENOD_DEPLOY_APPROVED",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_ID", CANARY_CLIENT_ID)
    monkeypatch.setenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", CANARY_CLIENT_SECRET)
    monkeypatch.setenv("INFISICAL_HOST", infisical.url)
    return infisical


@pytest.fixture
def engine(tmp_path: Path, infisical: InfisicalDouble) -> Iterator[Engine]:
    """A throw-away project on the real Pulumi engine (file backend, stand-in plugin, Infisical double)."""
    from tests.engine import Engine, pulumi_binary

    if pulumi_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("the Pulumi engine was not built: run scripts/install-pulumi")
        pytest.skip("run scripts/install-pulumi to build the Pulumi engine")
    yield Engine(tmp_path, infisical.url)
