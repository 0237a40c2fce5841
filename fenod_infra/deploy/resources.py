"""Translate a :class:`DeploymentPlan` into pulumi-cloudflare resources.

No decisions are made here: names, protection, retention, imports, domains and
bindings all come from the plan. The only tables consulted are the binding-kind
table (to shape each binding) and :data:`STORE_TYPES` (which resource class
implements each store kind).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi
import pulumi_cloudflare as cf

from fenod_infra.secrets.credentials import site_url_from_env
from fenod_infra.secrets.provider import InfisicalSecrets
from fenod_infra.spec.bindings import BINDING_KINDS, BindingKind
from fenod_infra.spec.plan import BindingPlan, DeploymentPlan, ResourcePlan, WorkerPlan

STORE_TYPES: dict[str, tuple[Callable[..., pulumi.CustomResource], str]] = {
    "d1": (cf.D1Database, "name"),
    "r2": (cf.R2Bucket, "name"),
    "kv": (cf.WorkersKvNamespace, "title"),
    "queue": (cf.Queue, "queue_name"),
}
"""Store kind -> (pulumi-cloudflare class, argument that takes the physical name)."""


def options(r: ResourcePlan, **extra: Any) -> pulumi.ResourceOptions:
    """Stage policy and adoption, applied identically to every resource."""
    return pulumi.ResourceOptions(protect=r.protect, retain_on_delete=r.retain, import_=r.import_id, **extra)


def register(plan: DeploymentPlan, project_dir: Path) -> dict[str, pulumi.CustomResource]:
    """Register every resource of the plan; returns them by ``kind:logical`` for tests and outputs."""
    out: dict[str, pulumi.CustomResource] = {}
    for s in plan.stores:
        cls, name_arg = STORE_TYPES[s.kind]
        out[f"{s.kind}:{s.logical}"] = cls(
            f"{s.kind}-{s.logical}", opts=options(s), account_id=plan.account_id, **{name_arg: s.physical}
        )
    secrets = _secret_groups(plan)
    for w in plan.workers:
        out.update(_worker(plan, w, out, secrets, project_dir))
    return out


def _secret_groups(plan: DeploymentPlan) -> dict[tuple[str, str], InfisicalSecrets]:
    if not plan.secret_groups:
        return {}
    assert plan.infisical is not None  # resolve() requires it when there are groups
    site = site_url_from_env(plan.infisical.site_url)
    return {
        (g.environment, g.path): InfisicalSecrets(
            g.logical,
            project_id=plan.infisical.project_id,
            environment=g.environment,
            path=g.path,
            keys=list(g.keys),
            site_url=site,
            auth=plan.infisical.auth,
        )
        for g in plan.secret_groups
    }


def _pick(key: str) -> Callable[[dict[str, str]], str]:
    """One key of a group's values: each Worker's binding depends on its own key only."""
    return lambda values: values[key]


def _binding(
    b: BindingPlan, stores: dict[str, pulumi.CustomResource], secrets: dict[tuple[str, str], InfisicalSecrets]
) -> cf.WorkersScriptBindingArgs:
    info = BINDING_KINDS[b.kind]
    value: Any
    if info.store_kind is not None:
        assert info.source_attr is not None and b.store is not None
        value = getattr(stores[f"{info.store_kind}:{b.store}"], info.source_attr)
    elif b.kind == BindingKind.SECRET and b.secret is not None and not b.sandboxed:
        key = b.secret.key
        value = pulumi.Output.secret(secrets[b.secret.group].values.apply(_pick(key)))
    else:
        value = b.text
    return cf.WorkersScriptBindingArgs(name=b.name, type=info.cf_type, **{info.field: value})


def _worker(
    plan: DeploymentPlan,
    w: WorkerPlan,
    stores: dict[str, pulumi.CustomResource],
    secrets: dict[tuple[str, str], InfisicalSecrets],
    project_dir: Path,
) -> dict[str, pulumi.CustomResource]:
    r = w.resource
    script = cf.WorkersScript(
        f"worker-{r.logical}",
        opts=options(r),
        account_id=plan.account_id,
        script_name=r.physical,
        content=(project_dir / w.script_path).read_text(encoding="utf-8"),
        main_module=PurePosixPath(w.script_path).name,
        compatibility_date=w.compatibility_date,
        bindings=[_binding(b, stores, secrets) for b in w.bindings],
        keep_bindings=["secret_text"] if w.keep_secret_bindings else None,
    )
    out: dict[str, pulumi.CustomResource] = {f"worker:{r.logical}": script}
    out[f"subdomain:{r.logical}"] = cf.WorkersScriptSubdomain(
        f"subdomain-{r.logical}",
        opts=pulumi.ResourceOptions(depends_on=[script]),
        account_id=plan.account_id,
        script_name=script.script_name,
        enabled=w.workers_dev,
    )
    for q in w.consumes:
        queue = stores[f"queue:{q}"]
        out[f"consumer:{r.logical}:{q}"] = cf.QueueConsumer(
            f"consumer-{r.logical}-{q}",
            opts=pulumi.ResourceOptions(protect=r.protect, depends_on=[script]),
            account_id=plan.account_id,
            queue_id=queue.id,
            script_name=script.script_name,
            type="worker",
        )
    for d in w.domains:
        out[f"domain:{d.logical}"] = cf.WorkersCustomDomain(
            f"domain-{d.logical}",
            opts=options(d),
            account_id=plan.account_id,
            hostname=d.physical,
            service=script.script_name,
            zone_id=plan.zone_id,
        )
    return out
