"""The ``fenod-infra`` command: parse arguments, call one layer, turn user errors into one clean line.

User errors (bad config, bad credentials, unknown stage) exit 2 with a message
and no traceback; anything else is a bug and is allowed to show one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fenod_infra.spec.errors import SpecError

EXIT_USER_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fenod-infra", description=__doc__)
    p.add_argument("--project-dir", type=Path, default=Path.cwd(), help="directory holding Pulumi.yaml")
    sub = p.add_subparsers(dest="command", required=True)

    plan = sub.add_parser("plan", help="show offline what a stage would deploy")
    plan.add_argument("--stack", "-s", required=True)
    plan.add_argument("--json", action="store_true")

    run = sub.add_parser("run", help="run a command with a stage's secrets in its environment")
    run.add_argument("--stack", "-s", required=True)
    run.add_argument("--path", default=None, help="Infisical folder to inject (all its secrets)")
    run.add_argument("--worker", default=None, help="inject exactly this Worker's declared secrets")
    run.add_argument(
        "--dotenv", type=Path, default=None, help="also write a 0600 dotenv file, removed afterwards"
    )
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- CMD ARGS...")

    adopt = sub.add_parser("adopt", help="add (or --remove) a fenod:adopt entry in a stack file")
    adopt.add_argument("--stack", "-s", required=True)
    adopt.add_argument("kind", help="d1, r2, kv, queue, worker or domain")
    adopt.add_argument("logical", help="logical name in __main__.py (a hostname for domains)")
    adopt.add_argument("import_id", nargs="?", help="Cloudflare import id, e.g. <account_id>/<database_id>")
    adopt.add_argument("--name", default=None, help="legacy physical name to keep")
    adopt.add_argument("--remove", action="store_true", help="remove the entry once the import has landed")

    promote = sub.add_parser("promote", help="gate, then deploy the source stage's commit to the target")
    promote.add_argument("--from", dest="source", default="staging")
    promote.add_argument("--to", dest="target", default="prod")
    promote.add_argument("--dry-run", action="store_true", help="run and report the gates only")

    dev = sub.add_parser("dev", help="run the stage's Workers locally in Miniflare with their secrets")
    dev.add_argument("--stack", "-s", default="dev")
    dev.add_argument("--port", type=int, default=8787)

    types = sub.add_parser("types", help="print the TypeScript Env interface of each Worker")
    types.add_argument("--stack", "-s", default="dev")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    project_dir = args.project_dir.resolve()
    try:
        if args.command == "plan":
            from fenod_infra.cli.plan import plan

            print(plan(project_dir, args.stack, args.json))
            return 0
        if args.command == "run":
            from fenod_infra.cli.run import run_command

            cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
            return run_command(
                project_dir, args.stack, cmd, path=args.path, worker=args.worker, dotenv=args.dotenv
            )
        if args.command == "adopt":
            from fenod_infra.cli.adopt import adopt

            print(
                adopt(
                    project_dir, args.stack, args.kind, args.logical, args.import_id, args.name, args.remove
                )
            )
            return 0
        if args.command == "promote":
            from fenod_infra.cli.promote import promote_command

            return promote_command(project_dir, args.source, args.target, args.dry_run)
        if args.command == "dev":
            from fenod_infra.cli.dev import dev_command

            return dev_command(project_dir, args.stack, args.port)
        if args.command == "types":
            from fenod_infra.cli.types import types

            print(types(project_dir, args.stack))
            return 0
    except SpecError as e:
        print(f"fenod-infra: {e.render()}", file=sys.stderr)
        return EXIT_USER_ERROR
    except _user_errors() as e:
        print(f"fenod-infra: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    raise AssertionError(f"unhandled command {args.command}")


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can cause and fix; imported only on the error path, so commands start fast."""
    from fenod_infra.secrets.client import InfisicalError
    from fenod_infra.secrets.credentials import CredentialsError

    errors: list[type[BaseException]] = [InfisicalError, CredentialsError]
    import pulumi
    from pulumi import automation

    errors += [pulumi.RunError, automation.CommandError]
    return tuple(errors)
