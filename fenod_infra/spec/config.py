"""Per-stage, git-tracked configuration (``fenod:*`` keys of ``Pulumi.<stage>.yaml``).

:func:`parse_stage_config` takes the flat ``{"fenod:key": "string"}`` map that
Pulumi hands a program (object values arrive as JSON text) and returns a
validated :class:`StageConfig`, or raises one :class:`SpecError` naming every
bad key. Unknown ``fenod:`` keys are errors too: a typo must not silently
fall back to a default in production.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fenod_infra.spec.errors import Problem, SpecError
from fenod_infra.spec.naming import APP_NAME_RULE

NAMESPACE = "fenod"
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
DEFAULT_SITE_URL = "https://app.infisical.com"


class AdoptKind(StrEnum):
    D1 = "d1"
    R2 = "r2"
    KV = "kv"
    QUEUE = "queue"
    WORKER = "worker"
    DOMAIN = "domain"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AdoptEntry(_Model):
    """Import an existing resource: its Cloudflare import id and, optionally, its legacy name."""

    id: str = Field(min_length=1)
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, v: Any) -> Any:
        return {"id": v} if isinstance(v, str) else v


class InfisicalConfig(_Model):
    project_id: str = Field(alias="projectId", min_length=1)
    site_url: str = Field(default=DEFAULT_SITE_URL, alias="siteUrl")
    environment: str | None = None
    auth: Literal["universal", "oidc", "token"] | None = None

    @field_validator("site_url")
    @classmethod
    def _origin(cls, v: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?/?", v):
            raise ValueError("siteUrl is an origin such as https://app.infisical.com (no path, no /api)")
        return v.rstrip("/")


class SecretsConfig(_Model):
    mode: Literal["inject", "sync"] = "inject"
    """inject: this program writes secret_text bindings; sync: Infisical's Workers Sync owns them."""


class StageConfig(_Model):
    app: str
    account_id: str = Field(alias="accountId")
    zone_id: str | None = Field(default=None, alias="zoneId")
    workers_dev_subdomain: str | None = Field(default=None, alias="workersDevSubdomain")
    adopt: dict[AdoptKind, dict[str, AdoptEntry]] = Field(default_factory=dict)
    infisical: InfisicalConfig | None = None
    secrets: SecretsConfig = Field(default_factory=SecretsConfig)

    @field_validator("app")
    @classmethod
    def _app(cls, v: str) -> str:
        why = APP_NAME_RULE.check(v)
        if why:
            raise ValueError(why)
        return v

    @field_validator("account_id", "zone_id")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and not _HEX32.fullmatch(v):
            raise ValueError("must be a 32-character lowercase hex Cloudflare id")
        return v


_OBJECT_KEYS = {"adopt", "infisical", "secrets"}
_ALIASES = {(f.alias or name): name for name, f in StageConfig.model_fields.items()}


def parse_stage_config(raw: dict[str, str]) -> StageConfig:
    """Validate the ``fenod:*`` part of a stack's config; report every problem at once."""
    problems: list[Problem] = []
    data: dict[str, Any] = {}
    for full_key, value in sorted(raw.items()):
        ns, _, key = full_key.partition(":")
        if ns != NAMESPACE:
            continue
        if key not in _ALIASES:
            known = ", ".join(f"{NAMESPACE}:{k}" for k in sorted(_ALIASES))
            problems.append(Problem(full_key, f"unknown setting (known: {known})"))
            continue
        if key in _OBJECT_KEYS and isinstance(value, str):
            try:
                data[key] = json.loads(value)
            except json.JSONDecodeError:
                problems.append(Problem(full_key, "must be a YAML mapping, not a plain string"))
                continue
        else:
            data[key] = value
    for required in ("app", "accountId"):
        if data.get(required) in (None, ""):
            state = "is empty" if required in data else "is missing"
            problems.append(Problem(f"{NAMESPACE}:{required}", f"{state}; it is required"))
            data.pop(required, None)
    try:
        config = StageConfig.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            loc = [str(p) for p in err["loc"]]
            if err["type"] == "missing" and loc and loc[0] in ("app", "accountId"):
                continue  # already reported above with a clearer message
            key = f"{NAMESPACE}:{'.'.join(loc)}"
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(key, msg))
        raise SpecError(problems) from None
    if problems:
        raise SpecError(problems)
    return config
