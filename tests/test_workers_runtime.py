"""The Worker modules in a real Workers runtime (Miniflare/workerd from npm), with the plan's bindings."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from fenod_infra.cli.appload import load_plan
from fenod_infra.spec.errors import SpecError
from fenod_infra.spec.localdev import miniflare_options
from tests.conftest import ROOT, secret_canaries
from tests.doubles.infisical import InfisicalDouble
from tests.projects import fenod_cmd, make_project

RUNNER = ROOT / "tools" / "miniflare-run.mjs"
SECRETS = {
    "server": {"BETTER_AUTH_SECRET": "s" * 40, "GOOGLE_CLIENT_SECRET": "g", "GITHUB_CLIENT_SECRET": "h"},
    "email-worker": {"EMAIL_API_KEY": "live-email-key"},
}


@pytest.fixture(autouse=True)
def _needs_miniflare() -> None:
    if shutil.which("node") is None or not (ROOT / "node_modules" / "miniflare").is_dir():
        if os.environ.get("CI"):
            pytest.fail("Miniflare is not installed: scripts/setup runs npm ci")
        pytest.skip("run scripts/setup (npm ci) for Miniflare")


def run_workers(
    stage: str,
    requests: list[list[Any]],
    secrets: dict[str, dict[str, str]] | None = None,
    wait_for: str | None = None,
) -> dict[str, Any]:
    plan = load_plan(ROOT, stage)
    options = miniflare_options(plan, SECRETS if secrets is None else secrets)
    payload = {"options": options, "requests": requests, "waitFor": wait_for}
    r = subprocess.run(
        ["node", str(RUNNER)], input=json.dumps(payload), capture_output=True, text=True, cwd=ROOT, timeout=90
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_options_follow_the_binding_table() -> None:
    opts = miniflare_options(load_plan(ROOT, "staging"), SECRETS)["workers"]
    server, email = opts
    assert server["d1Databases"] == {"DB": "fenod-main-staging"}
    assert server["r2Buckets"] == {"UPLOADS": "fenod-uploads-staging"}
    assert server["kvNamespaces"] == {"CACHE": "fenod-cache-staging"}
    assert server["queueProducers"] == {"EMAILS": {"queueName": "fenod-emails-staging"}}
    assert server["bindings"]["BETTER_AUTH_URL"] == "https://api.staging.example.com"
    assert email["queueConsumers"] == {"fenod-emails-staging": {"maxBatchSize": 10, "maxBatchTimeout": 1}}
    assert email["bindings"] == {"STAGE": "staging", "EMAIL_API_KEY_MODE": "sandbox", "EMAIL_API_KEY": ""}
    with pytest.raises(SpecError, match="BETTER_AUTH_SECRET"):
        miniflare_options(load_plan(ROOT, "staging"), {})


def test_server_validates_bindings_and_enqueues_to_a_sandboxed_consumer() -> None:
    out = run_workers(
        "dev",
        [["GET", "http://localhost/health"], ["POST", "http://localhost/signup", {"email": "a@example.com"}]],
        wait_for="would send",
    )
    health, signup = out["results"]
    assert health["status"] == 200
    assert json.loads(health["body"]) == {
        "ok": True,
        "stage": "dev",
        "authUrl": "https://fenod-server-dev.fenod-team.workers.dev",
    }
    assert signup["status"] == 202
    assert "[sandbox] would send welcome to a@example.com" in out["logs"]
    assert not any(line.startswith("[outbound]") for line in out["logs"])


def test_prod_email_worker_is_live_and_short_secret_is_rejected() -> None:
    out = run_workers(
        "prod", [["POST", "http://localhost/signup", {"email": "b@example.com"}]], wait_for="[outbound]"
    )
    assert "[outbound] POST https://api.email-provider.invalid/v1/send auth=yes" in out["logs"]
    weak = {**SECRETS, "server": {**SECRETS["server"], "BETTER_AUTH_SECRET": "short"}}
    health = run_workers("prod", [["GET", "http://localhost/health"]], secrets=weak)["results"][0]
    assert health["status"] == 500 and "BETTER_AUTH_SECRET(min 32)" in health["body"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dev_command_serves_with_secrets_from_infisical(
    tmp_path: Path, infisical_env: InfisicalDouble
) -> None:
    project = make_project(tmp_path / "app")
    port = _free_port()
    proc = subprocess.Popen(
        fenod_cmd(project, "dev", "--stack", "dev", "--port", str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, body = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert body == {"ok": True, "stage": "dev", "authUrl": "https://fenod-server-dev.team.workers.dev"}
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, 130), err
    assert infisical_env.count("/api/v4/secrets") == 2  # one list per (environment, path): / and /oauth
    for canary in secret_canaries():
        assert canary not in out + err
    assert not list(project.glob(".dev.vars*")) and not list(project.glob(".env*"))
