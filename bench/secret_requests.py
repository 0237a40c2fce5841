"""Requests and time per deployment for Infisical reads, against the double with 20 ms added latency.

Ours: the dynamic provider's check + create per (environment, path), as in one `pulumi up`.
Naive: one login, then one request per (Worker, key). Prints request counts and wall time.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fenod_infra.secrets import provider as prov
from fenod_infra.secrets.client import InfisicalClient
from fenod_infra.secrets.credentials import Credentials
from tests.doubles.infisical import InfisicalDouble

LATENCY = 0.020


def scenario(d: InfisicalDouble, workers: dict[str, list[tuple[str, str]]]) -> None:
    groups: dict[str, set[str]] = {}
    for needs in workers.values():
        for path, key in needs:
            d.set("prod", path, key, f"value-{path}-{key}")
            groups.setdefault(path, set()).add(key)
    os.environ.update(
        {"INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": "cid", "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": "csecret"}
    )

    d.log.clear()
    prov.reset_process_cache()
    t = time.perf_counter()
    p = prov.InfisicalSecretsProvider()
    for path, keys in groups.items():
        props = {
            "project_id": "proj-1",
            "environment": "prod",
            "path": path,
            "keys": sorted(keys),
            "site_url": d.url,
            "auth": "universal",
        }
        p.check({}, props)
        p.create(props)
    ours_t, ours_n = time.perf_counter() - t, len(d.log)
    logins = d.count("/api/v1/auth/universal-auth/login")

    d.log.clear()
    t = time.perf_counter()
    with InfisicalClient(d.url, Credentials("universal", client_id="cid", client_secret="csecret")) as c:
        for needs in workers.values():
            for path, key in needs:
                c.fetch("proj-1", "prod", path, [key])
    naive_t, naive_n = time.perf_counter() - t, len(d.log)
    print(
        f"  ours : {ours_n:4d} requests ({logins} login + {ours_n - logins} lists for {len(groups)} "
        f"(env, path) groups), {ours_t * 1000:7.1f} ms"
    )
    print(f"  naive: {naive_n:4d} requests, {naive_t * 1000:7.1f} ms  ->  {naive_t / ours_t:.1f}x slower")


def main() -> None:
    d = InfisicalDouble(latency=LATENCY).start()
    try:
        print(f"reference app (prod), {LATENCY * 1000:.0f} ms latency per request:")
        scenario(
            d,
            {
                "server": [
                    ("/", "BETTER_AUTH_SECRET"),
                    ("/oauth", "GOOGLE_CLIENT_SECRET"),
                    ("/oauth", "GITHUB_CLIENT_SECRET"),
                ],
                "email-worker": [("/email", "EMAIL_API_KEY")],
            },
        )
        print("50 Workers x 10 secrets (5 paths):")
        scenario(d, {f"w{i}": [(f"/p{k % 5}", f"KEY_{i}_{k}") for k in range(10)] for i in range(50)})
    finally:
        d.stop()


if __name__ == "__main__":
    main()
