"""Throw-away copies of the reference project with stack files pointed at test doubles."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.conftest import ACCOUNT, ROOT, ZONE


def make_project(dest: Path, extra: dict[str, dict[str, Any]] | None = None) -> Path:
    """Copy the program and write Pulumi.<stage>.yaml for every stage (``extra``: per-stage overrides)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "__main__.py", dest / "__main__.py")
    shutil.copy(ROOT / "Pulumi.yaml", dest / "Pulumi.yaml")
    shutil.copy(ROOT / "Makefile", dest / "Makefile")
    shutil.copytree(ROOT / "workers", dest / "workers", dirs_exist_ok=True)
    yaml = YAML()
    for stage in ("dev", "staging", "prod"):
        config: dict[str, Any] = {
            "fenod:app": "fenod",
            "fenod:accountId": ACCOUNT,
            "fenod:workersDevSubdomain": "team",
            "fenod:infisical": {"projectId": "proj-1"},
        }
        if stage != "dev":
            config["fenod:zoneId"] = ZONE
        config.update((extra or {}).get(stage, {}))
        with (dest / f"Pulumi.{stage}.yaml").open("w") as f:
            yaml.dump({"config": config}, f)
    return dest


def set_config(project: Path, stage: str, key: str, value: Any) -> None:
    """Set (or, with value None, delete) one key in a stack file, round-trip."""
    path = project / f"Pulumi.{stage}.yaml"
    yaml = YAML()
    doc = yaml.load(path.read_text())
    if value is None:
        doc["config"].pop(key, None)
    else:
        doc["config"][key] = value
    with path.open("w") as f:
        yaml.dump(doc, f)


def fenod_cmd(project: Path, *args: str) -> list[str]:
    """The `fenod-infra` command line for a project, run with this interpreter."""
    return [sys.executable, "-m", "fenod_infra", "--project-dir", str(project), *args]
