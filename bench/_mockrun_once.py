"""Child process for plan_overhead.py: run one program dir under mocks, print registrations and seconds."""

import sys
import time

t0 = time.perf_counter()
from pathlib import Path  # noqa: E402

from fenod_infra.cli.stackfile import read_stack_config  # noqa: E402
from fenod_infra.deploy.mockrun import run_program  # noqa: E402

project = Path(sys.argv[1]).resolve()
cfg = read_stack_config(project, "staging") if (project / "Pulumi.staging.yaml").exists() else None
run = run_program(project, "staging", cfg.config if cfg else {}, cfg.secret_keys if cfg else [])
print(len(run.registrations), f"{time.perf_counter() - t0:.4f}", flush=True)
import os  # noqa: E402

os._exit(0)
