"""``fenod-infra adopt``: add or remove a ``fenod:adopt`` entry in a stack file, keeping its comments.

Used when migrating a live project, and to recover from an interrupted ``up`` that created a
resource Cloudflare now has but Pulumi never recorded (the next ``up`` then fails with
"already exists"): adopt it, ``pulumi up``, then ``adopt --remove`` the entry. The file is
edited round-trip with ruamel.yaml, so comments and ordering survive, and the entry is
validated with the same rules the program applies before it is written.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from fenod_infra.cli.appload import load_plan
from fenod_infra.cli.stackfile import read_stack_config
from fenod_infra.spec.config import AdoptKind
from fenod_infra.spec.errors import Problem, SpecError
from fenod_infra.spec.stages import parse_stage

KEY = "fenod:adopt"


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never fold a long import id onto a continuation line
    return yaml


def adopt(
    project_dir: Path,
    stack: str,
    kind: str,
    logical: str,
    import_id: str | None,
    name: str | None = None,
    remove: bool = False,
) -> str:
    """Edit ``Pulumi.<stack>.yaml``; returns a one-line summary. Refuses entries the program would refuse."""
    stage = parse_stage(stack)
    try:
        adopt_kind = AdoptKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in AdoptKind)
        raise SpecError([Problem("kind", f"{kind!r} is not an adoptable kind ({allowed})")]) from None
    path = project_dir / f"Pulumi.{stage.value}.yaml"
    read_stack_config(project_dir, stage.value)  # clear errors for a missing or broken file
    yaml = _yaml()
    doc: Any = yaml.load(path.read_text(encoding="utf-8")) or CommentedMap()
    config = doc.setdefault("config", CommentedMap())
    entries = config.setdefault(KEY, CommentedMap())
    by_kind = entries.setdefault(adopt_kind.value, CommentedMap())
    if remove:
        if logical not in by_kind:
            raise SpecError([Problem(f"{KEY}.{kind}.{logical}", "no such entry")])
        del by_kind[logical]
        if not by_kind:
            del entries[adopt_kind.value]
        if not entries:
            del config[KEY]
        summary = f"removed {KEY}.{kind}.{logical} from {path.name}"
    else:
        if not import_id:
            raise SpecError([Problem("import_id", "required unless --remove")])
        entry: Any = import_id
        if name:
            entry = CommentedMap([("id", import_id), ("name", name)])
        by_kind[logical] = entry
        summary = f"set {KEY}.{kind}.{logical} in {path.name}"
    _write_validated(project_dir, stage.value, path, yaml, doc)
    return summary


def _write_validated(project_dir: Path, stack: str, path: Path, yaml: YAML, doc: Any) -> None:
    """Write the edit, validate the stack exactly as the program would, and restore on any problem."""
    original = path.read_text(encoding="utf-8")
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        load_plan(project_dir, stack)  # reads, validates and resolves exactly as the program does
    except SpecError:
        path.write_text(original, encoding="utf-8")
        raise
