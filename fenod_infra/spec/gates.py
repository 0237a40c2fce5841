"""The promotion gates, as pure functions over facts gathered from the stacks.

`fenod-infra promote` gathers the facts (last update, previews, outputs, Infisical key
names) through the Automation API; each gate here decides pass/fail and says why in one
line a person can act on. Keeping the decisions pure makes every pass and fail case
testable without an engine, and the engine tests then prove the facts are gathered right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fenod_infra.spec.stages import STATEFUL_KINDS
from fenod_infra.spec.topology import compare

DESTRUCTIVE_OPS = frozenset(
    {"delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced"}
)
STATEFUL_TYPES = {
    "cloudflare:index/d1Database:D1Database": "d1",
    "cloudflare:index/r2Bucket:R2Bucket": "r2",
    "cloudflare:index/workersKvNamespace:WorkersKvNamespace": "kv",
    "cloudflare:index/queue:Queue": "queue",
}
assert set(STATEFUL_TYPES.values()) == STATEFUL_KINDS


@dataclass(frozen=True)
class GateResult:
    name: str
    ok: bool
    detail: str

    def render(self) -> str:
        return f"[{'PASS' if self.ok else 'FAIL'}] {self.name}: {self.detail}"


@dataclass(frozen=True)
class Step:
    """One step of a preview: operation, resource type, logical name, and whether it was protected."""

    op: str
    type: str
    name: str
    protected: bool


def last_update(source: str, result: str | None, deployed_commit: str | None, head: str) -> GateResult:
    name = "1. source last update succeeded, from this commit"
    if result is None:
        return GateResult(name, False, f"{source} has never been updated; run `pulumi up -s {source}` first")
    if result != "succeeded":
        return GateResult(
            name, False, f"{source}'s last update {result}; fix it and `pulumi up -s {source}` again"
        )
    if head.endswith("-dirty") or head == "unknown":
        return GateResult(name, False, f"the working tree is {head!r}: promote only a clean, committed tree")
    if deployed_commit != head:
        return GateResult(
            name,
            False,
            f"{source} runs {deployed_commit!r} but the working tree is {head!r}; "
            f"deploy this commit to {source} first",
        )
    return GateResult(name, True, f"{source} succeeded at {head}")


def converged(source: str, change_summary: dict[str, int]) -> GateResult:
    name = "2. source is converged"
    changes = {op: n for op, n in change_summary.items() if op != "same" and n}
    if changes:
        listed = ", ".join(f"{n} {op}" for op, n in sorted(changes.items()))
        return GateResult(
            name,
            False,
            f"`pulumi preview -s {source}` shows {listed} (drift or a rotated secret): "
            f"`pulumi up -s {source}` and re-check",
        )
    return GateResult(name, True, f"`pulumi preview -s {source}` shows no changes")


def parity(source_topology: dict[str, Any] | None, target_topology: dict[str, Any]) -> GateResult:
    name = "3. topology parity"
    if source_topology is None:
        return GateResult(
            name, False, "the source stack exports no topology; `pulumi up` it with this program"
        )
    diffs = compare(source_topology, target_topology)
    if diffs:
        return GateResult(
            name, False, "source and target differ beyond names, hosts and stage values: " + "; ".join(diffs)
        )
    return GateResult(name, True, "same stores, Workers, bindings, secret keys and scripts")


def secrets_complete(target: str, missing: dict[str, list[str]]) -> GateResult:
    """``missing``: 'environment:path' -> key names absent in Infisical (names only, never values)."""
    name = "4. target secrets exist in Infisical"
    gaps = {where: keys for where, keys in missing.items() if keys}
    if gaps:
        listed = "; ".join(f"{where}: {', '.join(sorted(keys))}" for where, keys in sorted(gaps.items()))
        return GateResult(name, False, f"add these before promoting to {target}: {listed}")
    return GateResult(name, True, f"every secret {target} binds is present")


def no_destruction(target: str, steps: list[Step], preview_error: str | None = None) -> GateResult:
    name = "5. target preview destroys nothing stateful or protected"
    if preview_error is not None:
        return GateResult(name, False, f"`pulumi preview -s {target}` failed: {preview_error}")
    bad = [s for s in steps if s.op in DESTRUCTIVE_OPS and (s.protected or s.type in STATEFUL_TYPES)]
    if bad:
        listed = ", ".join(sorted({f"{s.op} {s.name}" for s in bad}))
        return GateResult(
            name, False, f"{listed}; back up first, then change it deliberately (not by promotion)"
        )
    return GateResult(
        name, True, f"{len(steps)} steps, none deletes or replaces a stateful or protected resource"
    )
