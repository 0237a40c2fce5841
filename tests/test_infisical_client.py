"""The Infisical client against the local double: contract, faults, retries and redaction."""

from __future__ import annotations

import pytest

from fenod_infra.secrets.client import (
    InfisicalAuthError,
    InfisicalClient,
    InfisicalError,
    InfisicalNotFoundError,
    MissingSecretsError,
    _Import,
    _Row,
    merge_rows,
)
from fenod_infra.secrets.credentials import Credentials, CredentialsError, credentials_from_env
from tests.conftest import (
    CANARY_CLIENT_ID,
    CANARY_CLIENT_SECRET,
    CANARY_JWT,
    CANARY_TOKEN,
    CREDENTIAL_CANARIES,
)
from tests.doubles.infisical import InfisicalDouble

UNIVERSAL = Credentials("universal", client_id=CANARY_CLIENT_ID, client_secret=CANARY_CLIENT_SECRET)
SECRETS = "/api/v4/secrets"
LOGIN = "/api/v1/auth/universal-auth/login"


def client(
    d: InfisicalDouble, creds: Credentials = UNIVERSAL, sleeps: list[float] | None = None
) -> InfisicalClient:
    return InfisicalClient(d.url, creds, sleep=(sleeps.append if sleeps is not None else lambda _s: None))


def assert_clean(text: str) -> None:
    for canary in CREDENTIAL_CANARIES:
        assert canary not in text


def test_universal_login_then_one_list_per_folder(infisical: InfisicalDouble) -> None:
    with client(infisical) as c:
        got = c.fetch("proj-1", "staging", "/oauth", ["GOOGLE_CLIENT_SECRET", "GITHUB_CLIENT_SECRET"])
        assert got["GOOGLE_CLIENT_SECRET"].value == "canary-google-staging-f00d"
    assert infisical.count(LOGIN) == 1 and infisical.count(SECRETS) == 1
    params = next(p for m, r, p in infisical.log if r == SECRETS)
    assert params["expandSecretReferences"] == "true" and params["include_imports"] == "true"
    assert params["secretPath"] == "/oauth" and params["environment"] == "staging"


def test_oidc_and_static_token(infisical: InfisicalDouble) -> None:
    with client(infisical, Credentials("oidc", identity_id="ident-1", jwt=CANARY_JWT)) as c:
        assert "BETTER_AUTH_SECRET" in c.list_secrets("proj-1", "dev", "/")
    assert infisical.count("/api/v1/auth/oidc-auth/login") == 1
    with client(infisical, Credentials("token", token=CANARY_TOKEN)) as c:
        assert "BETTER_AUTH_SECRET" in c.list_secrets("proj-1", "dev", "/")
    assert infisical.count(LOGIN) == 0


def test_references_and_imports_are_merged(infisical: InfisicalDouble) -> None:
    infisical.set("prod", "/shared", "REGION", "eu")
    infisical.set("prod", "/shared", "BETTER_AUTH_SECRET", "imported-loses")
    infisical.set("prod", "/", "DSN", "postgres://${prod.shared.REGION}/${BETTER_AUTH_SECRET}")
    infisical.add_import("prod", "/", "prod", "/shared")
    with client(infisical) as c:
        got = c.list_secrets("proj-1", "prod", "/")
    assert got["REGION"].value == "eu"
    assert got["BETTER_AUTH_SECRET"].value.startswith("canary-auth-secret-prod")  # own key wins
    assert got["DSN"].value == "postgres://eu/" + got["BETTER_AUTH_SECRET"].value


def test_merge_order_personal_and_last_import_first() -> None:
    own = [
        _Row(secretKey="A", secretValue="shared"),
        _Row(secretKey="A", secretValue="mine", type="personal"),
    ]
    imports = [
        _Import(secrets=[_Row(secretKey="B", secretValue="first")]),
        _Import(secrets=[_Row(secretKey="B", secretValue="last")]),
    ]
    merged = merge_rows(own, imports)
    assert merged["A"].value == "mine" and merged["B"].value == "last"


def test_rate_limit_waits_for_retry_after(infisical: InfisicalDouble) -> None:
    infisical.inject(
        SECRETS,
        status=429,
        headers={"Retry-After": "7"},
        body={"statusCode": 429, "message": "Rate limit exceeded", "error": "RateLimitExceeded"},
    )
    infisical.inject(SECRETS, status=429, headers={"X-RateLimit-Reset": "3"}, body={"message": "slow down"})
    infisical.inject(SECRETS, status=429, body={"message": "Rate limit exceeded. Try again in 2 seconds"})
    sleeps: list[float] = []
    with client(infisical, sleeps=sleeps) as c:
        c.list_secrets("proj-1", "dev", "/")
    assert sleeps == [7.0, 3.0, 2.0]
    assert infisical.count(SECRETS) == 4


def test_5xx_and_dropped_connections_retry_with_bounded_backoff(infisical: InfisicalDouble) -> None:
    infisical.inject(SECRETS, status=503)
    infisical.inject(SECRETS, drop=True)
    sleeps: list[float] = []
    with client(infisical, sleeps=sleeps) as c:
        assert c.list_secrets("proj-1", "dev", "/")
    assert sleeps == [0.5, 1.0]
    infisical.inject(SECRETS, status=502, times=10)
    with client(infisical) as c, pytest.raises(InfisicalError, match="gave up after 4 attempts"):
        c.list_secrets("proj-1", "dev", "/")


def test_wrong_credentials_are_never_retried(infisical: InfisicalDouble) -> None:
    bad = Credentials("universal", client_id=CANARY_CLIENT_ID, client_secret="wrong-" + CANARY_CLIENT_SECRET)
    with client(infisical, bad) as c, pytest.raises(InfisicalAuthError) as e:
        c.list_secrets("proj-1", "dev", "/")
    assert infisical.count(LOGIN) == 1
    assert infisical.failed_logins == 1  # one attempt: far from the three-strike lockout
    assert "not retrying" in str(e.value)
    assert_clean(str(e.value))


def test_expired_token_logs_in_again_once(infisical: InfisicalDouble) -> None:
    with client(infisical) as c:
        c.list_secrets("proj-1", "dev", "/")
        infisical.expire_tokens()
        c.list_secrets("proj-1", "dev", "/oauth")
    assert infisical.count(LOGIN) == 2 and infisical.count(SECRETS) == 3


def test_expired_static_token_is_a_clear_error(infisical: InfisicalDouble) -> None:
    infisical.inject(
        SECRETS, status=403, body={"statusCode": 403, "message": "expired", "error": "TokenError"}
    )
    with (
        client(infisical, Credentials("token", token=CANARY_TOKEN)) as c,
        pytest.raises(InfisicalAuthError) as e,
    ):
        c.list_secrets("proj-1", "dev", "/")
    assert "expired or invalid" in str(e.value)
    assert_clean(str(e.value))


def test_not_found_names_environment_and_path(infisical: InfisicalDouble) -> None:
    with client(infisical) as c:
        with pytest.raises(InfisicalNotFoundError, match="'qa'"):
            c.list_secrets("proj-1", "qa", "/")
        with pytest.raises(InfisicalNotFoundError, match="'/nope'"):
            c.list_secrets("proj-1", "dev", "/nope")


def test_missing_keys_named_with_environment_and_path(infisical: InfisicalDouble) -> None:
    with client(infisical) as c, pytest.raises(MissingSecretsError) as e:
        c.fetch("proj-1", "staging", "/oauth", ["GOOGLE_CLIENT_SECRET", "APPLE_CLIENT_SECRET", "X_KEY"])
    text = str(e.value)
    assert (
        "'APPLE_CLIENT_SECRET'" in text and "'X_KEY'" in text and "'staging'" in text and "'/oauth'" in text
    )
    assert "canary-google" not in text


def test_malformed_json_and_validation_failures(infisical: InfisicalDouble) -> None:
    infisical.inject(SECRETS, status=200, raw=b"{not json")
    with client(infisical) as c, pytest.raises(InfisicalError, match="malformed response"):
        c.list_secrets("proj-1", "dev", "/")
    infisical.inject(
        SECRETS,
        status=422,
        body={
            "statusCode": 422,
            "error": "ValidationFailure",
            "message": [{"message": "Expected 'true' | 'false'"}],
        },
    )
    with client(infisical) as c, pytest.raises(InfisicalError, match="422 validation: Expected"):
        c.list_secrets("proj-1", "dev", "/")


def test_double_is_strict_about_boolean_strings(infisical: InfisicalDouble) -> None:
    import httpx

    with client(infisical) as c:
        c.login()
        token = c._token
    r = httpx.get(
        infisical.url + SECRETS,
        headers={"Authorization": f"Bearer {token}"},
        params={"projectId": "proj-1", "environment": "dev", "expandSecretReferences": "True"},
    )
    assert r.status_code == 422 and r.json()["error"] == "ValidationFailure"
    r = httpx.get(
        infisical.url + SECRETS, headers={"Authorization": f"Bearer {token}"}, params={"environment": "dev"}
    )
    assert r.status_code == 422


def test_credentials_from_env_precedence_and_messages() -> None:
    env = {
        "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": "a",
        "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": "b",
        "INFISICAL_TOKEN": "t",
    }
    assert credentials_from_env(environ=env).kind == "token"
    assert credentials_from_env("universal", env).kind == "universal"
    with pytest.raises(CredentialsError, match="INFISICAL_MACHINE_IDENTITY_ID"):
        credentials_from_env("oidc", env)
    with pytest.raises(CredentialsError, match="no Infisical credentials"):
        credentials_from_env(environ={})
    assert CANARY_CLIENT_SECRET not in repr(UNIVERSAL)


def test_client_refuses_to_be_pickled(infisical: InfisicalDouble) -> None:
    import pickle

    with client(infisical) as c, pytest.raises(TypeError):
        pickle.dumps(c)


def test_oidc_jwt_from_github_actions_endpoint(infisical: InfisicalDouble) -> None:
    creds = Credentials(
        "oidc",
        identity_id="ident-1",
        github_oidc_url=f"{infisical.url}/_actions/idtoken?x=1",
        github_oidc_token=infisical.actions_request_token,
        audience="infisical",
    )
    with client(infisical, creds) as c:
        assert "BETTER_AUTH_SECRET" in c.list_secrets("proj-1", "dev", "/")
    assert infisical.count("/_actions/idtoken") == 1
    params = next(p for _, r, p in infisical.log if r == "/_actions/idtoken")
    assert params["audience"] == "infisical"
    bad = Credentials(
        "oidc",
        identity_id="ident-1",
        github_oidc_url=f"{infisical.url}/_actions/idtoken",
        github_oidc_token="wrong",
    )
    with client(infisical, bad) as c, pytest.raises(InfisicalAuthError, match="GitHub Actions"):
        c.list_secrets("proj-1", "dev", "/")
