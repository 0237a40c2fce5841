"""The one table of Cloudflare naming rules, and the ``{app}-{name}-{stage}`` scheme.

Every layer that needs a physical name or a limit reads :data:`NAMING_RULES`:
the deploy layer, the offline plan, and the app/adoption validation.
The limits are the ones Cloudflare enforces at its API (or that break
something downstream, like workers.dev hostnames above 54 characters), checked
here so a bad name fails before any API call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fenod_infra.spec.errors import Problem

_DNS_LIKE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True)
class NamingRule:
    """Limits for one resource kind's physical name."""

    kind: str
    label: str
    min_len: int
    max_len: int
    pattern: re.Pattern[str] | None
    rule: str

    def check(self, name: str) -> str | None:
        """Return why ``name`` breaks this rule, or None if it is fine."""
        if not self.min_len <= len(name) <= self.max_len:
            return f"{self.label} name {name!r} is {len(name)} characters; {self.rule}"
        if self.pattern is not None and not self.pattern.fullmatch(name):
            return f"{self.label} name {name!r} is not allowed; {self.rule}"
        return None


NAMING_RULES: dict[str, NamingRule] = {
    "worker": NamingRule(
        "worker",
        "Worker",
        1,
        54,
        _DNS_LIKE,
        "Worker names are 1-54 of [a-z0-9-] with no leading or trailing '-' "
        "(longer names break <name>.<subdomain>.workers.dev)",
    ),
    "r2": NamingRule(
        "r2",
        "R2 bucket",
        3,
        63,
        _DNS_LIKE,
        "R2 bucket names are 3-63 of [a-z0-9-] with no leading or trailing '-'",
    ),
    "queue": NamingRule(
        "queue",
        "Queue",
        1,
        63,
        _DNS_LIKE,
        "Queue names are 1-63 of [a-z0-9-] with no leading or trailing '-'",
    ),
    "d1": NamingRule(
        "d1",
        "D1 database",
        1,
        64,
        re.compile(r"^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$"),
        "D1 database names are 1-64 of [a-z0-9_-] with no leading or trailing '-' or '_'",
    ),
    "kv": NamingRule(
        "kv",
        "KV namespace",
        1,
        512,
        None,
        "KV namespace titles are 1-512 characters",
    ),
}

APP_NAME_RULE = NamingRule(
    "app",
    "app",
    1,
    30,
    _DNS_LIKE,
    "fenod:app is 1-30 of [a-z0-9-] with no leading or trailing '-'",
)
LOGICAL_NAME_RULE = NamingRule(
    "logical",
    "logical",
    1,
    40,
    _DNS_LIKE,
    "logical names are 1-40 of [a-z0-9-] with no leading or trailing '-'",
)

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def physical_name(app: str, logical: str, stage: str) -> str:
    """``{app}-{name}-{stage}``: the only way a physical name is made from a logical one."""
    return f"{app}-{logical}-{stage}"


def check_name(kind: str, name: str, key: str) -> Problem | None:
    """Check one physical name against the table; the problem is located at ``key``."""
    why = NAMING_RULES[kind].check(name)
    return Problem(key, why) if why else None


def check_hostname(host: str) -> str | None:
    """Why ``host`` is not a usable custom-domain hostname, or None."""
    if len(host) > 253:
        return f"hostname {host!r} is longer than 253 characters"
    labels = host.split(".")
    if len(labels) < 2 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return f"hostname {host!r} is not a lowercase DNS name (labels of [a-z0-9-], 1-63 each)"
    return None


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def is_env_name(name: str) -> bool:
    """Binding and secret names are UPPER_SNAKE_CASE, as Workers code reads ``env.NAME``."""
    return bool(_ENV_NAME.fullmatch(name))
