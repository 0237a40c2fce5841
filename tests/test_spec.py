"""The pure spec layer: naming, declaration checks, stack config, adoption, stage policy. No Pulumi."""

from __future__ import annotations

import json
import runpy
import sys

import pytest

from fenod_infra import D1, KV, R2, App, Queue, Secret, Worker, public_url
from fenod_infra.spec.config import parse_stage_config
from fenod_infra.spec.errors import SpecError
from fenod_infra.spec.naming import NAMING_RULES, check_name, physical_name
from fenod_infra.spec.plan import resolve
from fenod_infra.spec.stages import STAGE_POLICIES, Stage, check_approval, parse_stage
from fenod_infra.spec.topology import compare, topology
from tests.conftest import ACCOUNT, ROOT, base_config


def reference_app() -> App:
    return runpy.run_path(str(ROOT / "__main__.py"), run_name="fenod_app")["app"]()  # type: ignore[no-any-return]


def plan_for(stage: str, declared: App | None = None, **cfg: object):  # type: ignore[no-untyped-def]
    return resolve(declared or reference_app(), Stage(stage), parse_stage_config(base_config(**cfg)))


def problems(exc: pytest.ExceptionInfo[SpecError]) -> dict[str, str]:
    return {p.key: p.message for p in exc.value.problems}


# -- stages and policy -----------------------------------------------------------------------


def test_stack_name_must_be_a_stage() -> None:
    with pytest.raises(SpecError) as e:
        parse_stage("qa")
    assert "dev, staging, prod" in str(e.value)


def test_stage_env_must_agree_with_stack() -> None:
    assert parse_stage("prod", "prod") == Stage.PROD
    with pytest.raises(SpecError) as e:
        parse_stage("prod", "staging")
    assert "STAGE" in problems(e)


def test_prod_update_needs_approval_but_preview_does_not() -> None:
    check_approval(Stage.PROD, dry_run=True, environ={})
    check_approval(Stage.STAGING, dry_run=False, environ={})
    with pytest.raises(SpecError) as e:
        check_approval(Stage.PROD, dry_run=False, environ={})
    assert "FENOD_DEPLOY_APPROVED" in problems(e)
    with pytest.raises(SpecError):
        check_approval(Stage.PROD, dry_run=False, environ={"FENOD_DEPLOY_APPROVED": "staging"})
    check_approval(Stage.PROD, dry_run=False, environ={"FENOD_DEPLOY_APPROVED": "prod"})


def test_policy_table() -> None:
    prod, dev, staging = STAGE_POLICIES[Stage.PROD], STAGE_POLICIES[Stage.DEV], STAGE_POLICIES[Stage.STAGING]
    for kind in ("d1", "r2", "kv", "queue"):
        assert prod.protect(kind) and prod.retain(kind)
        assert not dev.protect(kind) and not dev.retain(kind)
        assert staging.protect(kind) and not staging.retain(kind)
    assert prod.protect("worker") and prod.protect("domain") and not prod.retain("worker")
    assert not dev.protect("worker") and not dev.protect("domain")


# -- naming ----------------------------------------------------------------------------------


def test_physical_names_derive_from_stage() -> None:
    assert physical_name("fenod", "main", "staging") == "fenod-main-staging"
    names = {
        s: {r.physical for r in plan_for(s).stores} | {w.resource.physical for w in plan_for(s).workers}
        for s in ("dev", "staging", "prod")
    }
    assert names["staging"].isdisjoint(names["prod"])
    assert names["dev"].isdisjoint(names["staging"])
    assert all(n.endswith("-prod") for n in names["prod"])


@pytest.mark.parametrize(
    ("kind", "name", "ok"),
    [
        ("worker", "a" * 54, True),
        ("worker", "a" * 55, False),
        ("worker", "-bad", False),
        ("worker", "Bad", False),
        ("r2", "ab", False),
        ("r2", "abc", True),
        ("r2", "a" * 63, True),
        ("r2", "a" * 64, False),
        ("r2", "bad-", False),
        ("r2", "bad_name", False),
        ("queue", "a" * 64, False),
        ("queue", "ok-queue", True),
        ("d1", "my_db-1", True),
        ("d1", "_x", False),
        ("kv", "Any Title", True),
    ],
)
def test_naming_table(kind: str, name: str, ok: bool) -> None:
    assert (NAMING_RULES[kind].check(name) is None) is ok


def test_long_name_reported_with_name_and_rule() -> None:
    app = App(
        stores=[],
        workers=[Worker("a-long-worker-name-for-testing-limit", script="workers/server/index.js")],
        domains={"dev": {}, "staging": {}, "prod": {}},
    )
    with pytest.raises(SpecError) as e:
        plan_for("staging", app, app="fenod-platform")
    msg = str(e.value)
    assert "fenod-platform-a-long-worker-name-for-testing-limit-staging" in msg
    assert "54" in msg
    p = check_name("r2", "x", "r2 'x'")
    assert p is not None and "3-63" in p.message


# -- declaration checks ----------------------------------------------------------------------


def test_declaration_errors_are_all_reported() -> None:
    db = D1("main")
    app = App(
        stores=[db, D1("main")],
        workers=[
            Worker(
                "server",
                script="s.js",
                bindings={"DB": db, "FILES": R2("ghost")},
                consumes=[KV("cache")],
                secrets=[Secret("TOKEN"), Secret("TOKEN", path="/other")],
            ),
        ],
        domains={"dev": {}, "staging": {"nope": ["a.example.com"]}},
    )
    with pytest.raises(SpecError) as e:
        plan_for("dev", app)
    found = problems(e)
    assert "d1 'main'" in found
    assert "worker 'server'.bindings.FILES" in found and "ghost" in found["worker 'server'.bindings.FILES"]
    assert "worker 'server'.consumes" in found
    assert "worker 'server'.TOKEN" in found  # duplicate secret declaration
    assert "app.domains.staging.nope" in found
    assert "app.domains" in found and "prod" in found["app.domains"]


def test_shape_errors_name_the_declaration() -> None:
    with pytest.raises(SpecError) as e:
        Secret("lower-case")
    assert "secret 'lower-case'.key" in problems(e)
    with pytest.raises(SpecError) as e:
        Worker("w", script="x.js", bindings={"DB": "not-a-store"})
    assert any(k.startswith("worker 'w'.bindings.DB") for k in problems(e))


def test_prod_host_pointing_at_staging_is_refused() -> None:
    app = App(
        stores=[],
        workers=[Worker("server", script="s.js")],
        domains={
            "dev": {},
            "staging": {"server": ["api.staging.example.com"]},
            "prod": {"server": ["api.staging.example.com", "www.staging-example.com"]},
        },
    )
    with pytest.raises(SpecError) as e:
        plan_for("prod", app)
    msg = str(e.value)
    assert "prod hostname 'api.staging.example.com' points at a staging host" in msg
    assert "www.staging-example.com" in msg
    assert "already mapped in stage 'staging'" in msg


def test_domains_and_public_url_per_stage() -> None:
    staging, prod, dev = plan_for("staging"), plan_for("prod"), plan_for("dev")
    server = {
        p.stage: next(w for w in p.workers if w.resource.logical == "server") for p in (staging, prod, dev)
    }
    assert [d.physical for d in server[Stage.STAGING].domains] == ["api.staging.example.com"]
    assert [d.physical for d in server[Stage.PROD].domains] == ["api.example.com"]
    assert server[Stage.DEV].domains == () and server[Stage.DEV].workers_dev
    url = {s: next(b.text for b in w.bindings if b.name == "BETTER_AUTH_URL") for s, w in server.items()}
    assert url == {
        Stage.STAGING: "https://api.staging.example.com",
        Stage.PROD: "https://api.example.com",
        Stage.DEV: "https://fenod-server-dev.team.workers.dev",
    }


def test_zone_required_only_when_stage_has_domains() -> None:
    cfg = base_config()
    del cfg["fenod:zoneId"]
    resolve(reference_app(), Stage.DEV, parse_stage_config(cfg))
    with pytest.raises(SpecError) as e:
        resolve(reference_app(), Stage.STAGING, parse_stage_config(cfg))
    assert "fenod:zoneId" in problems(e)


# -- stack config ----------------------------------------------------------------------------


def test_config_problems_reported_together_with_keys() -> None:
    raw = {
        "fenod:accountId": "",
        "fenod:zoneId": "nothex",
        "fenod:colour": "blue",
        "fenod:secrets": json.dumps({"mode": "push"}),
        "fenod:infisical": json.dumps({"siteUrl": "ftp://x"}),
    }
    with pytest.raises(SpecError) as e:
        parse_stage_config(raw)
    found = problems(e)
    assert found["fenod:accountId"] == "is empty; it is required"
    assert found["fenod:app"] == "is missing; it is required"
    assert "fenod:zoneId" in found and "fenod:colour" in found
    assert "fenod:secrets.mode" in found
    assert "fenod:infisical.projectId" in found and "fenod:infisical.siteUrl" in found
    assert len(found) == 7


def test_infisical_defaults() -> None:
    cfg = parse_stage_config(base_config())
    assert cfg.infisical is not None
    assert cfg.infisical.site_url == "https://app.infisical.com" and cfg.infisical.environment is None
    assert cfg.secrets.mode == "inject"


# -- adoption --------------------------------------------------------------------------------

D1_ID = f"{ACCOUNT}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def test_adoption_imports_and_keeps_legacy_names() -> None:
    adopt = {
        "d1": {"main": {"id": D1_ID, "name": "legacy-db"}},
        "r2": {"uploads": f"{ACCOUNT}/legacy-uploads/default"},
        "kv": {"cache": f"{ACCOUNT}/{'a' * 32}"},
        "worker": {"server": f"{ACCOUNT}/legacy-api"},
        "domain": {"api.example.com": f"{ACCOUNT}/{'b' * 32}"},
    }
    p = plan_for("prod", adopt=adopt)
    assert p.store("d1", "main").physical == "legacy-db" and p.store("d1", "main").import_id == D1_ID
    assert p.store("r2", "uploads").physical == "legacy-uploads"
    assert p.store("kv", "cache").physical == "fenod-cache-prod"
    server = next(w for w in p.workers if w.resource.logical == "server")
    assert server.resource.physical == "legacy-api" and server.domains[0].import_id == f"{ACCOUNT}/{'b' * 32}"
    assert p.store("queue", "emails").import_id is None


def test_adoption_errors() -> None:
    adopt = {
        "d1": {"main": "not-an-id", "ghost": D1_ID},
        "r2": {"uploads": {"id": f"{ACCOUNT}/legacy-uploads/default", "name": "other-name"}},
        "kv": {"cache": f"{'c' * 32}/{'a' * 32}"},
    }
    with pytest.raises(SpecError) as e:
        plan_for("prod", adopt=adopt)
    found = problems(e)
    assert "<account_id>/<database_id>" in found["fenod:adopt.d1.main"]
    assert "no d1 named 'ghost'" in found["fenod:adopt.d1.ghost"]
    assert "disagrees" in found["fenod:adopt.r2.uploads"]
    assert "fenod:accountId" in found["fenod:adopt.kv.cache"]
    with pytest.raises(SpecError) as e2:
        parse_stage_config(base_config(adopt={"bucket": {"x": "y"}}))
    assert any(k.startswith("fenod:adopt.bucket") for k in problems(e2))


# -- secrets and topology --------------------------------------------------------------------


def test_secret_groups_least_privilege_and_live_only() -> None:
    staging, prod = plan_for("staging"), plan_for("prod")
    assert {(g.path, g.keys) for g in staging.secret_groups} == {
        ("/", ("BETTER_AUTH_SECRET",)),
        ("/oauth", ("GITHUB_CLIENT_SECRET", "GOOGLE_CLIENT_SECRET")),
    }
    assert ("/email", ("EMAIL_API_KEY",)) in {(g.path, g.keys) for g in prod.secret_groups}
    for p, mode in ((staging, "sandbox"), (prod, "live")):
        email = next(w for w in p.workers if w.resource.logical == "email-worker")
        by_name = {b.name: b for b in email.bindings}
        assert by_name["EMAIL_API_KEY_MODE"].text == mode
        assert by_name["EMAIL_API_KEY"].sandboxed is (mode == "sandbox")
        assert "BETTER_AUTH_SECRET" not in by_name  # least privilege


def test_sync_mode_declares_no_secret_bindings() -> None:
    p = plan_for("prod", secrets={"mode": "sync"})
    assert p.secret_groups == ()
    for w in p.workers:
        assert w.keep_secret_bindings
        assert all(b.kind.value != "secret_text" for b in w.bindings)
    email = next(w for w in p.workers if w.resource.logical == "email-worker")
    assert {b.name: b.text for b in email.bindings}["EMAIL_API_KEY_MODE"] == "live"


def test_topologies_match_across_stages_but_names_differ() -> None:
    plans = [plan_for(s) for s in ("dev", "staging", "prod")]
    tops = [topology(p, ROOT) for p in plans]
    assert compare(tops[0], tops[1]) == [] and compare(tops[1], tops[2]) == []
    changed = App(
        stores=[*reference_app().stores, Queue("extra")],
        workers=reference_app().workers,
        domains=reference_app().domains,
    )
    diff = compare(tops[2], topology(plan_for("prod", changed), ROOT))
    assert diff == [
        "stores: ['d1:main', 'kv:cache', 'queue:emails', 'r2:uploads'] -> "
        "['d1:main', 'kv:cache', 'queue:emails', 'queue:extra', 'r2:uploads']"
    ]


def test_spec_layer_does_not_import_pulumi() -> None:
    import subprocess

    code = (
        "import sys, fenod_infra.spec.plan, fenod_infra.spec.topology, fenod_infra.secrets.client;"
        "print(any(m == 'pulumi' or m.startswith('pulumi.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_public_url_of_unknown_worker() -> None:
    app = App(
        stores=[],
        workers=[Worker("a", script="a.js", vars={"U": public_url("b")})],
        domains={"dev": {}, "staging": {}, "prod": {}},
    )
    with pytest.raises(SpecError) as e:
        plan_for("dev", app)
    assert "worker 'a'.vars.U" in problems(e)
