"""The declaration vocabulary of an app: stores, Workers, secrets, domain maps.

An app's ``__main__.py`` builds one :class:`App` from these. Construction only
checks shapes (pydantic); cross-references and stage rules are checked by
:func:`fenod_infra.spec.validate.validate_app`, which reports every problem at
once. Nothing here knows about Pulumi or about any one stage's config.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fenod_infra.spec.errors import Problem, SpecError
from fenod_infra.spec.naming import is_env_name
from fenod_infra.spec.stages import Stage

_SECRET_PATH = re.compile(r"^/(?:[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*)?$")


class StoreKind(StrEnum):
    D1 = "d1"
    R2 = "r2"
    KV = "kv"
    QUEUE = "queue"


def _shape_error(what: str, err: ValidationError) -> SpecError:
    problems = [
        Problem(f"{what}.{'.'.join(str(p) for p in e['loc'])}" if e["loc"] else what, e["msg"])
        for e in err.errors()
    ]
    return SpecError(problems, "invalid app declaration")


class _Decl(BaseModel):
    """Base for declarations: frozen, no unknown fields, shape errors named by declaration."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Store(_Decl):
    """A stateful Cloudflare store, declared by logical name; one physical copy per stage."""

    kind: StoreKind
    name: str

    def __init__(self, name: str, **data: Any) -> None:
        try:
            super().__init__(**{"name": name, **data})
        except ValidationError as e:
            raise _shape_error(f"{data.get('kind', 'store')} {name!r}", e) from None

    @property
    def ref(self) -> str:
        return f"{self.kind.value} {self.name!r}"


def D1(name: str) -> Store:  # noqa: N802 - reads as a resource type in __main__.py
    """A D1 database."""
    return Store(name, kind=StoreKind.D1)


def R2(name: str) -> Store:  # noqa: N802
    """An R2 bucket."""
    return Store(name, kind=StoreKind.R2)


def KV(name: str) -> Store:  # noqa: N802
    """A Workers KV namespace."""
    return Store(name, kind=StoreKind.KV)


def Queue(name: str) -> Store:  # noqa: N802
    """A Queue; bind it to produce, list it in ``consumes`` to consume."""
    return Store(name, kind=StoreKind.QUEUE)


class Secret(_Decl):
    """A runtime secret a Worker needs, read from Infisical at ``path``.

    ``live_only`` marks a secret whose use has real-world side effects (sending
    email, charging cards): it is fetched and bound only in stages whose policy
    allows live side effects; elsewhere the binding is empty and the plain var
    ``<KEY>_MODE`` says ``sandbox``.
    """

    key: str
    path: str = "/"
    live_only: bool = False

    def __init__(self, key: str, **data: Any) -> None:
        try:
            super().__init__(**{"key": key, **data})
        except ValidationError as e:
            raise _shape_error(f"secret {key!r}", e) from None

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        if not is_env_name(v):
            raise ValueError("secret keys are UPPER_SNAKE_CASE names")
        return v

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not _SECRET_PATH.fullmatch(v):
            raise ValueError(f"secret path {v!r} must start with '/' and have no trailing '/'")
        return v

    @property
    def mode_var(self) -> str:
        return f"{self.key}_MODE"


class StageVar(_Decl):
    """Resolves to the stage name (``dev``, ``staging`` or ``prod``)."""

    type: Literal["stage"] = "stage"


class PublicUrl(_Decl):
    """Resolves to a Worker's public URL in the stage: its first custom domain, else workers.dev."""

    type: Literal["public_url"] = "public_url"
    worker: str


STAGE = StageVar()


def public_url(worker: str) -> PublicUrl:
    """The public base URL of ``worker`` in whichever stage is being deployed."""
    return PublicUrl(worker=worker)


VarValue = str | StageVar | PublicUrl | dict[Stage, str]


class Worker(_Decl):
    """A Worker script with its bindings; ``script`` is a path relative to the project."""

    name: str
    script: str
    bindings: dict[str, Store] = Field(default_factory=dict)
    vars: dict[str, VarValue] = Field(default_factory=dict)
    secrets: list[Secret] = Field(default_factory=list)
    consumes: list[Store] = Field(default_factory=list)
    compatibility_date: str = "2025-06-01"
    workers_dev: bool | None = None
    """None: enabled exactly when the stage maps no custom domain to this Worker."""

    def __init__(self, name: str, **data: Any) -> None:
        try:
            super().__init__(**{"name": name, **data})
        except ValidationError as e:
            raise _shape_error(f"worker {name!r}", e) from None


class App(_Decl):
    """The whole app: its stores, its Workers and, per stage, its domain map."""

    stores: list[Store]
    workers: list[Worker]
    domains: dict[Stage, dict[str, list[str]]]
    """Stage -> Worker logical name -> custom hostnames. Every stage is listed, even if empty."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            raise _shape_error("app", e) from None

    def store(self, kind: StoreKind, name: str) -> Store | None:
        return next((s for s in self.stores if s.kind == kind and s.name == name), None)

    def worker(self, name: str) -> Worker | None:
        return next((w for w in self.workers if w.name == name), None)
