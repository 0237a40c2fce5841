"""Run an app's real ``__main__.py`` under Pulumi's mock monitor and record what it registers.

This is how the offline plan and the unit tests see exactly the
``RegisterResource`` requests the engine would receive (type, name, inputs,
``protect``, ``retainOnDelete``, ``importId``) with no engine, no credentials and
no network. Mocked outputs echo inputs; the Infisical resource returns
placeholder values, never real secrets.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pmocks
from pulumi.runtime import rpc
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"


@dataclass
class Registration:
    type: str
    name: str
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    import_id: str
    additional_secret_outputs: list[str]
    raw_object: Any
    """The serialized inputs exactly as sent (for canary scans)."""


def unwrap_secrets(value: Any) -> Any:
    """Drop Pulumi's secret markers (recursively) so the plan can see structure; never print values."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return unwrap_secrets(value.get("value"))
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


class _Mocks(pmocks.Mocks):
    def new_resource(self, args: pmocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        outs = dict(args.inputs)
        if args.typ == DYNAMIC_TYPE and "keys" in outs:
            outs["values"] = {k: f"(placeholder for {k})" for k in outs["keys"]}
        return (args.resource_id or f"{args.name}-id"), outs

    def call(self, args: pmocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(pmocks.MockMonitor):
    """A MockMonitor that keeps every RegisterResource request."""

    def __init__(self, mocks: pmocks.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        inputs = unwrap_secrets(rpc.deserialize_properties(request.object, keep_unknowns=True))
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                inputs=inputs,
                protect=request.protect,
                retain_on_delete=request.retainOnDelete,
                import_id=request.importId,
                additional_secret_outputs=list(request.additionalSecretOutputs),
                raw_object=request.object,
            )
        )
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


@dataclass
class MockRun:
    registrations: list[Registration]
    outputs: dict[str, Any]


@contextmanager
def _in_dir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    sys.path.insert(0, str(path))
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
        sys.path.remove(str(path))


def run_program(
    project_dir: Path,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str] | None = None,
    preview: bool = True,
    project: str = "fenod-app",
) -> MockRun:
    """Run ``project_dir/__main__.py`` as the engine would for ``stack``, against mocks."""
    mocks = _Mocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(config, secret_keys or [])
    exported: dict[str, Any] = {}

    def program() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    with _in_dir(project_dir):
        _sync_await(run_pulumi_func(program))
    root = pulumi.runtime.get_root_resource()
    if root is not None and hasattr(root, "outputs"):
        exported = dict(getattr(root, "outputs", {}) or {})
    return MockRun(monitor.registrations, exported)
