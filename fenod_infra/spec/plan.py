"""The resolved deployment plan: what one stage of an app is, with every decision made.

:func:`resolve` is pure: given the declared :class:`App`, the stage and that
stage's validated config, it decides physical names (checked against the
naming table), protection and retention (from the stage policy), imports, the
domain map, each Worker's bindings, and the Infisical groups to fetch. The
Pulumi layer only translates this plan into resources.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from fenod_infra.spec.adopt import Adoption, check_adoption
from fenod_infra.spec.app import App, PublicUrl, StageVar, Worker
from fenod_infra.spec.bindings import BINDING_FOR_STORE, BindingKind
from fenod_infra.spec.config import AdoptKind, InfisicalConfig, StageConfig
from fenod_infra.spec.errors import Problem, raise_if
from fenod_infra.spec.naming import check_name, physical_name
from fenod_infra.spec.stages import STAGE_POLICIES, Stage, StagePolicy
from fenod_infra.spec.validate import validate_app


@dataclass(frozen=True)
class ResourcePlan:
    kind: str
    logical: str
    physical: str
    protect: bool
    retain: bool
    import_id: str | None = None


@dataclass(frozen=True)
class SecretSource:
    environment: str
    path: str
    key: str

    @property
    def group(self) -> tuple[str, str]:
        return (self.environment, self.path)


@dataclass(frozen=True)
class BindingPlan:
    name: str
    kind: BindingKind
    store: str | None = None
    """Logical name of the bound store (store bindings)."""
    text: str | None = None
    """Literal value (plain_text bindings, and the empty value of a sandboxed live-only secret)."""
    secret: SecretSource | None = None
    """Where a secret_text binding's value comes from in Infisical."""
    sandboxed: bool = False
    """A live-only secret in a stage without live side effects: not fetched, bound empty."""


@dataclass(frozen=True)
class WorkerPlan:
    resource: ResourcePlan
    script_path: str
    compatibility_date: str
    bindings: tuple[BindingPlan, ...]
    consumes: tuple[str, ...]
    domains: tuple[ResourcePlan, ...]
    workers_dev: bool
    keep_secret_bindings: bool
    """True in ``sync`` mode: uploads keep the secret_text bindings Infisical synced."""


@dataclass(frozen=True)
class SecretGroup:
    environment: str
    path: str
    keys: tuple[str, ...]

    @property
    def logical(self) -> str:
        """One stack reads one Infisical environment, so the path alone names the resource."""
        slug = self.path.strip("/").replace("/", "-") or "root"
        return f"secrets-{slug}"


@dataclass(frozen=True)
class DeploymentPlan:
    app: str
    stage: Stage
    policy: StagePolicy
    account_id: str
    zone_id: str | None
    stores: tuple[ResourcePlan, ...]
    workers: tuple[WorkerPlan, ...]
    secret_groups: tuple[SecretGroup, ...]
    infisical: InfisicalConfig | None
    infisical_environment: str
    """The Infisical environment this stage reads (``fenod:infisical.environment``, else the stage)."""
    secrets_mode: str

    def store(self, kind: str, logical: str) -> ResourcePlan:
        return next(s for s in self.stores if s.kind == kind and s.logical == logical)


def resolve(app: App, stage: Stage, config: StageConfig) -> DeploymentPlan:
    """Decide everything about ``stage``; raise one SpecError listing every problem."""
    validate_app(app)
    policy = STAGE_POLICIES[stage]
    problems: list[Problem] = []
    adoptions = _adoptions(app, stage, config, problems)

    def name_for(kind: str, logical: str, key: str) -> tuple[str, str | None]:
        adopted = adoptions.get((kind, logical))
        physical = (adopted.legacy_name if adopted and adopted.legacy_name else None) or physical_name(
            config.app, logical, stage.value
        )
        p = check_name(kind, physical, key)
        if p:
            problems.append(p)
        return physical, adopted.import_id if adopted else None

    stores = []
    for s in app.stores:
        physical, import_id = name_for(s.kind.value, s.name, f"{s.ref}")
        stores.append(
            ResourcePlan(
                s.kind.value,
                s.name,
                physical,
                policy.protect(s.kind.value),
                policy.retain(s.kind.value),
                import_id,
            )
        )

    stage_domains = app.domains.get(stage, {})
    if any(stage_domains.values()) and not config.zone_id:
        problems.append(
            Problem("fenod:zoneId", f"required because stage {stage.value!r} maps custom domains")
        )

    infisical_env = (config.infisical.environment if config.infisical else None) or stage.value
    workers: list[WorkerPlan] = []
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for w in app.workers:
        physical, import_id = name_for("worker", w.name, f"worker {w.name!r}")
        resource = ResourcePlan(
            "worker", w.name, physical, policy.protect("worker"), policy.retain("worker"), import_id
        )
        hosts = stage_domains.get(w.name, [])
        domains = tuple(
            ResourcePlan(
                "domain",
                h,
                h,
                policy.protect("domain"),
                policy.retain("domain"),
                adoptions[("domain", h)].import_id if ("domain", h) in adoptions else None,
            )
            for h in hosts
        )
        bindings = _bindings(app, w, stage, config, policy, infisical_env, physical, problems)
        for b in bindings:
            if b.secret is not None and not b.sandboxed:
                groups[b.secret.group].add(b.secret.key)
        workers.append(
            WorkerPlan(
                resource=resource,
                script_path=w.script,
                compatibility_date=w.compatibility_date,
                bindings=bindings,
                consumes=tuple(q.name for q in w.consumes),
                domains=domains,
                workers_dev=w.workers_dev if w.workers_dev is not None else not hosts,
                keep_secret_bindings=config.secrets.mode == "sync",
            )
        )
    if groups and config.infisical is None:
        problems.append(
            Problem("fenod:infisical", "required: Workers declare secrets and secrets.mode is 'inject'")
        )
    raise_if(problems)
    return DeploymentPlan(
        app=config.app,
        stage=stage,
        policy=policy,
        account_id=config.account_id,
        zone_id=config.zone_id,
        stores=tuple(stores),
        workers=tuple(workers),
        secret_groups=tuple(SecretGroup(e, p, tuple(sorted(k))) for (e, p), k in sorted(groups.items())),
        infisical=config.infisical,
        infisical_environment=infisical_env,
        secrets_mode=config.secrets.mode,
    )


def _adoptions(
    app: App, stage: Stage, config: StageConfig, problems: list[Problem]
) -> dict[tuple[str, str], Adoption]:
    known: dict[AdoptKind, set[str]] = {
        AdoptKind(k.value): {s.name for s in app.stores if s.kind.value == k.value}
        for k in AdoptKind
        if k not in (AdoptKind.WORKER, AdoptKind.DOMAIN)
    }
    known[AdoptKind.WORKER] = {w.name for w in app.workers}
    known[AdoptKind.DOMAIN] = {h for hosts in app.domains.get(stage, {}).values() for h in hosts}
    out: dict[tuple[str, str], Adoption] = {}
    for kind, entries in config.adopt.items():
        for logical, entry in entries.items():
            if logical not in known[kind]:
                choices = ", ".join(sorted(known[kind])) or "none"
                problems.append(
                    Problem(
                        f"fenod:adopt.{kind.value}.{logical}",
                        f"no {kind.value} named {logical!r} in this app/stage (declared: {choices})",
                    )
                )
                continue
            adoption, found = check_adoption(kind, logical, entry, config.account_id)
            problems += found
            if adoption:
                out[(kind.value, logical)] = adoption
    return out


def _bindings(
    app: App,
    w: Worker,
    stage: Stage,
    config: StageConfig,
    policy: StagePolicy,
    infisical_env: str,
    physical: str,
    problems: list[Problem],
) -> tuple[BindingPlan, ...]:
    out = [BindingPlan(n, BINDING_FOR_STORE[s.kind.value], store=s.name) for n, s in w.bindings.items()]
    for name, value in w.vars.items():
        out.append(
            BindingPlan(name, BindingKind.PLAIN, text=_var_text(app, w, name, value, stage, config, problems))
        )
    for sec in w.secrets:
        live = policy.live_side_effects or not sec.live_only
        if sec.live_only:
            out.append(BindingPlan(sec.mode_var, BindingKind.PLAIN, text="live" if live else "sandbox"))
        if config.secrets.mode == "sync":
            continue  # Infisical's Workers Sync owns secret_text bindings; uploads keep them
        source = SecretSource(infisical_env, sec.path, sec.key)
        out.append(
            BindingPlan(
                sec.key, BindingKind.SECRET, text=None if live else "", secret=source, sandboxed=not live
            )
        )
    return tuple(out)


def _var_text(
    app: App, w: Worker, name: str, value: object, stage: Stage, config: StageConfig, problems: list[Problem]
) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, StageVar):
        return stage.value
    if isinstance(value, dict):
        return str(value[stage])
    assert isinstance(value, PublicUrl)
    hosts = app.domains.get(stage, {}).get(value.worker, [])
    if hosts:
        return f"https://{hosts[0]}"
    target = app.worker(value.worker)
    assert target is not None  # validate_app checked it
    if target.workers_dev is False:
        problems.append(
            Problem(
                f"worker {w.name!r}.vars.{name}",
                f"worker {value.worker!r} has no custom domain in {stage.value!r} and workers.dev is off",
            )
        )
        return ""
    if not config.workers_dev_subdomain:
        problems.append(
            Problem(
                "fenod:workersDevSubdomain",
                f"required: worker {w.name!r} var {name} is {value.worker!r}'s workers.dev URL in "
                f"stage {stage.value!r}",
            )
        )
        return ""
    script = physical_name(config.app, value.worker, stage.value)
    return f"https://{script}.{config.workers_dev_subdomain}.workers.dev"
