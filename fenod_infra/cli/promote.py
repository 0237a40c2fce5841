"""``fenod-infra promote --from staging --to prod [--dry-run]``: gate, report, then update the target.

Exit codes: 0 when every gate passes (and, without --dry-run, the up succeeded); 1 when a
gate fails (nothing was changed); 2 for user errors such as a missing approval.
"""

from __future__ import annotations

from pathlib import Path

EXIT_GATE_FAILED = 1


def promote_command(project_dir: Path, source: str, target: str, dry_run: bool) -> int:
    from fenod_infra.cli.appload import load_plan
    from fenod_infra.deploy.promotion import evaluate, promote_up  # heavy: Automation API

    promotion = evaluate(project_dir, source, target, load_plan(project_dir, target))
    print(promotion.report(), flush=True)
    if not promotion.ok:
        return EXIT_GATE_FAILED
    if dry_run:
        print(f"dry run: not updating {target}")
        return 0
    promote_up(project_dir, target)
    print(f"promoted the {source} commit to {target}")
    return 0
