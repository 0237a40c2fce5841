"""Stages and the one table that says what each stage is allowed to do.

Policy is decided here and nowhere else: resource code asks the policy
(``policy.protect(kind)``) instead of testing ``stage == "prod"``.

Staging (our choice, the issue left it open): stateful stores are *protected*
so a refactor that would replace staging's D1 or R2 fails loudly during the
rehearsal instead of wiping rehearsal data, but they are *not retained*, so an
intentional teardown (after ``pulumi state unprotect``) really deletes them and
leaves no orphans in the account. Workers and domains are unprotected there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum

from fenod_infra.spec.errors import Problem, SpecError


class Stage(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


STATEFUL_KINDS = frozenset({"d1", "r2", "kv", "queue"})
"""Kinds whose deletion loses data; everything else can be recreated from git."""

APPROVAL_ENV = "FENOD_DEPLOY_APPROVED"


@dataclass(frozen=True)
class StagePolicy:
    """What one stage may do. Read by the deploy layer, the plan and the promotion gates."""

    protect_stateful: bool
    retain_stateful: bool
    protect_edge: bool
    """Workers and custom domains: protected so a stray destroy cannot take the site down."""
    requires_approval: bool
    """A non-preview update needs ``FENOD_DEPLOY_APPROVED=<stage>``."""
    live_side_effects: bool
    """Live-only secrets (real email, payments) are fetched and bound only where this is true."""

    def protect(self, kind: str) -> bool:
        return self.protect_stateful if kind in STATEFUL_KINDS else self.protect_edge

    def retain(self, kind: str) -> bool:
        return self.retain_stateful and kind in STATEFUL_KINDS


STAGE_POLICIES: dict[Stage, StagePolicy] = {
    Stage.DEV: StagePolicy(
        protect_stateful=False,
        retain_stateful=False,
        protect_edge=False,
        requires_approval=False,
        live_side_effects=False,
    ),
    Stage.STAGING: StagePolicy(
        protect_stateful=True,
        retain_stateful=False,
        protect_edge=False,
        requires_approval=False,
        live_side_effects=False,
    ),
    Stage.PROD: StagePolicy(
        protect_stateful=True,
        retain_stateful=True,
        protect_edge=True,
        requires_approval=True,
        live_side_effects=True,
    ),
}


def parse_stage(stack: str, env_stage: str | None = None) -> Stage:
    """The stack name *is* the stage; a ``STAGE`` variable may only agree with it."""
    allowed = ", ".join(s.value for s in Stage)
    try:
        stage = Stage(stack)
    except ValueError:
        raise SpecError(
            [Problem("stack", f"stack name {stack!r} is not a stage; use one of: {allowed}")],
            "refusing to run",
        ) from None
    if env_stage is not None and env_stage != "" and env_stage != stage.value:
        raise SpecError(
            [Problem("STAGE", f"environment says STAGE={env_stage!r} but the stack is {stage.value!r}")],
            "refusing to run",
        )
    return stage


def check_approval(stage: Stage, dry_run: bool, environ: dict[str, str] | None = None) -> None:
    """Refuse a real update of an approval-gated stage unless the approval variable names it.

    Previews always pass: reviewers must be able to see what prod would do.
    """
    env = os.environ if environ is None else environ
    if dry_run or not STAGE_POLICIES[stage].requires_approval:
        return
    if env.get(APPROVAL_ENV, "") != stage.value:
        raise SpecError(
            [
                Problem(
                    APPROVAL_ENV,
                    f"updates of {stage.value!r} need approval: run from the CI job bound to the "
                    f"protected environment, or set {APPROVAL_ENV}={stage.value} deliberately "
                    f"(`pulumi preview -s {stage.value}` needs nothing)",
                )
            ],
            "refusing to update",
        )
