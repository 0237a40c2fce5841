"""Adoption of live Cloudflare resources: import-id formats and legacy names, per kind.

One table (:data:`IMPORT_ID_FORMATS`) says what each kind's import id looks like
(the formats pulumi-cloudflare's ``import`` accepts). The account segment must
be this stack's ``fenod:accountId``: importing from another account is always a
mistake. Where the id itself carries the name (R2 buckets, Workers), that name
is the legacy name unless the entry gives one, so an import never renames.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fenod_infra.spec.config import AdoptEntry, AdoptKind
from fenod_infra.spec.errors import Problem

_HEX32 = r"[0-9a-f]{32}"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True)
class ImportIdFormat:
    shape: str
    """Human form shown in errors."""
    pattern: re.Pattern[str]
    """Groups: ``account``, optional ``name`` (the physical name carried by the id)."""


IMPORT_ID_FORMATS: dict[AdoptKind, ImportIdFormat] = {
    AdoptKind.D1: ImportIdFormat("<account_id>/<database_id>", re.compile(rf"(?P<account>{_HEX32})/{_UUID}")),
    AdoptKind.R2: ImportIdFormat(
        "<account_id>/<bucket_name>/<jurisdiction>",
        re.compile(rf"(?P<account>{_HEX32})/(?P<name>[a-z0-9-]{{3,63}})/(default|eu|fedramp)"),
    ),
    AdoptKind.KV: ImportIdFormat(
        "<account_id>/<namespace_id>", re.compile(rf"(?P<account>{_HEX32})/{_HEX32}")
    ),
    AdoptKind.QUEUE: ImportIdFormat(
        "<account_id>/<queue_id>", re.compile(rf"(?P<account>{_HEX32})/{_HEX32}")
    ),
    AdoptKind.WORKER: ImportIdFormat(
        "<account_id>/<script_name>", re.compile(rf"(?P<account>{_HEX32})/(?P<name>[a-z0-9_-]{{1,63}})")
    ),
    AdoptKind.DOMAIN: ImportIdFormat(
        "<account_id>/<domain_id>", re.compile(rf"(?P<account>{_HEX32})/{_HEX32}")
    ),
}


@dataclass(frozen=True)
class Adoption:
    import_id: str
    legacy_name: str | None


def check_adoption(
    kind: AdoptKind, logical: str, entry: AdoptEntry, account_id: str
) -> tuple[Adoption | None, list[Problem]]:
    """Validate one ``fenod:adopt.<kind>.<logical>`` entry against its kind's id format."""
    key = f"fenod:adopt.{kind.value}.{logical}"
    fmt = IMPORT_ID_FORMATS[kind]
    m = fmt.pattern.fullmatch(entry.id)
    if m is None:
        return None, [Problem(key, f"import id {entry.id!r} is not of the form {fmt.shape}")]
    problems: list[Problem] = []
    if m["account"] != account_id:
        problems.append(
            Problem(key, f"import id is in account {m['account']} but fenod:accountId is {account_id}")
        )
    id_name = m.groupdict().get("name")
    if id_name and entry.name and entry.name != id_name:
        problems.append(
            Problem(key, f"name {entry.name!r} disagrees with the name {id_name!r} in the import id")
        )
    return Adoption(entry.id, entry.name or id_name), problems
