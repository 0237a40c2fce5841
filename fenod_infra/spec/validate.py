"""Cross-reference checks on an :class:`App` that need no stage config.

Collects every problem (duplicate names, bindings to undeclared stores, secret
declarations that clash, domain maps that leak between stages) and raises once.
"""

from __future__ import annotations

from collections import Counter

from fenod_infra.spec.app import App, PublicUrl, StoreKind, Worker
from fenod_infra.spec.errors import Problem, raise_if
from fenod_infra.spec.naming import LOGICAL_NAME_RULE, check_hostname, is_env_name
from fenod_infra.spec.stages import Stage


def validate_app(app: App) -> None:
    """Raise :class:`SpecError` listing every declaration problem in ``app``."""
    problems: list[Problem] = []
    problems += _check_stores(app)
    for w in app.workers:
        problems += _check_worker(app, w)
    dupes = [n for n, c in Counter(w.name for w in app.workers).items() if c > 1]
    problems += [Problem(f"worker {n!r}", "declared more than once") for n in dupes]
    problems += _check_domains(app)
    raise_if(problems, "invalid app declaration")


def _check_stores(app: App) -> list[Problem]:
    problems: list[Problem] = []
    seen = Counter((s.kind, s.name) for s in app.stores)
    for (kind, name), count in seen.items():
        if count > 1:
            problems.append(Problem(f"{kind.value} {name!r}", "declared more than once"))
    for s in app.stores:
        why = LOGICAL_NAME_RULE.check(s.name)
        if why:
            problems.append(Problem(s.ref, why))
    return problems


def _check_worker(app: App, w: Worker) -> list[Problem]:
    where = f"worker {w.name!r}"
    problems: list[Problem] = []
    why = LOGICAL_NAME_RULE.check(w.name)
    if why:
        problems.append(Problem(where, why))
    for env_name, store in w.bindings.items():
        if app.store(store.kind, store.name) is None:
            problems.append(
                Problem(f"{where}.bindings.{env_name}", f"binds {store.ref}, which the app does not declare")
            )
    for store in w.consumes:
        if store.kind != StoreKind.QUEUE:
            problems.append(Problem(f"{where}.consumes", f"{store.ref} is not a queue"))
        elif app.store(store.kind, store.name) is None:
            problems.append(
                Problem(f"{where}.consumes", f"consumes {store.ref}, which the app does not declare")
            )
    names = [
        *w.bindings,
        *w.vars,
        *(s.key for s in w.secrets),
        *(s.mode_var for s in w.secrets if s.live_only),
    ]
    for name, count in Counter(names).items():
        if count > 1:
            problems.append(Problem(f"{where}.{name}", "the same env name is declared more than once"))
    for name in [*w.bindings, *w.vars]:
        if not is_env_name(name):
            problems.append(Problem(f"{where}.{name}", "binding names are UPPER_SNAKE_CASE"))
    for name, value in w.vars.items():
        if isinstance(value, PublicUrl) and app.worker(value.worker) is None:
            problems.append(Problem(f"{where}.vars.{name}", f"public_url of unknown worker {value.worker!r}"))
        if isinstance(value, dict) and set(value) != set(Stage):
            missing = ", ".join(s.value for s in Stage if s not in value)
            problems.append(
                Problem(
                    f"{where}.vars.{name}", f"a per-stage value must list every stage; missing: {missing}"
                )
            )
    return problems


def _check_domains(app: App) -> list[Problem]:
    problems: list[Problem] = []
    missing = [s.value for s in Stage if s not in app.domains]
    if missing:
        problems.append(
            Problem(
                "app.domains", f"every stage must be listed (even as {{}}); missing: {', '.join(missing)}"
            )
        )
    owner: dict[str, Stage] = {}
    for stage, by_worker in app.domains.items():
        for worker_name, hosts in by_worker.items():
            key = f"app.domains.{stage.value}.{worker_name}"
            if app.worker(worker_name) is None:
                problems.append(Problem(key, f"maps hostnames to unknown worker {worker_name!r}"))
            for host in hosts:
                why = check_hostname(host)
                if why:
                    problems.append(Problem(key, why))
                if stage == Stage.PROD and "staging" in host:
                    problems.append(Problem(key, f"prod hostname {host!r} points at a staging host"))
                if host in owner:
                    problems.append(
                        Problem(
                            key,
                            f"hostname {host!r} is already mapped in stage {owner[host].value!r}; "
                            "stages never share hosts",
                        )
                    )
                owner.setdefault(host, stage)
    return problems
