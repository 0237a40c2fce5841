"""The one table of Worker binding kinds.

Each row says how a declared binding becomes a Cloudflare ``WorkersScript``
binding: its wire ``type``, the binding field that carries the value, which
store kind it points at and which attribute of that store's resource supplies
the value, and the TypeScript type a Worker sees. The deploy layer, the plan,
the topology comparison and the ``types`` generator all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BindingKind(StrEnum):
    D1 = "d1"
    R2 = "r2"
    KV = "kv"
    QUEUE = "queue"
    PLAIN = "plain_text"
    SECRET = "secret_text"  # noqa: S105 - a binding type, not a password


@dataclass(frozen=True)
class BindingKindInfo:
    cf_type: str
    """``type`` of the binding in the Workers script upload API."""
    field: str
    """Field of ``WorkersScriptBindingArgs`` that carries the value."""
    store_kind: str | None
    """Kind of store the binding references (None for text bindings)."""
    source_attr: str | None
    """Attribute of the store's Pulumi resource whose value goes into ``field``."""
    ts_type: str
    """Type of ``env.<NAME>`` inside the Worker."""
    miniflare: str
    """Miniflare option that declares this binding locally (``fenod-infra dev`` and runtime tests)."""


BINDING_KINDS: dict[BindingKind, BindingKindInfo] = {
    BindingKind.D1: BindingKindInfo("d1", "id", "d1", "id", "D1Database", "d1Databases"),
    BindingKind.R2: BindingKindInfo("r2_bucket", "bucket_name", "r2", "name", "R2Bucket", "r2Buckets"),
    BindingKind.KV: BindingKindInfo(
        "kv_namespace", "namespace_id", "kv", "id", "KVNamespace", "kvNamespaces"
    ),
    BindingKind.QUEUE: BindingKindInfo(
        "queue", "queue_name", "queue", "queue_name", "Queue", "queueProducers"
    ),
    BindingKind.PLAIN: BindingKindInfo("plain_text", "text", None, None, "string", "bindings"),
    BindingKind.SECRET: BindingKindInfo("secret_text", "text", None, None, "string", "bindings"),
}

BINDING_FOR_STORE: dict[str, BindingKind] = {
    info.store_kind: kind for kind, info in BINDING_KINDS.items() if info.store_kind
}
"""Store kind -> the binding kind that binds it (derived, never written twice)."""
