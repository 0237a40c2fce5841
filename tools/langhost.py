"""STAND-IN for Pulumi's Python language host (``pulumi-language-python``), used on machines
where the real one cannot be installed.

Why it exists: this workplace reaches the Go module proxy, which serves the Pulumi
CLI (``pkg/v3``) but refuses the ``sdk/python/cmd/pulumi-language-python`` module,
so the real Go language host cannot be built here. This stand-in implements the
``LanguageRuntime`` gRPC contract the engine speaks, and runs programs exactly
the way the real host does: it sets ``PULUMI_CONFIG``/``PULUMI_CONFIG_SECRET_KEYS``
and executes the SDK's own ``pulumi-language-python-exec`` with the engine's
arguments, using the project's ``virtualenv`` runtime option. Users who install
Pulumi normally get the real host and never run this file.

Deliberately not implemented (UNIMPLEMENTED to the engine): code generation,
packing, linking, templates, policy packs, debugging.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format
from plugin_server import serve
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

EXEC = Path(__file__).resolve().parent.parent / ".tools" / "bin" / "pulumi-language-python-exec"
USER_ACTIONABLE = 32


def _options(info: Any) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def _python(root: str, options: dict[str, Any]) -> str:
    venv = options.get("virtualenv")
    if venv:
        path = Path(venv) if os.path.isabs(venv) else Path(root) / venv
        candidate = path / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return os.environ.get("PULUMI_PYTHON_CMD", sys.executable)


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.children: set[subprocess.Popen[bytes]] = set()

    def kill_children(self) -> None:
        """Called on exit: a program must not outlive its host (e.g. when the engine was killed)."""
        for child in list(self.children):
            child.kill()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return plugin_pb2.PluginInfo(version="3.276.0")

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.GetRequiredPackagesResponse()

    def InstallDependencies(self, request: Any, context: Any) -> Any:  # noqa: N802
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"dependencies are installed by the project's venv\n"
        )

    def About(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.AboutResponse(executable=sys.executable, version=sys.version.split()[0])

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.GetProgramDependenciesResponse()

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.RuntimeOptionsResponse()

    def Run(self, request: Any, context: Any) -> Any:  # noqa: N802
        root = request.info.root_directory or request.pwd
        options = _options(request.info)
        program = request.info.entry_point or request.program or "."
        program_path = (
            program
            if os.path.isabs(program)
            else os.path.join(request.info.program_directory or root, program)
        )
        env = dict(os.environ)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        args = [
            _python(root, options),
            "-u",
            str(EXEC),
            "--monitor",
            request.monitor_address,
            "--engine",
            self.engine,
            "--project",
            request.project,
            "--stack",
            request.stack,
            "--pwd",
            request.pwd,
            "--dry_run",
            "true" if request.dryRun else "false",
            "--parallel",
            str(request.parallel or 1),
            "--organization",
            request.organization,
            "--root_directory",
            root,
            program_path,
            *request.args,
        ]
        child = subprocess.Popen(args, env=env, cwd=request.pwd or root)
        self.children.add(child)
        try:
            code = child.wait()
        finally:
            self.children.discard(child)
        if code == 0:
            return language_pb2.RunResponse()
        if code == USER_ACTIONABLE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"Program exited with non-zero exit code: {code}")

    def Cancel(self, request: Any, context: Any) -> Any:  # noqa: N802
        return empty_pb2.Empty()


def main() -> None:
    engine = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
    host = LanguageHost(engine)
    serve(
        language_pb2_grpc.add_LanguageRuntimeServicer_to_server, host, workers=4, on_exit=host.kill_children
    )


if __name__ == "__main__":
    main()
