"""Benchmark: exporting the whole county streams with flat memory.

1. In process: the registry (graph/export.py) of every household encoded as CSV lines (then dropped), with
   tracemalloc's live and peak Python allocations every 10,000 rows.
2. Served: `yimaqing serve` over the same Neo4j, the whole county downloaded as the registry in CSV and
   XLSX (an ADMIN) and as the `households` connection in CSV (an ANALYST), with the server's resident
   memory (VmRSS) sampled twice a second, the time to the first byte and in all.

Usage: python -m bench.export   (TEST_NEO4J_URI: a seeded county; else a local Neo4j is started and seeded)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from api.auth import mint_token
from api.registry_files import csv_line
from bench.common import ensure_seeded, neo4j, serving
from graph.access import Role, Viewer
from graph.driver import Graph, open_driver
from graph.export import registry_rows
from graph.households import HouseholdFilter

SECRET = "bench-export-secret-0123456789abcdefghijkl"
MB = 1 << 20


async def in_process(uri: str) -> None:
    driver = open_driver(uri)
    tracemalloc.start()
    started, rows, size, marks = time.perf_counter(), -1, 0, []
    try:
        async for row in registry_rows(Graph(driver), HouseholdFilter()):
            size += len(csv_line(row).encode())  # encoded as a download would be, then dropped
            rows += 1
            if rows and rows % 10_000 == 0:
                marks.append(f"{tracemalloc.get_traced_memory()[0] / MB:.1f}")
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
        await driver.close()
    elapsed = time.perf_counter() - started
    print(f"registry in process: {rows} person rows, {size / MB:.1f} MB of CSV in {elapsed:.1f} s (traced)")
    print(f"  live Python allocations every 10,000 rows (MB): {', '.join(marks)}; peak {peak:.1f} MB")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def served(uri: str) -> None:
    admin = {"Authorization": "Bearer " + mint_token(SECRET, Viewer(Role.ADMIN, "bench-admin"), ttl_s=7200)}
    analyst = {"Authorization": "Bearer " + mint_token(SECRET, Viewer(Role.ANALYST, "bench-analyst"), ttl_s=7200)}
    with tempfile.TemporaryDirectory() as workdir:
        settings = {"JWT_SECRET": SECRET, "DATA_DIR": str(Path(workdir) / "data")}
        with serving(uri, settings=settings) as client:
            pid = _server_pid()
            client.get("/export/households.csv", headers=analyst, params={"filter": '{"sizeMax": 1}'})  # warm up
            print(f"served (server RSS after warm-up {rss_mb(pid):.0f} MB)")
            for path, headers in (
                ("/export/registry.csv", admin),
                ("/export/registry.xlsx", admin),
                ("/export/households.csv", analyst),
            ):
                sampler = RssSampler(pid)
                sampler.start()
                started, first, size = time.perf_counter(), 0.0, 0
                with client.stream("GET", path, headers=headers, timeout=1800) as response:
                    response.raise_for_status()
                    for chunk in response.iter_bytes():
                        first = first or time.perf_counter() - started
                        size += len(chunk)
                elapsed = time.perf_counter() - started
                samples = sampler.stop()
                print(
                    f"  {path:24s} {size / MB:5.1f} MB in {elapsed:6.1f} s (first byte {first:5.1f} s); server RSS "
                    f"min {min(samples):.0f} / median {statistics.median(samples):.0f} / max {max(samples):.0f} MB"
                )


class RssSampler(threading.Thread):
    """A process's VmRSS twice a second, until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.samples.append(rss_mb(self.pid))

    def stop(self) -> list[float]:
        self.done.set()
        self.join()
        return self.samples or [rss_mb(self.pid)]


def _server_pid() -> int:
    """The `yimaqing serve` child of this process."""
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    return int(children[-1])


def main() -> None:
    with neo4j(os.environ.get("TEST_NEO4J_URI")) as uri:
        asyncio.run(ensure_seeded(uri))
        asyncio.run(in_process(uri))
        served(uri)


if __name__ == "__main__":
    main()
