"""End to end against the real Pulumi engine, the stand-in Cloudflare plugin and the Infisical double.

Needs ``scripts/install-pulumi`` to have built .tools/bin/pulumi; `.ci/run` always builds it,
so in CI these tests run (a missing engine there is a failure, not a skip).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ACCOUNT, CREDENTIAL_CANARIES, secret_canaries
from tests.doubles.infisical import InfisicalDouble
from tests.engine import CF_TOKEN, PASSPHRASE, TOOLS_BIN, Engine, pulumi_binary
from tests.projects import fenod_cmd

pytestmark = pytest.mark.engine

D1 = "cloudflare:index/d1Database:D1Database"
R2 = "cloudflare:index/r2Bucket:R2Bucket"
KV = "cloudflare:index/workersKvNamespace:WorkersKvNamespace"
SCRIPT = "cloudflare:index/workersScript:WorkersScript"
QUEUE = "cloudflare:index/queue:Queue"


def steps(result: Any) -> dict[str, str]:
    """URN name -> operation, from `pulumi preview --json`."""
    data = json.loads(result.stdout)
    return {s["urn"].split("::")[-1]: s["op"] for s in data.get("steps", [])}


def names(engine: Engine, typ: str) -> set[str]:
    field = {D1: "name", R2: "name", KV: "title", SCRIPT: "scriptName"}[typ]
    return {row[field] for row in engine.account()["resources"].get(typ, {}).values()}


def test_up_creates_then_converges(engine: Engine) -> None:
    engine.up("dev")
    assert names(engine, D1) == {"fenod-main-dev"} and names(engine, SCRIPT) == {
        "fenod-server-dev",
        "fenod-email-worker-dev",
    }
    second = engine.up("dev")
    assert "12 unchanged" in second.stdout
    engine.preview("dev", "--expect-no-changes")
    outputs = json.loads(engine.pulumi("stack", "output", "-s", "dev", "--json").stdout)
    assert outputs["gitCommit"] == "e2e-commit" and outputs["stage"] == "dev"


def test_rotation_previews_and_pushes_only_affected_workers(
    engine: Engine, infisical: InfisicalDouble
) -> None:
    engine.up("dev")
    infisical.set("dev", "/oauth", "GOOGLE_CLIENT_SECRET", "canary-rotated-google-9911")
    ops = steps(engine.preview("dev", "--json"))
    changed = {n for n, op in ops.items() if op != "same"}
    assert changed == {"secrets-oauth", "worker-server"}, ops
    engine.up("dev")
    server = next(
        r for r in engine.account()["resources"][SCRIPT].values() if r["scriptName"] == "fenod-server-dev"
    )
    texts = {b["name"]: b.get("text") for b in server["bindings"]}
    assert texts["GOOGLE_CLIENT_SECRET"] == "canary-rotated-google-9911"
    engine.preview("dev", "--expect-no-changes")


def test_missing_secret_fails_before_any_worker_changes(engine: Engine, infisical: InfisicalDouble) -> None:
    engine.up("dev")
    before = engine.account()["ops"]
    del infisical.folders[("dev", "/oauth")]["GITHUB_CLIENT_SECRET"]
    r = engine.pulumi("up", "-s", "dev", "--yes", check=False)
    assert r.returncode != 0
    assert "'GITHUB_CLIENT_SECRET'" in r.stdout + r.stderr and "'/oauth'" in r.stdout + r.stderr
    assert [op for op in engine.account()["ops"] if op[0] != "read"] == [
        op for op in before if op[0] != "read"
    ]


def test_prod_needs_approval_and_is_protected(engine: Engine) -> None:
    refused = engine.up("prod", check=False)
    assert refused.returncode != 0 and "FENOD_DEPLOY_APPROVED=prod" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    assert names(engine, D1) == set()
    engine.preview("prod")
    engine.up("prod", env={"FENOD_DEPLOY_APPROVED": "prod"})
    assert names(engine, D1) == {"fenod-main-prod"}
    destroy = engine.pulumi(
        "destroy", "-s", "prod", "--yes", check=False, env={"FENOD_DEPLOY_APPROVED": "prod"}
    )
    assert destroy.returncode != 0 and "protect" in destroy.stdout + destroy.stderr
    assert names(engine, D1) == {"fenod-main-prod"}
    engine.up("dev")
    engine.pulumi("destroy", "-s", "dev", "--yes")
    assert names(engine, D1) == {"fenod-main-prod"} and names(engine, SCRIPT) == {
        "fenod-server-prod",
        "fenod-email-worker-prod",
    }


def test_adoption_imports_without_creating(engine: Engine) -> None:
    d1_id, kv_id = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "a" * 32
    engine.seed(D1, d1_id, {"accountId": ACCOUNT, "name": "legacy-db", "uuid": d1_id})
    engine.seed(KV, kv_id, {"accountId": ACCOUNT, "title": "legacy-cache"})
    engine.seed(R2, "legacy-uploads", {"accountId": ACCOUNT, "name": "legacy-uploads"})
    stack_file = engine.project / "Pulumi.prod.yaml"
    stack_file.write_text(
        stack_file.read_text()
        + (
            "  fenod:adopt:\n"
            f"    d1:\n      main: {{id: {ACCOUNT}/{d1_id}, name: legacy-db}}\n"
            f"    kv:\n      cache: {{id: {ACCOUNT}/{kv_id}, name: legacy-cache}}\n"
            f"    r2:\n      uploads: {ACCOUNT}/legacy-uploads/default\n"
        )
    )
    engine.up("prod", env={"FENOD_DEPLOY_APPROVED": "prod"})
    account = engine.account()
    created = {(op[1], op[2]) for op in account["ops"] if op[0] == "create"}
    assert (D1, d1_id) not in created and (KV, kv_id) not in created and (R2, "legacy-uploads") not in created
    assert names(engine, D1) == {"legacy-db"} and names(engine, KV) == {"legacy-cache"}
    assert names(engine, R2) == {"legacy-uploads"}
    assert "cloudflare:index/queue:Queue" in {t for t, _ in created}  # not adopted: created fresh


def test_state_and_output_hold_no_plaintext_secret_or_credential(engine: Engine) -> None:
    logs = [
        engine.up("dev"),
        engine.up("staging"),
        engine.up("prod", env={"FENOD_DEPLOY_APPROVED": "prod"}),
        engine.preview("prod", "--diff"),
    ]
    canaries = [*CREDENTIAL_CANARIES, *secret_canaries(), PASSPHRASE, CF_TOKEN]
    for log in logs:
        for canary in canaries:
            assert canary not in log.stdout + log.stderr, canary
    for stack in ("dev", "staging", "prod"):
        exported = engine.export(stack)
        for canary in canaries:
            assert canary not in exported, (stack, canary)
        assert '"secure"' in exported or "ciphertext" in exported
    for f in (engine.root / "state").rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            for canary in canaries:
                assert canary.encode() not in blob, (f, canary)


def test_secret_config_reaches_provider_decrypted_and_is_stored_encrypted(engine: Engine) -> None:
    engine.init("dev")
    engine.pulumi("config", "set", "--secret", "cloudflare:apiToken", CF_TOKEN, "-s", "dev")
    stack_file = (engine.project / "Pulumi.dev.yaml").read_text()
    assert CF_TOKEN not in stack_file and "secure:" in stack_file
    engine.up("dev")
    assert engine.account()["configured_token_sha256"] == hashlib.sha256(CF_TOKEN.encode()).hexdigest()


ADOPTABLE = {  # type -> (fenod:adopt kind, name field, import id from (account row id))
    D1: ("d1", "name", lambda rid: f"{ACCOUNT}/{rid}"),
    R2: ("r2", "name", lambda rid: f"{ACCOUNT}/{rid}/default"),
    KV: ("kv", "title", lambda rid: f"{ACCOUNT}/{rid}"),
    QUEUE: ("queue", "queueName", lambda rid: f"{ACCOUNT}/{rid}"),
    SCRIPT: ("worker", "scriptName", lambda rid: f"{ACCOUNT}/{rid}"),
}


def repair_file_backend(checkpoint: Path) -> None:
    """A kill during a file-backend write can truncate the checkpoint or its ``.attrs`` sidecar."""

    def valid(path: Path) -> bool:
        try:
            json.loads(path.read_text())
        except ValueError:
            return False
        return True

    attrs = checkpoint.with_name(checkpoint.name + ".attrs")
    if attrs.exists() and not valid(attrs):
        attrs.unlink()  # metadata only; the blob store falls back to defaults
    if not valid(checkpoint):
        shutil.copy(checkpoint.with_name(checkpoint.name + ".bak"), checkpoint)


def recover(engine: Engine) -> list[str]:
    """The README's recovery for an interrupted up; returns the logical names it had to adopt."""
    up = ("up", "-s", "dev", "--yes", "--skip-preview")
    repair_file_backend(engine.root / "state" / ".pulumi" / "stacks" / "fenod-app" / "dev.json")
    if engine.pulumi(*up, check=False).returncode == 0:
        return []
    engine.pulumi("cancel", "-s", "dev", "--yes", check=False)  # the killed run's lock
    engine.pulumi("refresh", "-s", "dev", "--yes", "--clear-pending-creates")
    if engine.pulumi(*up, check=False).returncode == 0:
        return []
    # Created in Cloudflare but never recorded by Pulumi: adopt each, as a user would from the dashboard.
    recorded = {r.get("id") for r in json.loads(engine.export("dev"))["deployment"].get("resources") or []}
    adopted = []
    for typ, (kind, field, import_id) in ADOPTABLE.items():
        for rid, row in engine.account()["resources"].get(typ, {}).items():
            if rid not in recorded:
                logical = row[field].removeprefix("fenod-").removesuffix("-dev")
                fenod(engine, "adopt", "-s", "dev", kind, logical, import_id(rid))
                adopted.append(f"{kind}:{logical}")
    assert adopted, "up failed but nothing was left to adopt"
    engine.pulumi(*up)
    for entry in adopted:
        kind, logical = entry.split(":")
        fenod(engine, "adopt", "-s", "dev", kind, logical, "--remove")
    engine.pulumi(*up)
    return adopted


def fenod(engine: Engine, *args: str) -> None:
    subprocess.run(
        fenod_cmd(engine.project, *args),
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("kill_after", [1, 4])
def test_interrupted_up_recovers_without_duplicates(
    engine: Engine, infisical: InfisicalDouble, kill_after: int
) -> None:
    engine.init("dev")
    infisical.latency = 0.4  # slow the secrets reads so the kill lands mid-deployment
    proc = subprocess.Popen(
        [str(pulumi_binary()), "up", "-s", "dev", "--yes", "--skip-preview", "--non-interactive"],
        cwd=engine.project,
        env=engine.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    created = lambda: sum(1 for op in engine.account()["ops"] if op[0] == "create")  # noqa: E731
    while created() < kill_after and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(1)  # let the stand-ins notice they were orphaned
    engine.kill_strays()
    assert created() < 10, "the kill came too late to interrupt anything"
    infisical.latency = 0.0
    recover(engine)
    account = engine.account()["resources"]
    for typ, (_kind, field, _id) in ADOPTABLE.items():
        values = [r[field] for r in account[typ].values()]
        assert len(values) == len(set(values)), f"duplicate {typ}: {values}"
    assert sorted(r["name"] for r in account[D1].values()) == ["fenod-main-dev"]
    assert sorted(r["scriptName"] for r in account[SCRIPT].values()) == [
        "fenod-email-worker-dev",
        "fenod-server-dev",
    ]
    assert len(account["cloudflare:index/queueConsumer:QueueConsumer"]) == 1
    engine.preview("dev", "--expect-no-changes")


def test_install_pulumi_is_idempotent(engine: Engine) -> None:
    binary = TOOLS_BIN / "pulumi"
    before = binary.stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if k != "FENOD_FORCE_BUILD"}
    env["PATH"] = "/usr/bin:/bin:" + str(Path(sys.executable).parent)  # no other pulumi on PATH
    r = subprocess.run(
        [str(TOOLS_BIN.parent.parent / "scripts" / "install-pulumi")],
        capture_output=True,
        text=True,
        env={**env, "PATH": env["PATH"] + ":/usr/local/go/bin"},
        timeout=120,
        check=True,
    )
    assert "already built" in r.stderr
    assert binary.stat().st_mtime_ns == before
