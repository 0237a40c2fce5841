"""The promotion gates' decisions, without an engine."""

from __future__ import annotations

from fenod_infra.spec import gates

D1 = "cloudflare:index/d1Database:D1Database"
SCRIPT = "cloudflare:index/workersScript:WorkersScript"


def test_last_update_gate() -> None:
    assert gates.last_update("staging", "succeeded", "abc", "abc").ok
    assert "never been updated" in gates.last_update("staging", None, None, "abc").detail
    assert "failed" in gates.last_update("staging", "failed", "abc", "abc").detail
    mismatch = gates.last_update("staging", "succeeded", "abc", "def")
    assert not mismatch.ok and "'abc'" in mismatch.detail and "'def'" in mismatch.detail
    assert not gates.last_update("staging", "succeeded", "abc-dirty", "abc-dirty").ok


def test_converged_gate() -> None:
    assert gates.converged("staging", {"same": 12}).ok
    r = gates.converged("staging", {"same": 10, "update": 2})
    assert not r.ok and "2 update" in r.detail


def test_parity_gate_lists_every_difference() -> None:
    top = {"stores": ["d1:main"], "workers": {"server": {"bindings": {"DB": "d1:main"}}}}
    assert gates.parity(top, top).ok
    other = {"stores": ["d1:main", "kv:cache"], "workers": {"server": {"bindings": {}}}}
    r = gates.parity(top, other)
    assert not r.ok and "stores" in r.detail and "workers.server.bindings.DB: only in source" in r.detail
    assert not gates.parity(None, top).ok


def test_secrets_gate_names_keys_only() -> None:
    assert gates.secrets_complete("prod", {"prod:/": []}).ok
    r = gates.secrets_complete("prod", {"prod:/email": ["EMAIL_API_KEY"], "prod:/": []})
    assert not r.ok and "prod:/email: EMAIL_API_KEY" in r.detail


def test_destruction_gate() -> None:
    safe = [gates.Step("update", SCRIPT, "worker-server", True), gates.Step("create", D1, "d1-new", False)]
    assert gates.no_destruction("prod", safe).ok
    assert not gates.no_destruction("prod", [gates.Step("replace", D1, "d1-main", False)]).ok
    assert not gates.no_destruction("prod", [gates.Step("delete", SCRIPT, "worker-old", True)]).ok
    assert gates.no_destruction("prod", [gates.Step("delete", SCRIPT, "worker-old", False)]).ok
    failed = gates.no_destruction("prod", [], "error: cannot replace protected resource")
    assert not failed.ok and "protected" in failed.detail
