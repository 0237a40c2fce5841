"""Read ``Pulumi.yaml`` / ``Pulumi.<stack>.yaml`` the way the engine hands config to a program.

The engine passes every config value as a string, objects as JSON text, keys
as ``namespace:key``. Reproducing that exactly lets the offline plan run the
real program with the real stack file. ``secure:`` values cannot be decrypted
offline; they are passed as a visible placeholder and listed as secret keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from fenod_infra.spec.errors import Problem, SpecError

SECURE_PLACEHOLDER = "(secure value: not decrypted offline)"


@dataclass
class StackConfig:
    project: str
    config: dict[str, str]
    secret_keys: list[str]


def _load(path: Path) -> Any:
    try:
        return YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    except YAMLError as e:
        raise SpecError([Problem(path.name, f"is not valid YAML: {e}")]) from None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_stack_config(project_dir: Path, stack: str) -> StackConfig:
    """The flat ``{"ns:key": "string"}`` config of ``stack``, as the engine would pass it."""
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise SpecError([Problem("Pulumi.yaml", f"not found in {project_dir}")])
    project = str(_load(project_file).get("name", "project"))
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        raise SpecError([Problem(stack_file.name, "not found: every stage has a git-tracked stack file")])
    raw = _load(stack_file).get("config") or {}
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        full = str(key) if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[full] = SECURE_PLACEHOLDER
            secret_keys.append(full)
        elif isinstance(value, dict | list):
            config[full] = json.dumps(_plain(value))
        elif isinstance(value, bool):
            config[full] = "true" if value else "false"
        else:
            config[full] = "" if value is None else str(value)
    return StackConfig(project, config, secret_keys)
