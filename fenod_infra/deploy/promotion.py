"""Gather the facts for the promotion gates through Pulumi's Automation API, and run the up.

Every decision is made by :mod:`fenod_infra.spec.gates`; this module only asks the stacks
(last update and its commit, previews with their steps, outputs) and Infisical (key names,
never values), using the `pulumi` CLI on PATH (``scripts/install-pulumi`` or the user's).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from fenod_infra.deploy.program import git_commit
from fenod_infra.secrets.client import InfisicalClient, InfisicalError
from fenod_infra.secrets.credentials import CredentialsError
from fenod_infra.spec import gates
from fenod_infra.spec.plan import DeploymentPlan
from fenod_infra.spec.stages import check_approval, parse_stage
from fenod_infra.spec.topology import topology


@dataclass
class Promotion:
    source: str
    target: str
    results: list[gates.GateResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    def report(self) -> str:
        verdict = "all gates pass" if self.ok else "promotion blocked"
        lines = [f"promote {self.source} -> {self.target}: {verdict}", *(r.render() for r in self.results)]
        return "\n".join(lines)


def _stack(project_dir: Path, name: str) -> auto.Stack:
    return auto.select_stack(stack_name=name, work_dir=str(project_dir))


def _op(op: Any) -> str:
    """Automation API op types are enums; gates compare plain strings like 'replace'."""
    return str(getattr(op, "value", op))


def _preview_steps(stack: auto.Stack) -> tuple[dict[str, int], list[gates.Step]]:
    steps: list[gates.Step] = []

    def on_event(event: auto.EngineEvent) -> None:
        pre = event.resource_pre_event
        if pre is None:
            return
        meta = pre.metadata
        protected = bool(meta.old and meta.old.protect) or bool(meta.new and meta.new.protect)
        steps.append(gates.Step(_op(meta.op), meta.type, meta.urn.split("::")[-1], protected))

    result = stack.preview(on_event=on_event, color="never")
    return {_op(op): n for op, n in (result.change_summary or {}).items()}, steps


def _missing_secrets(plan: DeploymentPlan) -> dict[str, list[str]]:
    if not plan.secret_groups or plan.infisical is None:
        return {}
    missing: dict[str, list[str]] = {}
    with InfisicalClient.from_environment(plan.infisical.site_url, plan.infisical.auth) as client:
        for g in plan.secret_groups:
            present = client.list_secrets(plan.infisical.project_id, g.environment, g.path)
            missing[f"{g.environment}:{g.path}"] = [k for k in g.keys if k not in present]
    return missing


def _last_update(stack: auto.Stack, outputs: auto.OutputMap) -> tuple[str | None, str | None]:
    history = stack.history(page_size=1)
    if not history:
        return None, None
    commit = outputs["gitCommit"].value if "gitCommit" in outputs else None
    return str(history[0].result), commit


def evaluate(
    project_dir: Path, source: str, target: str, target_plan: DeploymentPlan, head: str | None = None
) -> Promotion:
    """Run the five gates in order; later gates still run so the report lists every problem.

    ``target_plan`` is the target stage as this working tree declares it (resolved offline).
    """
    parse_stage(source)
    parse_stage(target)
    promotion = Promotion(source, target)
    src, dst = _stack(project_dir, source), _stack(project_dir, target)
    head = head or git_commit(project_dir)
    outputs = src.outputs()
    result, deployed = _last_update(src, outputs)
    promotion.results.append(gates.last_update(source, result, deployed, head))

    try:
        summary, _steps = _preview_steps(src)
        promotion.results.append(gates.converged(source, summary))
    except auto.CommandError as e:
        promotion.results.append(
            gates.GateResult(
                "2. source is converged",
                False,
                f"`pulumi preview -s {source}` failed: {_last_error_line(str(e))}",
            )
        )

    source_topology = outputs["topology"].value if "topology" in outputs else None
    promotion.results.append(gates.parity(source_topology, topology(target_plan, project_dir)))

    try:
        promotion.results.append(gates.secrets_complete(target, _missing_secrets(target_plan)))
    except (InfisicalError, CredentialsError) as e:
        promotion.results.append(gates.GateResult("4. target secrets exist in Infisical", False, str(e)))

    try:
        _summary, steps = _preview_steps(dst)
        promotion.results.append(gates.no_destruction(target, steps))
    except auto.CommandError as e:
        promotion.results.append(gates.no_destruction(target, [], _last_error_line(str(e))))
    return promotion


def _last_error_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if "error:" in ln]
    return lines[-1] if lines else text.strip().splitlines()[-1] if text.strip() else "unknown error"


def promote_up(project_dir: Path, target: str, on_output: Callable[[str], Any] = print) -> None:
    """The real update of the target: approval-gated here and again inside the program."""
    check_approval(parse_stage(target), dry_run=False, environ=dict(os.environ))
    _stack(project_dir, target).up(on_output=on_output, color="never")
