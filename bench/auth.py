"""Benchmark: what authentication, authorization (masking) and the audit add to a scan.

Serves two apps over the same Neo4j and demo county: the foundation's (the last commit before roles,
extracted with `git archive`: no tokens, no masking, no audit) and this checkout's, and times the scan
page's query through each over loopback, one request at a time, in interleaved rounds: the foundation
with no credentials, then this code as an anonymous caller, as a CADRE in scope (a Bearer JWT verified on
every request, the full card, an audit record per scan) and as an ADMIN. The scan rate limiter is on (with
a limit no run reaches), so its cost is counted too. Target: p50 at most 1.15x the foundation's.

Usage: python -m bench.auth [--scans N] [--rounds N] [--baseline REV]; TEST_NEO4J_URI to use a seeded Neo4j.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from api.auth import mint_token
from api.scan_page import SCAN_QUERY
from bench.common import ROOT, ensure_seeded, neo4j, percentile, serving
from graph.access import Role, Viewer
from graph.driver import open_driver

FOUNDATION = "73d6218"  # "Seams for the write side": roles existed in name only, every caller was an ADMIN
SECRET = "bench-secret-0123456789-0123456789-0123456789"


async def scan_tokens(uri: str, count: int = 200) -> tuple[list[str], list[str]]:
    """Household QR tokens to scan, and the township codes a cadre needs to have them all in scope."""
    driver = open_driver(uri)
    try:
        records, _, _ = await driver.execute_query(
            """MATCH (q:QrCode)-[:IDENTIFIES]->(:Household {registeredPoor: true})-[:IN]->(:Village)-[:IN]->(t:Township)
            WHERE q.revokedAt IS NULL RETURN q.token AS token, t.code AS township LIMIT $count""",
            count=count,
        )
    finally:
        await driver.close()
    return [r["token"] for r in records], sorted({r["township"] for r in records})


def extract(revision: str, into: Path) -> Path:
    """The checkout of `revision`, as files (git archive: the repository is left as it is)."""
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def scanner(client: httpx.Client, tokens: list[str], headers: dict[str, str]) -> Callable[[int], float]:
    def scan(i: int) -> float:
        started = time.perf_counter()
        response = client.post(
            "/graphql", json={"query": SCAN_QUERY, "variables": {"token": tokens[i % len(tokens)]}}, headers=headers
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200 and response.json()["data"]["scan"] is not None, response.text[:300]
        return elapsed

    return scan


def bench(uri: str, scans: int, rounds: int, baseline: str) -> None:
    asyncio.run(ensure_seeded(uri))
    tokens, townships = asyncio.run(scan_tokens(uri))
    cadre = Viewer(Role.CADRE, "bench-cadre", townships=frozenset(townships))
    headers = {
        "anonymous": {},
        "CADRE in scope": {"Authorization": "Bearer " + mint_token(SECRET, cadre, ttl_s=3600)},
        "ADMIN": {"Authorization": "Bearer " + mint_token(SECRET, Viewer(Role.ADMIN, "bench-admin"), ttl_s=3600)},
    }
    with tempfile.TemporaryDirectory() as workdir:
        old_root = extract(baseline, Path(workdir) / "foundation")
        settings = {"JWT_SECRET": SECRET, "SCAN_RATE_LIMIT": "100000000", "DATA_DIR": str(Path(workdir) / "data")}
        with serving(uri, root=old_root) as old, serving(uri, settings=settings) as new:
            runs = {f"foundation {baseline}, no auth": scanner(old, tokens, {})}
            runs |= {f"now, {name}": scanner(new, tokens, h) for name, h in headers.items()}
            samples: dict[str, list[float]] = {name: [] for name in runs}
            for run in runs.values():  # warm up the caches, the JIT and the connection
                for i in range(100):
                    run(i)
            for _ in range(rounds):  # interleaved, so that drift on a shared machine hits every run alike
                for name, run in runs.items():
                    samples[name] += [run(i) for i in range(scans // rounds)]
    base = statistics.median(next(iter(samples.values())))
    print(f"scan (the scan page's query, {scans} sequential requests per run over loopback, {rounds} rounds)")
    for name, latencies in samples.items():
        median = statistics.median(latencies)
        print(
            f"  {name:32s} p50 {median:6.2f} ms  p99 {percentile(latencies, 0.99):6.2f} ms  "
            f"p50 {median / base:4.2f}x the foundation's"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", default=FOUNDATION, help="the revision without roles to compare with")
    args = parser.parse_args()
    with neo4j(os.environ.get("TEST_NEO4J_URI")) as uri:
        bench(uri, args.scans, args.rounds, args.baseline)


if __name__ == "__main__":
    main()
