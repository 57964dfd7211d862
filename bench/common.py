"""What the benchmark scripts share: timing and percentiles, a Neo4j holding the demo county, and the real
server on a free port."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from graph.constraints import migrate
from graph.driver import Graph, open_driver
from graph.local_neo4j import LocalNeo4j, free_port
from graph.places import county_exists
from seeds import seed_demo_county

ROOT = Path(__file__).resolve().parent.parent


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds per run of `action`."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(samples: list[float]) -> str:
    median = statistics.median(samples)
    return f"p50 {median:8.2f} ms  p99 {percentile(samples, 0.99):8.2f} ms  {1000 / median:7.1f}/s"


@contextmanager
def neo4j(uri: str | None) -> Iterator[str]:
    """The Neo4j at `uri`, or a throwaway local one started here."""
    if uri:
        yield uri
        return
    with tempfile.TemporaryDirectory() as data_dir:
        local = LocalNeo4j(data_dir=Path(data_dir), port=free_port())
        asyncio.run(local.start())
        try:
            yield local.uri
        finally:
            local.stop()


async def ensure_seeded(uri: str) -> None:
    """Migrate, and seed the demo county unless the database holds a county already."""
    driver = open_driver(uri)
    try:
        await migrate(driver)
        if not await Graph(driver).read(county_exists):
            await seed_demo_county(driver)
    finally:
        await driver.close()


@contextmanager
def serving(uri: str, *, root: Path = ROOT, settings: Mapping[str, str] | None = None) -> Iterator[httpx.Client]:
    """`yimaqing serve` (from the checkout at `root`) over the Neo4j at `uri`, on a free port, with
    `settings` as environment variables; a client for it once it is ready. Scans are not rate limited
    unless SCAN_RATE_LIMIT is given: a benchmark scans far more than a phone."""
    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": uri,
        "PORT": str(port),
        "SEED_DEMO": "false",
        "LOG_LEVEL": "warning",
        "SCAN_RATE_LIMIT": "0",
        **(settings or {}),
    }
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], env=env, cwd=root)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            _wait_ready(client)
            yield client
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_ready(client: httpx.Client) -> None:
    for _ in range(300):
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")
