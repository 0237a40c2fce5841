"""A stage-independent fingerprint of a plan, for parity checks between stages.

Two stages of one app must declare the same logical resources, bindings,
secret keys and Worker scripts; only physical names, hostnames and stage
values may differ. :func:`topology` keeps exactly what must match, and
:func:`compare` lists every difference. It is exported as a stack output at
every ``up`` so the promotion gate can compare live stacks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fenod_infra.spec.plan import DeploymentPlan


def topology(plan: DeploymentPlan, project_dir: Path | None = None) -> dict[str, Any]:
    """What must be identical across stages (JSON-able, sorted, no values, no names)."""
    workers: dict[str, Any] = {}
    for w in plan.workers:
        script: dict[str, str] = {"path": w.script_path}
        if project_dir is not None and (project_dir / w.script_path).is_file():
            script["sha256"] = hashlib.sha256((project_dir / w.script_path).read_bytes()).hexdigest()
        workers[w.resource.logical] = {
            "script": script,
            "bindings": {b.name: b.kind.value + (f":{b.store}" if b.store else "") for b in w.bindings},
            "secrets": sorted(f"{b.secret.path}:{b.secret.key}" for b in w.bindings if b.secret is not None),
            "consumes": sorted(w.consumes),
        }
    return {
        "stores": sorted(f"{s.kind}:{s.logical}" for s in plan.stores),
        "workers": workers,
    }


def compare(source: dict[str, Any], target: dict[str, Any], path: str = "") -> list[str]:
    """Every difference between two topologies, as ``where: source -> target`` lines."""
    if isinstance(source, dict) and isinstance(target, dict):
        out: list[str] = []
        for key in sorted(set(source) | set(target)):
            here = f"{path}.{key}" if path else str(key)
            if key not in target:
                out.append(f"{here}: only in source")
            elif key not in source:
                out.append(f"{here}: only in target")
            else:
                out += compare(source[key], target[key], here)
        return out
    return [] if source == target else [f"{path}: {source!r} -> {target!r}"]
