"""Import time of the dynamic provider module (target < 0.3 s), in fresh processes, vs `import pulumi`."""

from __future__ import annotations

import statistics
import subprocess
import sys

CASES = {
    "import pulumi (floor)": "import pulumi",
    "import fenod_infra.secrets.provider": "import fenod_infra.secrets.provider",
    "import pulumi_cloudflare (avoided)": "import pulumi_cloudflare",
}


def once(stmt: str) -> float:
    code = f"import time; t=time.perf_counter(); {stmt}; print(time.perf_counter()-t)"
    return float(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )


def main() -> None:
    for label, stmt in CASES.items():
        times = [once(stmt) for _ in range(7)]
        print(f"{label:40s} median {statistics.median(times):.3f} s  (min {min(times):.3f})")
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, fenod_infra.secrets.provider as p; print('pulumi_cloudflare' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"provider module pulls in pulumi_cloudflare: {loaded.stdout.strip()}")


if __name__ == "__main__":
    main()
