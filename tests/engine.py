"""Harness for running the real Pulumi engine against the test doubles.

The offline settings (file backend in a temp dir, passphrase, PULUMI_HOME, no update
checks, no plugin downloads) live here, in the test harness, not in users' workflow.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import CANARY_CLIENT_ID, CANARY_CLIENT_SECRET, ROOT
from tests.projects import make_project

TOOLS_BIN = ROOT / ".tools" / "bin"
DOUBLES_BIN = ROOT / "tests" / "doubles" / "bin"
PASSPHRASE = "canary-passphrase-e2e-71b3"
CF_TOKEN = "canary-cloudflare-token-0a9f"


def pulumi_binary() -> Path | None:
    """.tools/bin/pulumi (scripts/install-pulumi), else a normally installed pulumi on PATH."""
    candidate = TOOLS_BIN / "pulumi"
    if candidate.exists():
        return candidate
    found = shutil.which("pulumi")
    return Path(found) if found else None


@dataclass
class Engine:
    root: Path
    infisical_url: str
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.project = self.root / "app"
        if not self.project.exists():
            make_project(self.project)
            (self.project / ".venv").symlink_to(ROOT / ".venv")
        (self.root / "state").mkdir(exist_ok=True)
        (self.root / "home").mkdir(exist_ok=True)
        self.account_file = self.root / "cloudflare-account.json"

    def env(self) -> dict[str, str]:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("INFISICAL_", "PULUMI_", "FENOD_", "CLOUDFLARE_")) and k != "STAGE"
        }
        return {
            **keep,
            "PATH": os.pathsep.join(
                [str(TOOLS_BIN), str(DOUBLES_BIN), str(ROOT / ".venv" / "bin"), keep.get("PATH", "")]
            ),
            "PULUMI_HOME": str(self.root / "home"),
            "PULUMI_BACKEND_URL": f"file://{self.root / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
            "FENOD_CF_ACCOUNT": str(self.account_file),
            "CLOUDFLARE_API_TOKEN": CF_TOKEN,
            "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": CANARY_CLIENT_ID,
            "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": CANARY_CLIENT_SECRET,
            "INFISICAL_HOST": self.infisical_url,
            "FENOD_GIT_COMMIT": "e2e-commit",
            **self.extra_env,
        }

    def pulumi(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(pulumi_binary()), *args, "--non-interactive"],
            cwd=self.project,
            env={**self.env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"pulumi {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def init(self, stack: str) -> None:
        if self.pulumi("stack", "select", stack, check=False).returncode != 0:
            self.pulumi("stack", "init", stack)

    def up(self, stack: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        self.init(stack)
        return self.pulumi("up", "-s", stack, "--yes", "--skip-preview", **kw)

    def preview(self, stack: str, *extra: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        self.init(stack)
        return self.pulumi("preview", "-s", stack, *extra, **kw)

    def export(self, stack: str) -> str:
        return self.pulumi("stack", "export", "-s", stack).stdout

    def kill_strays(self) -> int:
        """Kill processes left running from this engine's temp tree (a SIGKILLed CLI cannot stop its
        plugins; the SDK's dynamic-provider process, for one, outlives it). Returns how many."""
        killed = 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(self.root) in cmdline:
                with contextlib.suppress(OSError):
                    os.kill(int(proc.name), signal.SIGKILL)
                    killed += 1
        return killed

    def account(self) -> dict[str, Any]:
        return (
            json.loads(self.account_file.read_text())
            if self.account_file.exists()
            else {"resources": {}, "ops": []}
        )

    def seed(self, typ: str, rid: str, props: dict[str, Any]) -> None:
        data = self.account()
        data["resources"].setdefault(typ, {})[rid] = {**props, "id": rid}
        self.account_file.write_text(json.dumps(data))
