"""Serve a Pulumi plugin's gRPC service the way the engine expects: print the port, exit on signal.

Shared by the language-host stand-in (tools/langhost.py) and the Cloudflare provider test
double (tests/doubles/cloudflare_plugin.py): both are executables the engine launches.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent import futures
from threading import Event
from typing import Any

import grpc


def serve(
    add_servicer: Callable[[Any, grpc.Server], None],
    servicer: Any,
    workers: int = 4,
    on_exit: Callable[[], None] = lambda: None,
) -> None:
    """Serve until the engine stops us (signal) or dies (we are orphaned); ``on_exit`` runs first."""

    def leave(*_: object) -> None:
        on_exit()
        os._exit(0)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    add_servicer(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    # The engine stops plugins with SIGINT/SIGTERM when it is done: exit quietly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, leave)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(), leave), daemon=True).start()
    Event().wait()


def _exit_with_parent(parent: int, leave: Callable[[], None]) -> None:
    """A killed engine cannot stop its plugins; they must notice the orphaning and go."""
    while os.getppid() == parent:
        time.sleep(0.5)
    leave()
