"""Render a stage's plan as Miniflare options: the same Workers and bindings, run locally in workerd.

Read by ``fenod-infra dev`` (the guide's ``infisical run -- pnpm dev``, in a real Workers
runtime) and by the runtime tests. Each binding is placed by the binding-kind table's
``miniflare`` column, so a new binding kind is added in one place. Secret values are
passed in by the caller (fetched from Infisical) and only ever go to the child's stdin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fenod_infra.spec.bindings import BINDING_KINDS, BindingKind
from fenod_infra.spec.errors import Problem, raise_if
from fenod_infra.spec.plan import DeploymentPlan


def miniflare_options(plan: DeploymentPlan, secrets: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """``secrets``: worker logical name -> key -> value, for every non-sandboxed secret binding."""
    problems: list[Problem] = []
    workers: list[dict[str, Any]] = []
    for w in plan.workers:
        opts: dict[str, Any] = {
            "name": w.resource.physical,
            "modules": True,
            "scriptPath": w.script_path,
            "compatibilityDate": w.compatibility_date,
        }
        for b in w.bindings:
            info = BINDING_KINDS[b.kind]
            section = opts.setdefault(info.miniflare, {})
            if info.store_kind is not None:
                assert b.store is not None
                physical = plan.store(info.store_kind, b.store).physical
                section[b.name] = {"queueName": physical} if b.kind == BindingKind.QUEUE else physical
            elif b.kind == BindingKind.SECRET and not b.sandboxed:
                value = secrets.get(w.resource.logical, {}).get(b.name)
                if value is None:
                    problems.append(
                        Problem(f"worker {w.resource.logical!r}.{b.name}", "no value was fetched")
                    )
                section[b.name] = value
            else:
                section[b.name] = b.text
        if w.consumes:
            opts["queueConsumers"] = {
                plan.store("queue", q).physical: {"maxBatchSize": 10, "maxBatchTimeout": 1}
                for q in w.consumes
            }
        workers.append(opts)
    raise_if(problems, "cannot render the local Workers")
    return {"workers": workers}
