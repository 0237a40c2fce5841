"""``fenod-infra dev --stack dev``: run the stage's Workers locally in Miniflare (workerd).

The Workers get exactly the bindings the plan gives them in that stage (stores are local
Miniflare stores under the same names), with their declared secrets fetched from Infisical
and handed to the runtime over stdin: no .dev.vars, no file on disk. Outbound fetches are
intercepted and logged, so even a live-mode secret sends nothing real from a laptop.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from fenod_infra.cli.appload import load_plan
from fenod_infra.cli.run import fetch_worker_secrets, run_child
from fenod_infra.spec.errors import Problem, SpecError
from fenod_infra.spec.localdev import miniflare_options

RUNNER = Path(__file__).resolve().parents[2] / "tools" / "miniflare-run.mjs"


def dev_command(project_dir: Path, stack: str, port: int) -> int:
    node = shutil.which("node")
    if node is None:
        raise SpecError(
            [Problem("node", "Node.js is required for fenod-infra dev (and `npm ci` for Miniflare)")]
        )
    plan = load_plan(project_dir, stack)
    options = miniflare_options(plan, fetch_worker_secrets(plan))
    payload = json.dumps({"options": options, "serve": True, "port": port})
    # The runner resolves `miniflare` from the repo's node_modules by walking up from tools/.
    return run_child([node, str(RUNNER)], dict(os.environ), stdin_data=payload, cwd=project_dir)
