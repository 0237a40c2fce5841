"""Wall time of a real `pulumi preview -s staging`: reference app vs hand-written program (target <= 1.3x),
and the dynamic provider's share (same app in `sync` mode has no Infisical resources).

Needs scripts/install-pulumi. Uses the test harness (file backend, stand-in Cloudflare plugin,
Infisical double); the stack is deployed first so previews diff against real state.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CANARY_CLIENT_ID, CANARY_CLIENT_SECRET, REFERENCE_SECRETS  # noqa: E402
from tests.doubles.infisical import InfisicalDouble  # noqa: E402
from tests.engine import Engine  # noqa: E402

REPEAT = 3


def timed_previews(engine: Engine) -> float:
    engine.up("staging")
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        engine.preview("staging")
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    d = InfisicalDouble(client_id=CANARY_CLIENT_ID, client_secret=CANARY_CLIENT_SECRET)
    for (path, key), value in REFERENCE_SECRETS.items():
        d.set("staging", path, key, value.format(env="staging"))
    d.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ref = Engine(Path(tmp) / "ref", d.url)
            ref_t = timed_previews(ref)

            sync = Engine(Path(tmp) / "sync", d.url)
            f = sync.project / "Pulumi.staging.yaml"
            f.write_text(f.read_text() + "  fenod:secrets:\n    mode: sync\n")
            sync_t = timed_previews(sync)

            hand = Engine(Path(tmp) / "hand", d.url)
            for p in hand.project.iterdir():
                if p.name not in (".venv", "Pulumi.yaml", "Pulumi.staging.yaml"):
                    shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
            shutil.copytree(ROOT / "workers", hand.project / "workers")
            src = (
                (ROOT / "bench" / "handwritten" / "__main__.py")
                .read_text()
                .replace("../../workers", "workers")
            )
            (hand.project / "__main__.py").write_text(src)
            (hand.project / "Pulumi.staging.yaml").write_text("config: {}\n")
            hand_t = timed_previews(hand)
    finally:
        d.stop()
    print(f"pulumi preview -s staging, median of {REPEAT} (after an up):")
    print(f"  reference app            : {ref_t:.2f} s")
    print(f"  hand-written program     : {hand_t:.2f} s   ratio {ref_t / hand_t:.2f}x (target <= 1.3x)")
    print(
        f"  reference app, sync mode : {sync_t:.2f} s   dynamic provider share ~{ref_t - sync_t:.2f} s "
        f"({(ref_t - sync_t) / ref_t:.0%})"
    )


if __name__ == "__main__":
    main()
