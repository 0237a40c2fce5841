"""Entry point called by an app's ``__main__.py``: validate everything, then register.

Order matters: the stage, the declaration, the stack config, the approval gate
and the Worker script files are all checked *before* the first resource is
registered, and every user error is raised as :class:`pulumi.RunError` so the
engine prints the message without a Python traceback.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pulumi
from pulumi.runtime.config import CONFIG

from fenod_infra.spec.app import App
from fenod_infra.spec.config import NAMESPACE, parse_stage_config
from fenod_infra.spec.errors import Problem, SpecError, raise_if
from fenod_infra.spec.plan import DeploymentPlan, resolve
from fenod_infra.spec.stages import check_approval, parse_stage
from fenod_infra.spec.topology import topology


def fenod_config() -> dict[str, str]:
    """The ``fenod:*`` keys of the running stack's config, as Pulumi passes them (strings)."""
    return {k: v for k, v in CONFIG.get().items() if k.startswith(f"{NAMESPACE}:")}


def build_plan(
    app_factory: Callable[[], App], stack: str, raw_config: dict[str, str], project_dir: Path, dry_run: bool
) -> DeploymentPlan:
    """Everything that can fail because of the user, in the order a user fixes it."""
    stage = parse_stage(stack, os.environ.get("STAGE"))
    plan = resolve(app_factory(), stage, parse_stage_config(raw_config))
    check_approval(stage, dry_run)
    missing = [
        Problem(f"worker {w.resource.logical!r}.script", f"file {w.script_path!r} does not exist")
        for w in plan.workers
        if not (project_dir / w.script_path).is_file()
    ]
    raise_if(missing, "invalid app declaration")
    return plan


def deploy(app_factory: Callable[[], App]) -> DeploymentPlan:
    """Validate the app for the current stack and register its resources."""
    project_dir = Path.cwd()
    try:
        plan = build_plan(
            app_factory, pulumi.get_stack(), fenod_config(), project_dir, pulumi.runtime.is_dry_run()
        )
    except SpecError as e:
        raise pulumi.RunError(e.render()) from None
    # Imported here so a config error is reported without paying for pulumi_cloudflare.
    from fenod_infra.deploy.resources import register

    register(plan, project_dir)
    pulumi.export("stage", plan.stage.value)
    pulumi.export("gitCommit", git_commit(project_dir))
    pulumi.export("topology", topology(plan, project_dir))
    return plan


def git_commit(project_dir: Path) -> str:
    """The commit being deployed; CI may pass it explicitly (shallow clones, detached trees)."""
    explicit = os.environ.get("FENOD_GIT_COMMIT") or os.environ.get("GITHUB_SHA")
    if explicit:
        return explicit
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    commit = out.stdout.strip() if out.returncode == 0 else "unknown"
    return f"{commit}-dirty" if commit != "unknown" and dirty.stdout.strip() else commit
