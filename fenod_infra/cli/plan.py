"""``fenod-infra plan``: what a stage would get, from the real program under mocks.

This is what a reviewer reads in a PR. Secret values never appear: secret
bindings show where they come from (Infisical environment and path), not what
they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fenod_infra.cli.stackfile import read_stack_config
from fenod_infra.spec.stages import parse_stage

_PHYSICAL_FIELDS = ("scriptName", "name", "title", "queueName", "hostname")
_STORE_FIELDS = ("id", "bucketName", "namespaceId", "queueName")


def _physical(reg: Any) -> str:
    for f in _PHYSICAL_FIELDS:
        if isinstance(reg.inputs.get(f), str):
            return str(reg.inputs[f])
    if "environment" in reg.inputs and "path" in reg.inputs:
        return f"infisical {reg.inputs['environment']}:{reg.inputs['path']}"
    return "-"


def _binding_row(b: dict[str, Any]) -> dict[str, str]:
    row = {"name": str(b.get("name")), "kind": str(b.get("type"))}
    if b.get("type") == "plain_text":
        row["value"] = str(b.get("text", ""))
    elif b.get("type") == "secret_text":
        row["value"] = "(secret)" if b.get("text") != "" else "(empty: sandboxed)"
    else:
        row["target"] = next((str(b[f]) for f in _STORE_FIELDS if f in b), "?")
    return row


def describe(registrations: list[Any]) -> list[dict[str, Any]]:
    """One JSON-able row per registered resource, in registration order."""
    rows: list[dict[str, Any]] = []
    for reg in registrations:
        if reg.type == "pulumi:pulumi:Stack":
            continue
        row: dict[str, Any] = {
            "type": reg.type,
            "logical": reg.name,
            "physical": _physical(reg),
            "protect": reg.protect,
            "retain_on_delete": reg.retain_on_delete,
            "import_id": reg.import_id or None,
        }
        if "bindings" in reg.inputs:
            row["bindings"] = [_binding_row(b) for b in reg.inputs.get("bindings") or []]
        if reg.inputs.get("keys"):
            row["keys"] = list(reg.inputs["keys"])
        if reg.type.endswith("workersCustomDomain:WorkersCustomDomain"):
            row["domain"] = f"{reg.inputs.get('hostname')} -> {reg.inputs.get('service')}"
        rows.append(row)
    return rows


def render(stage: str, rows: list[dict[str, Any]]) -> str:
    """The human form: one line per resource, then its bindings indented."""
    lines = [
        f"Plan for stage {stage!r} ({len(rows)} resources; offline, from the real program under mocks)",
        "",
    ]
    for r in rows:
        flags = (
            ",".join(f for f, on in (("protect", r["protect"]), ("retain", r["retain_on_delete"])) if on)
            or "-"
        )
        imp = f"  import={r['import_id']}" if r["import_id"] else ""
        short_type = r["type"].split(":")[-1]
        lines.append(f"{short_type:<24} {r['logical']:<32} {r['physical']:<36} [{flags}]{imp}")
        if r.get("domain"):
            lines.append(f"    domain {r['domain']}")
        if r.get("keys"):
            lines.append(f"    keys {', '.join(r['keys'])}")
        for b in r.get("bindings", []):
            value = f" = {b['value']}" if "value" in b else f" -> {b.get('target')}"
            lines.append(f"    {b['name']:<24} {b['kind']}{value}")
    return "\n".join(lines)


def plan(project_dir: Path, stack: str, as_json: bool) -> str:
    """Run the program for ``stack`` under mocks and return the rendered plan."""
    stage = parse_stage(stack)
    stack_config = read_stack_config(project_dir, stage.value)
    from fenod_infra.deploy.mockrun import run_program  # heavy: imports pulumi

    run = run_program(
        project_dir, stage.value, stack_config.config, stack_config.secret_keys, project=stack_config.project
    )
    rows = describe(run.registrations)
    if as_json:
        return json.dumps({"stage": stage.value, "resources": rows}, indent=2)
    return render(stage.value, rows)
