"""The GitHub Actions workflows and the Makefile: linted with actionlint, and held to the rules we promise."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / ".tools" / "bin" / "actionlint"
if not ACTIONLINT.exists() and shutil.which("actionlint"):
    ACTIONLINT = Path(str(shutil.which("actionlint")))
ALLOWED_SECRETS = {"PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN"}  # backend access, never app secrets


def load(name: str) -> dict[str, Any]:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())  # type: ignore[no-any-return]


def test_actionlint_passes() -> None:
    if not ACTIONLINT.exists():
        if os.environ.get("CI"):
            pytest.fail("actionlint was not built: run scripts/install-actionlint")
        pytest.skip("run scripts/install-actionlint")
    r = subprocess.run(
        [str(ACTIONLINT), *map(str, sorted(WORKFLOWS.glob("*.yml")))], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("name", ["preview.yml", "deploy.yml"])
def test_actions_pinned_and_no_app_secrets(name: str) -> None:
    text = (WORKFLOWS / name).read_text()
    uses = re.findall(r"uses:\s*([^\s#]+)", text)
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert set(re.findall(r"secrets\.(\w+)", text)) <= ALLOWED_SECRETS
    assert re.search(r"get\.pulumi\.com \| sh -s -- --version \"\$PULUMI_VERSION\"", text)
    wf = load(name)
    assert wf["permissions"]["id-token"] == "write"
    assert "actions/cache@" in text and "path: .venv" in text  # the venv is cached


def test_preview_covers_staging_and_prod_and_posts_to_the_pr() -> None:
    wf = load("preview.yml")
    assert list(wf["on"]) == ["pull_request"]
    job = wf["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stage"] == ["staging", "prod"]
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert "--path /cloudflare -- \\\n" in script and "pulumi preview" in script and "gh pr comment" in script
    assert wf["permissions"]["pull-requests"] == "write"
    assert "FENOD_DEPLOY_APPROVED" not in (WORKFLOWS / "preview.yml").read_text()


def test_deploy_staging_on_merge_then_gated_prod() -> None:
    wf = load("deploy.yml")
    assert wf["on"]["push"]["branches"] == ["main"]
    staging, prod = wf["jobs"]["staging"], wf["jobs"]["prod"]
    assert "FENOD_DEPLOY_APPROVED" not in staging.get("env", {})
    assert prod["needs"] == "staging" and prod["environment"] == "production"
    assert prod["env"]["FENOD_DEPLOY_APPROVED"] == "prod"
    assert any("make deploy-prod" in s.get("run", "") for s in prod["steps"])
    assert any("make deploy-staging" in s.get("run", "") for s in staging["steps"])
    assert wf["concurrency"]["cancel-in-progress"] is False


def test_makefile_targets_wire_the_guide_scripts() -> None:
    def dry(target: str, *extra: str) -> str:
        r = subprocess.run(
            ["make", "-n", target, *extra], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return r.stdout

    assert "ruff format --check" in dry("predeploy") and "mypy" in dry("predeploy")
    assert "pytest" in dry("deploy-staging") and "pulumi up -s staging" in dry("deploy-staging")
    assert "pytest" not in dry("deploy-staging", "PREDEPLOY=0")
    assert "promote --from staging --to prod" in dry("deploy-prod", "PREDEPLOY=0")
    # make runs $(MAKE) lines even with -n, so the wrapper is echoed instead of run
    wrapped = dry("deploy-prod-secrets", "FENOD=echo")
    assert "run --stack prod --path /cloudflare -- make deploy-prod" in wrapped


def test_workflows_dir_has_only_the_two_workflows() -> None:
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == ["deploy.yml", "preview.yml"]
    assert Path(ROOT / "Makefile").is_file()
