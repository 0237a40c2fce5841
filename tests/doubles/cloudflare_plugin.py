"""TEST DOUBLE: a stand-in ``pulumi-resource-cloudflare`` provider plugin (never the real provider).

The real plugin cannot be built here (its Terraform upstream is a patched
submodule), so engine tests run against this gRPC ResourceProvider. It keeps
an "account" in a JSON file (``FENOD_CF_ACCOUNT``), assigns ids the way
Cloudflare does (UUIDs for D1, 32-hex for KV/Queues/domains, names for R2 and
Workers), and is strict where Cloudflare is:

* a missing required input (account id, name, script content, hostname) fails ``Check``;
* creating a name that already exists in the account fails, as the API does (and a second
  consumer for the same queue and Worker);
* a Worker binding must point at a database, namespace, bucket or queue that exists;
* ``Read`` accepts pulumi-cloudflare's import ids (``<account_id>/<id>`` ...), so adoption is real;
* renaming a D1 database or R2 bucket is a replacement.

Every mutating call is appended to the account's ``ops`` log for assertions.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import uuid
from contextlib import contextmanager
from pathlib import Path
from threading import Lock
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from plugin_server import serve
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
P = "cloudflare:index/"


def _hex() -> str:
    return secrets.token_hex(16)


KINDS: dict[str, dict[str, Any]] = {
    P + "d1Database:D1Database": {
        "name": "name",
        "required": ["accountId", "name"],
        "id": lambda p: str(uuid.uuid4()),
        "replace": ["accountId", "name"],
        "extra": lambda i, p: {"uuid": i},
    },
    P + "r2Bucket:R2Bucket": {
        "name": "name",
        "required": ["accountId", "name"],
        "id": lambda p: p["name"],
        "replace": ["accountId", "name", "jurisdiction"],
    },
    P + "workersKvNamespace:WorkersKvNamespace": {
        "name": "title",
        "required": ["accountId", "title"],
        "id": lambda p: _hex(),
        "replace": ["accountId"],
    },
    P + "queue:Queue": {
        "name": "queueName",
        "required": ["accountId", "queueName"],
        "id": lambda p: _hex(),
        "replace": ["accountId"],
        "extra": lambda i, p: {"queueId": i},
    },
    P + "workersScript:WorkersScript": {
        "name": "scriptName",
        "required": ["accountId", "scriptName", "content"],
        "id": lambda p: p["scriptName"],
        "replace": ["accountId", "scriptName"],
    },
    P + "workersScriptSubdomain:WorkersScriptSubdomain": {
        "name": None,
        "required": ["accountId", "scriptName", "enabled"],
        "id": lambda p: p["scriptName"],
        "replace": ["scriptName"],
    },
    P + "queueConsumer:QueueConsumer": {
        "name": None,
        "required": ["accountId", "queueId", "type"],
        "id": lambda p: _hex(),
        "replace": ["queueId"],
        "unique": ["queueId", "scriptName"],  # one consumer per (queue, Worker), as Cloudflare enforces
    },
    P + "workersCustomDomain:WorkersCustomDomain": {
        "name": "hostname",
        "required": ["accountId", "hostname", "service"],
        "id": lambda p: _hex(),
        "replace": ["hostname", "zoneId"],
    },
}
BINDING_TARGETS = {
    "d1": ("d1Database:D1Database", "id"),
    "kv_namespace": ("workersKvNamespace:WorkersKvNamespace", "namespaceId"),
    "r2_bucket": ("r2Bucket:R2Bucket", "bucketName"),
    "queue": ("queue:Queue", "queueName"),
}

_lock = Lock()


@contextmanager
def account() -> Any:
    path = Path(os.environ["FENOD_CF_ACCOUNT"])
    with _lock, open(path.with_suffix(".lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {"resources": {}, "ops": []}
        yield data
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(path)


def _dict(s: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(s) if s is not None else {}


def _struct(d: dict[str, Any]) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(d)
    return s


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if not k.startswith("__") and v is not None}


def _find_by_name(data: dict[str, Any], typ: str, props: dict[str, Any]) -> str | None:
    """The existing resource a create would collide with (Cloudflare refuses duplicates)."""
    unique = KINDS[typ].get("unique") or ([KINDS[typ]["name"]] if KINDS[typ]["name"] else [])
    for rid, existing in data["resources"].get(typ, {}).items():
        same = all(existing.get(f) == props.get(f) for f in unique)
        if unique and same and existing.get("accountId") == props.get("accountId"):
            return str(rid)
    return None


def _binding_errors(data: dict[str, Any], props: dict[str, Any]) -> list[str]:
    errors = []
    for b in props.get("bindings") or []:
        target = BINDING_TARGETS.get(b.get("type"))
        if target is None:
            continue
        typ, field = target
        rows = data["resources"].get(P + typ, {})
        wanted = b.get(field)
        name_field = KINDS[P + typ]["name"]
        if not any(wanted in (rid, row.get(name_field)) for rid, row in rows.items()):
            errors.append(
                f"binding {b.get('name')}: {b.get('type')} {wanted!r} does not exist in the account"
            )
    return errors


def _import_lookup(data: dict[str, Any], typ: str, import_id: str) -> str | None:
    parts = import_id.split("/")
    rows = data["resources"].get(typ, {})
    if len(parts) >= 2:
        account_id, key = parts[0], parts[1]
        for rid, row in rows.items():
            if row.get("accountId") == account_id and key in (rid, row.get(KINDS[typ]["name"] or "")):
                return str(rid)
        return None
    return import_id if import_id in rows else None


class Provider(provider_pb2_grpc.ResourceProviderServicer):
    def GetPluginInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return plugin_pb2.PluginInfo(version=os.environ.get("FENOD_CF_VERSION", "6.23.1"))

    def CheckConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802
        # Record a digest (never the value) of the API token, so tests can prove a
        # `pulumi config set --secret` value reached the provider decrypted.
        token = _dict(request.args).get("apiToken") or request.variables.get("cloudflare:config:apiToken", "")
        if isinstance(token, dict):  # a secret arrives wrapped in Pulumi's secret signature
            token = token.get("value", "")
        token = token or os.environ.get("CLOUDFLARE_API_TOKEN", "")  # the real provider's fallback
        with account() as data:
            data["configured_token_sha256"] = hashlib.sha256(token.encode()).hexdigest() if token else None
        return provider_pb2.ConfigureResponse(acceptSecrets=False, supportsPreview=False)

    def Check(self, request: Any, context: Any) -> Any:  # noqa: N802
        news = _dict(request.news)
        kind = KINDS.get(request.type)
        failures = []
        if kind is None:
            failures.append(
                provider_pb2.CheckFailure(property="", reason=f"stand-in does not model {request.type}")
            )
        else:
            for field in kind["required"]:
                if news.get(field) in (None, ""):
                    failures.append(
                        provider_pb2.CheckFailure(property=field, reason=f"Missing required argument {field}")
                    )
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    def Diff(self, request: Any, context: Any) -> Any:  # noqa: N802
        olds, news = _clean(_dict(request.old_inputs) or _dict(request.olds)), _clean(_dict(request.news))
        changed = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k))
        replaces = [k for k in changed if k in KINDS[request.type]["replace"]]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
            replaces=replaces,
            deleteBeforeReplace=bool(replaces),
        )

    def Create(self, request: Any, context: Any) -> Any:  # noqa: N802
        props = _clean(_dict(request.properties))
        kind = KINDS[request.type]
        with account() as data:
            if _find_by_name(data, request.type, props):
                label = props.get(kind["name"]) if kind["name"] else props.get("scriptName")
                context.abort(
                    grpc.StatusCode.ALREADY_EXISTS,
                    f"{request.type.split(':')[-1]} {label!r} already exists in the account",
                )
            errors = _binding_errors(data, props)
            if errors:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(errors))
            rid = kind["id"](props)
            outs = {**props, "id": rid, **(kind.get("extra", lambda i, p: {})(rid, props))}
            data["resources"].setdefault(request.type, {})[rid] = outs
            data["ops"].append(["create", request.type, rid])
        return provider_pb2.CreateResponse(id=rid, properties=_struct(outs))

    def Update(self, request: Any, context: Any) -> Any:  # noqa: N802
        props = _clean(_dict(request.news))
        with account() as data:
            rows = data["resources"].setdefault(request.type, {})
            if request.id not in rows:
                context.abort(grpc.StatusCode.NOT_FOUND, f"{request.type} {request.id} not found")
            errors = _binding_errors(data, props)
            if errors:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(errors))
            extra = KINDS[request.type].get("extra", lambda i, p: {})(request.id, props)
            rows[request.id] = {**props, "id": request.id, **extra}
            data["ops"].append(["update", request.type, request.id])
            outs = rows[request.id]
        return provider_pb2.UpdateResponse(properties=_struct(outs))

    def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
        with account() as data:
            data["resources"].get(request.type, {}).pop(request.id, None)
            data["ops"].append(["delete", request.type, request.id])
        return empty_pb2.Empty()

    def Read(self, request: Any, context: Any) -> Any:  # noqa: N802
        with account() as data:
            rid = _import_lookup(data, request.type, request.id)
            if rid is None:
                return provider_pb2.ReadResponse()  # not found: empty id
            row = data["resources"][request.type][rid]
            data["ops"].append(["read", request.type, rid])
        inputs = {k: v for k, v in row.items() if k not in ("id", "uuid", "queueId")}
        return provider_pb2.ReadResponse(id=rid, properties=_struct(row), inputs=_struct(inputs))

    def Cancel(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()


def main() -> None:
    serve(provider_pb2_grpc.add_ResourceProviderServicer_to_server, Provider(), workers=8)


if __name__ == "__main__":
    main()
