"""The real ``__main__.py`` under Pulumi's mock monitor: what the engine would be asked to register."""

from __future__ import annotations

import base64
import json
from typing import Any

import pulumi
import pytest

from fenod_infra.deploy.mockrun import DYNAMIC_TYPE, MockRun, run_program
from tests.conftest import ACCOUNT, CREDENTIAL_CANARIES, ROOT, base_config

CF = "cloudflare:index/"
STATEFUL = {
    "d1Database:D1Database",
    "r2Bucket:R2Bucket",
    "workersKvNamespace:WorkersKvNamespace",
    "queue:Queue",
}


def run(stage: str, preview: bool = True, **cfg: object) -> MockRun:
    return run_program(ROOT, stage, base_config(**cfg), preview=preview)


def by_name(r: MockRun) -> dict[str, Any]:
    return {reg.name: reg for reg in r.registrations if reg.type != "pulumi:pulumi:Stack"}


def bindings(r: MockRun, worker: str) -> dict[str, dict[str, Any]]:
    return {b["name"]: b for b in by_name(r)[f"worker-{worker}"].inputs["bindings"]}


@pytest.fixture(autouse=True)
def _clean_env(infisical_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFISICAL_TOKEN", CREDENTIAL_CANARIES[2])


def test_prod_protects_and_retains_stateful_resources() -> None:
    regs = by_name(run("prod"))
    for reg in regs.values():
        if reg.type.removeprefix(CF) in STATEFUL:
            assert reg.protect and reg.retain_on_delete, reg.name
        elif reg.type.startswith(CF + "workersScript:") or "CustomDomain" in reg.type:
            assert reg.protect and not reg.retain_on_delete, reg.name
    assert regs["d1-main"].inputs["name"] == "fenod-main-prod"


def test_dev_protects_nothing_and_staging_protects_stores_only() -> None:
    assert not any(r.protect or r.retain_on_delete for r in by_name(run("dev")).values())
    staging = by_name(run("staging"))
    assert staging["r2-uploads"].protect and not staging["r2-uploads"].retain_on_delete
    assert not staging["worker-server"].protect


def test_import_ids_reach_register_resource() -> None:
    d1 = f"{ACCOUNT}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    regs = by_name(
        run(
            "prod",
            adopt={
                "d1": {"main": {"id": d1, "name": "old-db"}},
                "r2": {"uploads": f"{ACCOUNT}/old-uploads/default"},
            },
        )
    )
    assert regs["d1-main"].import_id == d1 and regs["d1-main"].inputs["name"] == "old-db"
    assert regs["r2-uploads"].import_id == f"{ACCOUNT}/old-uploads/default"
    assert regs["r2-uploads"].inputs["name"] == "old-uploads"
    assert regs["kv-cache"].import_id == ""


def test_bindings_and_least_privilege() -> None:
    server, email = bindings(run("prod"), "server"), bindings(run("prod"), "email-worker")
    assert {k: v["type"] for k, v in server.items()} == {
        "DB": "d1",
        "UPLOADS": "r2_bucket",
        "CACHE": "kv_namespace",
        "EMAILS": "queue",
        "STAGE": "plain_text",
        "BETTER_AUTH_URL": "plain_text",
        "BETTER_AUTH_SECRET": "secret_text",
        "GOOGLE_CLIENT_SECRET": "secret_text",
        "GITHUB_CLIENT_SECRET": "secret_text",
    }
    assert server["UPLOADS"]["bucketName"] == "fenod-uploads-prod"
    assert server["DB"]["id"] == "d1-main-id"
    assert set(email) == {"STAGE", "EMAIL_API_KEY_MODE", "EMAIL_API_KEY"}
    assert email["EMAIL_API_KEY"]["text"] == "(placeholder for EMAIL_API_KEY)"
    staging_email = bindings(run("staging"), "email-worker")
    assert (
        staging_email["EMAIL_API_KEY"]["text"] == ""
        and staging_email["EMAIL_API_KEY_MODE"]["text"] == "sandbox"
    )


def test_secret_resources_one_per_environment_and_path() -> None:
    regs = [r for r in run("prod").registrations if r.type == DYNAMIC_TYPE]
    assert {(r.inputs["environment"], r.inputs["path"], tuple(r.inputs["keys"])) for r in regs} == {
        ("prod", "/", ("BETTER_AUTH_SECRET",)),
        ("prod", "/oauth", ("GITHUB_CLIENT_SECRET", "GOOGLE_CLIENT_SECRET")),
        ("prod", "/email", ("EMAIL_API_KEY",)),
    }
    for r in regs:
        assert set(r.additional_secret_outputs) >= {"values", "digest"}


def test_sync_mode_keeps_synced_bindings() -> None:
    r = run("prod", secrets={"mode": "sync"})
    regs = by_name(r)
    assert not [x for x in r.registrations if x.type == DYNAMIC_TYPE]
    assert regs["worker-server"].inputs["keepBindings"] == ["secret_text"]
    assert all(b["type"] != "secret_text" for b in regs["worker-server"].inputs["bindings"])


def test_topology_matches_across_stacks_names_and_hosts_differ() -> None:
    runs = {s: run(s) for s in ("dev", "staging", "prod")}

    def shape(r: MockRun) -> tuple[Any, ...]:
        regs = by_name(r)
        workers = {
            n: sorted((b["name"], b["type"]) for b in reg.inputs["bindings"])
            for n, reg in regs.items()
            if "bindings" in reg.inputs
        }
        names = {
            (reg.type, n)
            for n, reg in regs.items()
            if reg.type.startswith(CF) and "CustomDomain" not in reg.type
        }
        return names, workers

    assert shape(runs["dev"]) == shape(runs["staging"]) == shape(runs["prod"])
    secrets = {s: {n for n, reg in by_name(r).items() if reg.type == DYNAMIC_TYPE} for s, r in runs.items()}
    assert secrets["staging"] == secrets["dev"] == {"secrets-root", "secrets-oauth"}
    assert secrets["prod"] == secrets["staging"] | {"secrets-email"}  # live-only: fetched in prod only
    hosts = {
        s: {reg.inputs["hostname"] for reg in by_name(r).values() if "CustomDomain" in reg.type}
        for s, r in runs.items()
    }
    assert hosts == {"dev": set(), "staging": {"api.staging.example.com"}, "prod": {"api.example.com"}}
    physical = {
        s: {reg.inputs.get("name") or reg.inputs.get("scriptName") for reg in by_name(r).values()} - {None}
        for s, r in runs.items()
    }
    assert physical["staging"].isdisjoint(physical["prod"])
    assert runs["prod"].outputs["topology"] == runs["staging"].outputs["topology"]


@pytest.mark.parametrize(
    ("stage", "env", "expected"),
    [("qa", {}, "use one of: dev, staging, prod"), ("prod", {"STAGE": "staging"}, "STAGE='staging'")],
)
def test_refusals_register_nothing(
    stage: str, env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(pulumi.RunError, match=expected):
        run(stage)


def test_prod_update_refused_without_approval(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(pulumi.RunError, match="FENOD_DEPLOY_APPROVED=prod"):
        run("prod", preview=False)
    run("prod", preview=True)
    monkeypatch.setenv("FENOD_DEPLOY_APPROVED", "prod")
    assert by_name(run("prod", preview=False))["d1-main"].protect


def test_config_errors_are_run_errors_with_every_key() -> None:
    with pytest.raises(pulumi.RunError) as e:
        run("staging", accountId="", zoneId="xyz", typo="1")
    text = str(e.value)
    for key in ("fenod:accountId: is empty", "fenod:zoneId", "fenod:typo"):
        assert key in text
    assert "Traceback" not in text


def test_no_credential_in_registered_inputs_or_pickled_provider() -> None:
    r = run("prod")
    dyn = [x for x in r.registrations if x.type == DYNAMIC_TYPE]
    assert dyn
    for reg in r.registrations:
        blob = json.dumps(reg.inputs, default=str) + str(reg.raw_object)
        for canary in CREDENTIAL_CANARIES:
            assert canary not in blob, (reg.name, canary)
    for reg in dyn:
        pickled = base64.b64decode(reg.inputs["__provider"])
        assert b"fenod_infra.secrets.provider" in pickled  # pickled by reference
        assert len(pickled) < 2048
        for canary in CREDENTIAL_CANARIES:
            assert canary.encode() not in pickled


def test_missing_worker_script_is_refused(tmp_path: Any) -> None:
    from tests.projects import make_project

    project = make_project(tmp_path / "app")
    (project / "workers" / "server" / "index.js").unlink()
    with pytest.raises(pulumi.RunError, match=r"file 'workers/server/index\.js' does not exist"):
        run_program(project, "dev", base_config())
