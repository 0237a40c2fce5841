"""Offline plan cost: the reference app vs a hand-written pulumi_cloudflare program, and N-Worker apps.

Each measurement is a fresh process (imports included), repeated; prints medians.
Targets: reference/handwritten <= 1.15x; 100 Workers linear and < 5 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONCE = Path(__file__).with_name("_mockrun_once.py")
REPEAT = 5


def measure(project: Path, repeat: int = REPEAT) -> tuple[int, float]:
    times, count = [], 0
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, str(ONCE), str(project)], capture_output=True, text=True, check=True, cwd=ROOT
        )
        n, secs = out.stdout.split()
        count, times = int(n), [*times, float(secs)]
    return count, statistics.median(times)


def synthetic(n: int, dest: Path) -> Path:
    """A staging app of n Workers, each binding a D1 and a KV of its own and three secrets."""
    dest.mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", dest)
    shutil.copytree(ROOT / "workers", dest / "workers")
    shutil.copy(ROOT / "Pulumi.staging.yaml", dest)
    (dest / "__main__.py").write_text(f"""
from fenod_infra import D1, KV, STAGE, App, Secret, Worker

def app():
    stores, workers = [], []
    for i in range({n}):
        db, kv = D1(f"db{{i}}"), KV(f"kv{{i}}")
        stores += [db, kv]
        workers.append(Worker(f"w{{i}}", script="workers/server/index.js", bindings={{"DB": db, "CACHE": kv}},
                              vars={{"STAGE": STAGE}},
                              secrets=[Secret("A"), Secret("B", path="/oauth"), Secret("C")]))
    return App(stores=stores, workers=workers, domains={{"dev": {{}}, "staging": {{}}, "prod": {{}}}})

if __name__ == "__main__":
    from fenod_infra.deploy import deploy
    deploy(app)
""")
    return dest


def main() -> None:
    ref_n, ref = measure(ROOT)
    hand_n, hand = measure(ROOT / "bench" / "handwritten")
    print(f"reference app  : {ref_n:4d} registrations, median {ref:.3f} s")
    print(f"hand-written   : {hand_n:4d} registrations, median {hand:.3f} s")
    print(f"ratio          : {ref / hand:.3f}x (target <= 1.15x)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (10, 50, 100):
            count, secs = measure(synthetic(n, Path(tmp) / f"app{n}"), repeat=3)
            print(f"{n:3d} Workers    : {count:4d} registrations, median {secs:.3f} s")


if __name__ == "__main__":
    main()
