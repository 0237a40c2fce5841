"""`fenod-infra promote` against the real engine: each gate passing and failing, then the gated up."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import secret_canaries
from tests.doubles.infisical import InfisicalDouble
from tests.engine import CF_TOKEN, Engine
from tests.projects import fenod_cmd, set_config

pytestmark = pytest.mark.engine


def promote(
    engine: Engine, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        fenod_cmd(engine.project, "promote", *args),
        env={**engine.env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def gate_lines(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """'1' .. '5' -> 'PASS ...' / 'FAIL ...'."""
    out = {}
    for line in result.stdout.splitlines():
        if line.startswith(("[PASS]", "[FAIL]")):
            out[line[7]] = line
    return out


@pytest.fixture
def staged(engine: Engine) -> Iterator[Engine]:
    engine.up("staging")
    engine.init("prod")
    yield engine


def test_all_gates_pass_then_prod_needs_approval(staged: Engine) -> None:
    dry = promote(staged, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert all(v.startswith("[PASS]") for v in gate_lines(dry).values()) and len(gate_lines(dry)) == 5
    refused = promote(staged)
    assert refused.returncode == 2 and "FENOD_DEPLOY_APPROVED" in refused.stderr
    ok = promote(staged, env={"FENOD_DEPLOY_APPROVED": "prod"})
    assert ok.returncode == 0, ok.stdout + ok.stderr
    scripts = staged.account()["resources"]["cloudflare:index/workersScript:WorkersScript"]
    assert {"fenod-server-prod", "fenod-server-staging"} <= {r["scriptName"] for r in scripts.values()}
    for canary in secret_canaries():
        assert canary not in ok.stdout + ok.stderr


def test_gate1_source_never_updated_or_other_commit(engine: Engine) -> None:
    engine.init("staging")
    engine.init("prod")
    r = promote(engine, "--dry-run")
    assert r.returncode == 1 and "never been updated" in gate_lines(r)["1"]
    engine.up("staging")
    other = promote(engine, "--dry-run", env={"FENOD_GIT_COMMIT": "another-commit"})
    assert other.returncode == 1 and "'e2e-commit'" in gate_lines(other)["1"]
    assert gate_lines(other)["2"].startswith("[PASS]")


def test_gate2_rotated_secret_means_not_converged(staged: Engine, infisical: InfisicalDouble) -> None:
    infisical.set("staging", "/", "BETTER_AUTH_SECRET", "canary-rotated-staging-aaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    r = promote(staged, "--dry-run")
    assert r.returncode == 1 and gate_lines(r)["2"].startswith("[FAIL]") and "update" in gate_lines(r)["2"]
    assert "canary-rotated" not in r.stdout + r.stderr


def test_gate3_config_drift_breaks_parity(staged: Engine) -> None:
    set_config(staged.project, "prod", "fenod:secrets", {"mode": "sync"})
    r = promote(staged, "--dry-run")
    assert "3" in gate_lines(r), r.stdout + r.stderr
    line = gate_lines(r)["3"]
    assert r.returncode == 1 and line.startswith("[FAIL]") and "BETTER_AUTH_SECRET" in line


def test_gate4_missing_prod_secret_named_not_valued(staged: Engine, infisical: InfisicalDouble) -> None:
    del infisical.folders[("prod", "/email")]["EMAIL_API_KEY"]
    r = promote(staged, "--dry-run")
    assert r.returncode == 1 and "prod:/email: EMAIL_API_KEY" in gate_lines(r)["4"]
    for canary in secret_canaries():
        assert canary not in r.stdout + r.stderr


def test_gate5_replacing_prod_database_is_blocked(staged: Engine) -> None:
    assert promote(staged, env={"FENOD_DEPLOY_APPROVED": "prod"}).returncode == 0
    set_config(staged.project, "prod", "fenod:app", "fenod2")
    r = promote(staged, "--dry-run")
    line = gate_lines(r)["5"]
    assert r.returncode == 1 and line.startswith("[FAIL]") and ("d1-main" in line or "protect" in line), (
        r.stdout
    )
    assert Path(staged.account_file).exists()


def test_make_deploy_staging_and_the_secrets_variant(engine: Engine, infisical: InfisicalDouble) -> None:
    env = {**engine.env(), "PREDEPLOY": "0", "FENOD": f"{sys.executable} -m fenod_infra"}
    engine.init("staging")

    def make(target: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "-C", str(engine.project), target], env=env, capture_output=True, text=True, timeout=300
        )

    plain = make("deploy-staging")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert engine.account()["configured_token_sha256"] == hashlib.sha256(CF_TOKEN.encode()).hexdigest()
    infisical.set("staging", "/cloudflare", "CLOUDFLARE_API_TOKEN", "canary-cf-token-from-infisical-77")
    env.pop("CLOUDFLARE_API_TOKEN")
    wrapped = make("deploy-staging-secrets")
    assert wrapped.returncode == 0, wrapped.stdout + wrapped.stderr
    expected = hashlib.sha256(b"canary-cf-token-from-infisical-77").hexdigest()
    assert engine.account()["configured_token_sha256"] == expected
    assert "canary-cf-token-from-infisical-77" not in wrapped.stdout + wrapped.stderr
