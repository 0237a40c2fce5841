"""Load the app declared in a project's ``__main__.py`` and resolve it for a stage, offline."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from fenod_infra.cli.stackfile import read_stack_config
from fenod_infra.spec.app import App
from fenod_infra.spec.config import parse_stage_config
from fenod_infra.spec.errors import Problem, SpecError
from fenod_infra.spec.plan import DeploymentPlan, resolve
from fenod_infra.spec.stages import parse_stage


def load_app(project_dir: Path) -> App:
    """Call the ``app()`` factory of ``__main__.py`` without deploying (it is not run as __main__)."""
    sys.path.insert(0, str(project_dir))
    try:
        module = runpy.run_path(str(project_dir / "__main__.py"), run_name="fenod_app")
    finally:
        sys.path.remove(str(project_dir))
    factory = module.get("app")
    if not callable(factory):
        raise SpecError([Problem("__main__.py", "must define a function app() returning fenod_infra.App")])
    app = factory()
    if not isinstance(app, App):
        raise SpecError([Problem("__main__.py", "app() must return a fenod_infra.App")])
    return app


def load_plan(project_dir: Path, stack: str) -> DeploymentPlan:
    stage = parse_stage(stack)
    raw = read_stack_config(project_dir, stage.value).config
    return resolve(load_app(project_dir), stage, parse_stage_config(raw))
