"""``fenod-infra run`` end to end, as a subprocess, against the Infisical double."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CREDENTIAL_CANARIES, secret_canaries
from tests.doubles.infisical import InfisicalDouble
from tests.projects import fenod_cmd, make_project

PRINT_ENV = "import json, os; print(json.dumps({k: v for k, v in os.environ.items()}))"


def fenod(project: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        fenod_cmd(project, *args),
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )  # type: ignore[call-overload]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "app")


def child_env(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_worker_gets_only_its_declared_secrets(project: Path, infisical_env: InfisicalDouble) -> None:
    env = child_env(
        fenod(project, "run", "--stack", "prod", "--worker", "server", "--", sys.executable, "-c", PRINT_ENV)
    )
    assert env["BETTER_AUTH_SECRET"].startswith("canary-auth-secret-prod")
    assert env["GOOGLE_CLIENT_SECRET"] == "canary-google-prod-f00d" and env["STAGE"] == "prod"
    assert "EMAIL_API_KEY" not in env
    staging = child_env(
        fenod(
            project, "run", "-s", "staging", "--worker", "email-worker", "--", sys.executable, "-c", PRINT_ENV
        )
    )
    assert "EMAIL_API_KEY" not in staging  # live-only: never fetched outside prod


def test_path_injects_everything_in_the_folder(project: Path, infisical_env: InfisicalDouble) -> None:
    env = child_env(
        fenod(project, "run", "-s", "prod", "--path", "/email", "--", sys.executable, "-c", PRINT_ENV)
    )
    assert env["EMAIL_API_KEY"] == "canary-email-key-prod-c0ffee"
    assert "BETTER_AUTH_SECRET" not in env


def test_exit_code_passes_through_and_output_has_no_secrets(
    project: Path, infisical_env: InfisicalDouble
) -> None:
    r = fenod(project, "run", "-s", "dev", "--", sys.executable, "-c", "import sys; sys.exit(7)")
    assert r.returncode == 7
    for canary in [*CREDENTIAL_CANARIES, *secret_canaries()]:
        assert canary not in r.stdout + r.stderr


def test_dotenv_is_0600_and_removed_afterwards_even_on_failure(
    project: Path, infisical_env: InfisicalDouble, tmp_path: Path
) -> None:
    dotenv = tmp_path / ".env.local"
    probe = (
        "import os, stat, sys; p = sys.argv[1]; m = stat.S_IMODE(os.stat(p).st_mode);"
        "print(oct(m), open(p).read().count('BETTER_AUTH_SECRET=')); sys.exit(3)"
    )
    r = fenod(
        project, "run", "-s", "dev", "--dotenv", str(dotenv), "--", sys.executable, "-c", probe, str(dotenv)
    )
    assert r.returncode == 3
    assert r.stdout.split() == ["0o600", "1"]
    assert not dotenv.exists()


def test_interrupt_is_forwarded_and_dotenv_removed(
    project: Path, infisical_env: InfisicalDouble, tmp_path: Path
) -> None:
    dotenv, marker = tmp_path / ".env.local", tmp_path / "started"
    script = (
        "import pathlib, signal, sys, time\n"
        "def bye(*_): print('child got SIGINT', flush=True); sys.exit(130)\n"
        "signal.signal(signal.SIGINT, bye)\n"
        f"pathlib.Path({str(marker)!r}).write_text('x')\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen(
        fenod_cmd(project, "run", "-s", "dev", "--dotenv", str(dotenv), "--", sys.executable, "-c", script),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert dotenv.exists()
    proc.send_signal(signal.SIGINT)
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "child got SIGINT" in out
    assert not dotenv.exists()


def test_bad_credentials_one_clean_line(project: Path, infisical_env: InfisicalDouble) -> None:
    env = {**os.environ, "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": "wrong-secret"}
    r = fenod(project, "run", "-s", "dev", "--", "true", env=env)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "refused the universal login" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert infisical_env.count("/api/v1/auth/universal-auth/login") == 1


def test_unknown_environment_and_worker(tmp_path: Path, infisical_env: InfisicalDouble) -> None:
    project = make_project(
        tmp_path / "qa", {"dev": {"fenod:infisical": {"projectId": "proj-1", "environment": "qa"}}}
    )
    r = fenod(project, "run", "-s", "dev", "--", "true")
    assert r.returncode == 2 and "environment 'qa'" in r.stderr and "Traceback" not in r.stderr
    r = fenod(project, "run", "-s", "prod", "--worker", "ghost", "--", "true")
    assert r.returncode == 2 and "unknown worker 'ghost'" in r.stderr


def test_plan_cli_text_and_json(project: Path) -> None:
    r = fenod(project, "plan", "--stack", "prod", "--json")
    assert r.returncode == 0, r.stderr
    rows = {x["logical"]: x for x in json.loads(r.stdout)["resources"]}
    assert rows["d1-main"]["physical"] == "fenod-main-prod" and rows["d1-main"]["retain_on_delete"]
    assert {b["name"]: b.get("value") for b in rows["worker-server"]["bindings"]}[
        "BETTER_AUTH_SECRET"
    ] == "(secret)"
    text = fenod(project, "plan", "--stack", "staging").stdout
    assert "api.staging.example.com -> fenod-server-staging" in text
    bad = fenod(project, "plan", "--stack", "qa")
    assert (
        bad.returncode == 2
        and "use one of: dev, staging, prod" in bad.stderr
        and "Traceback" not in bad.stderr
    )


def test_adopt_edits_round_trip_and_refuses_bad_entries(project: Path) -> None:
    stack = project / "Pulumi.prod.yaml"
    stack.write_text("# prod stack: keep this comment\n" + stack.read_text())
    original = stack.read_text()
    d1 = "0123456789abcdef0123456789abcdef/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    r = fenod(project, "adopt", "-s", "prod", "d1", "main", d1, "--name", "legacy-db")
    assert r.returncode == 0, r.stderr
    text = stack.read_text()
    assert text.startswith("# prod stack: keep this comment\n") and f"id: {d1}" in text
    plan = json.loads(fenod(project, "plan", "-s", "prod", "--json").stdout)
    d1_row = next(x for x in plan["resources"] if x["logical"] == "d1-main")
    assert d1_row["import_id"] == d1 and d1_row["physical"] == "legacy-db"
    for bad in (["d1", "ghost", d1], ["d1", "main", "not-an-id"], ["bucket", "x", "y"]):
        before = stack.read_text()
        r = fenod(project, "adopt", "-s", "prod", *bad)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert stack.read_text() == before
    assert fenod(project, "adopt", "-s", "prod", "d1", "main", "--remove").returncode == 0
    assert stack.read_text() == original
