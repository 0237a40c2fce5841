"""The dynamic provider's methods against the Infisical double (as the provider process calls them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fenod_infra.secrets import provider as prov
from tests.conftest import CREDENTIAL_CANARIES
from tests.doubles.infisical import InfisicalDouble


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    prov.reset_process_cache()
    yield
    prov.reset_process_cache()


def props(
    d: InfisicalDouble, path: str = "/oauth", keys: list[str] | None = None, env: str = "staging"
) -> dict[str, Any]:
    return {
        "project_id": "proj-1",
        "environment": env,
        "path": path,
        "keys": keys or ["GITHUB_CLIENT_SECRET", "GOOGLE_CLIENT_SECRET"],
        "site_url": d.url,
        "auth": None,
    }


def test_create_outputs_values_versions_digest(infisical_env: InfisicalDouble) -> None:
    p = props(infisical_env)
    result = prov.InfisicalSecretsProvider().create(p)
    assert result.outs["values"] == {
        "GITHUB_CLIENT_SECRET": "canary-github-staging-beef",
        "GOOGLE_CLIENT_SECRET": "canary-google-staging-f00d",
    }
    assert result.outs["versions"] == {"GITHUB_CLIENT_SECRET": 1, "GOOGLE_CLIENT_SECRET": 1}
    assert len(result.outs["digest"]) == 64
    assert result.id == "staging:/oauth"


def test_check_fails_on_missing_key_before_anything_changes(infisical_env: InfisicalDouble) -> None:
    res = prov.InfisicalSecretsProvider().check(
        {}, props(infisical_env, keys=["GOOGLE_CLIENT_SECRET", "NOPE"])
    )
    assert [
        (f.property, "'NOPE'" in f.reason and "'staging'" in f.reason and "'/oauth'" in f.reason)
        for f in res.failures
    ] == [("keys", True)]


def test_check_reports_bad_credentials_as_failure_not_traceback(
    infisical_env: InfisicalDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", "wrong")
    res = prov.InfisicalSecretsProvider().check({}, props(infisical_env))
    assert res.failures and res.failures[0].property == "auth"
    assert "refused" in res.failures[0].reason
    monkeypatch.delenv("INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET")
    prov.reset_process_cache()
    res = prov.InfisicalSecretsProvider().check({}, props(infisical_env))
    assert "no Infisical credentials" in res.failures[0].reason


def test_check_rejects_bad_shapes(infisical_env: InfisicalDouble) -> None:
    bad = props(infisical_env) | {"keys": [], "path": ""}
    res = prov.InfisicalSecretsProvider().check({}, bad)
    assert {f.property for f in res.failures} == {"keys", "path"}


def test_diff_detects_rotation_and_update_pushes_it(infisical_env: InfisicalDouble) -> None:
    p = props(infisical_env)
    outs = prov.InfisicalSecretsProvider().create(p).outs
    prov.reset_process_cache()  # a new deployment = a new provider process
    assert prov.InfisicalSecretsProvider().diff("id", outs, p).changes is False
    infisical_env.set("staging", "/oauth", "GOOGLE_CLIENT_SECRET", "rotated-value")
    prov.reset_process_cache()
    d = prov.InfisicalSecretsProvider().diff("id", outs, p)
    assert d.changes is True and d.replaces == []
    new = prov.InfisicalSecretsProvider().update("id", outs, p).outs
    assert new["values"]["GOOGLE_CLIENT_SECRET"] == "rotated-value"
    assert new["versions"]["GOOGLE_CLIENT_SECRET"] == 2 and new["digest"] != outs["digest"]


def test_diff_on_changed_keys(infisical_env: InfisicalDouble) -> None:
    p = props(infisical_env)
    outs = prov.InfisicalSecretsProvider().create(p).outs
    assert prov.InfisicalSecretsProvider().diff("id", outs, p | {"keys": ["GOOGLE_CLIENT_SECRET"]}).changes


def test_one_login_and_one_list_per_folder_per_process(infisical_env: InfisicalDouble) -> None:
    provider = prov.InfisicalSecretsProvider()
    groups = [props(infisical_env, "/", ["BETTER_AUTH_SECRET"]), props(infisical_env)]
    for g in groups:  # check, then diff and create, as the engine does in one `up`
        provider.check({}, g)
    for g in groups:
        provider.create(g)
        provider.diff("id", provider.create(g).outs, g)
    assert infisical_env.count("/api/v1/auth/universal-auth/login") == 1
    assert infisical_env.count("/api/v4/secrets") == 2


def test_provider_holds_nothing_and_outputs_hold_no_credentials(infisical_env: InfisicalDouble) -> None:
    provider = prov.InfisicalSecretsProvider()
    assert vars(provider) == {}
    outs = provider.create(props(infisical_env)).outs
    blob = json.dumps(outs)
    for canary in CREDENTIAL_CANARIES:
        assert canary not in blob
