"""``fenod-infra run``: the Fenod guide's ``infisical run -- pnpm dev``, for one stage.

Secrets go into the child's environment only: no file is written unless
``--dotenv`` is asked for, and then it is 0600 and removed when the command
ends, also on error or interrupt. The child's exit code is passed through and
SIGINT/SIGTERM/SIGHUP are forwarded to it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from fenod_infra.cli.appload import load_plan
from fenod_infra.secrets.client import InfisicalClient
from fenod_infra.spec.errors import Problem, SpecError
from fenod_infra.spec.plan import DeploymentPlan

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _client(plan: DeploymentPlan) -> InfisicalClient:
    if plan.infisical is None:
        raise SpecError([Problem("fenod:infisical", "required to fetch secrets")])
    return InfisicalClient.from_environment(plan.infisical.site_url, plan.infisical.auth)


def fetch_worker_secrets(plan: DeploymentPlan, workers: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Each Worker's declared (non-sandboxed) secrets: one login, one list per (environment, path)."""
    known = [w.resource.logical for w in plan.workers]
    for name in workers or []:
        if name not in known:
            raise SpecError([Problem("--worker", f"unknown worker {name!r} (declared: {', '.join(known)})")])
    sources = {
        w.resource.logical: [b.secret for b in w.bindings if b.secret is not None and not b.sandboxed]
        for w in plan.workers
        if workers is None or w.resource.logical in workers
    }
    keys_by_group: dict[tuple[str, str], set[str]] = {}
    for secrets in sources.values():
        for src in secrets:
            keys_by_group.setdefault(src.group, set()).add(src.key)
    if not keys_by_group:
        return {w: {} for w in sources}
    assert plan.infisical is not None
    with _client(plan) as client:
        folders = {
            group: client.fetch(plan.infisical.project_id, group[0], group[1], keys)
            for group, keys in sorted(keys_by_group.items())
        }
    return {w: {s.key: folders[s.group][s.key].value for s in secrets} for w, secrets in sources.items()}


def fetch_env(plan: DeploymentPlan, path: str | None, worker: str | None) -> dict[str, str]:
    """The variables to inject: one worker's declared keys, or every secret at ``path``."""
    if path is not None and worker is not None:
        raise SpecError([Problem("--path", "give --path or --worker, not both")])
    if worker is not None:
        return fetch_worker_secrets(plan, [worker])[worker]
    with _client(plan) as client:
        assert plan.infisical is not None
        listed = client.list_secrets(plan.infisical.project_id, plan.infisical_environment, path or "/")
    return {k: v.value for k, v in listed.items()}


def _dotenv_line(key: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{key}="{escaped}"\n'


@contextlib.contextmanager
def dotenv_file(path: Path | None, values: dict[str, str]) -> Iterator[None]:
    """Write ``values`` to a new 0600 file for the duration of the block, then remove it."""
    if path is None:
        yield
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SpecError([Problem("--dotenv", f"{path} already exists; refusing to overwrite it")]) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(_dotenv_line(k, v) for k, v in sorted(values.items()))
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def run_child(
    cmd: list[str], env: dict[str, str], stdin_data: str | None = None, cwd: Path | None = None
) -> int:
    """Run ``cmd``, forwarding signals; return its exit code (128+N if killed by signal N).

    ``stdin_data`` is written to the child's stdin and closed: how secrets reach a child
    without a file or an environment variable.
    """
    try:
        child = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdin=subprocess.PIPE if stdin_data is not None else None, text=True
        )
    except FileNotFoundError:
        raise SpecError([Problem("command", f"{cmd[0]!r} not found")]) from None
    if stdin_data is not None:
        assert child.stdin is not None
        child.stdin.write(stdin_data)
        child.stdin.close()
    previous = {}

    def forward(signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    for sig in FORWARDED:
        previous[sig] = signal.signal(sig, forward)
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code


def run_command(
    project_dir: Path,
    stack: str,
    cmd: list[str],
    *,
    path: str | None,
    worker: str | None,
    dotenv: Path | None,
) -> int:
    if not cmd:
        raise SpecError([Problem("command", "nothing to run: fenod-infra run --stack STAGE -- CMD ARGS...")])
    plan = load_plan(project_dir, stack)
    values = fetch_env(plan, path, worker)
    env = {**os.environ, **values, "STAGE": plan.stage.value}
    with dotenv_file(dotenv, values):
        return run_child(cmd, env)
