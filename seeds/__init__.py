"""The demo county: a deterministic, calibrated Jiaokou County (see seeds/README.md)."""

from __future__ import annotations

import asyncio
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from neo4j import AsyncDriver

from graph.aggregates import rebuild_aggregates
from graph.alerts import evaluate_county
from graph.constraints import migrate
from graph.loader import LoadCounts, delete_all, is_seeded, write_batch
from seeds._worker import HEADER_BYTES
from seeds.generator import DEFAULT_HOUSEHOLDS, DEFAULT_SEED, Part, generate, generate_parts
from seeds.plan import Targets

__all__ = [
    "DEFAULT_HOUSEHOLDS",
    "DEFAULT_SEED",
    "AlreadySeededError",
    "SeedReport",
    "generate",
    "generate_parts",
    "seed_demo_county",
]


class AlreadySeededError(RuntimeError):
    """The database already holds a county; pass replace=True to delete it first."""


@dataclass(frozen=True)
class SeedReport:
    seed: int
    households: int
    batches: int
    nodes: int
    relationships: int
    elapsed_s: float  # generating and writing (derived aggregates included), after any deletion
    deleted_s: float = 0.0  # deleting the previous county (replace=True)


async def seed_demo_county(
    driver: AsyncDriver,
    *,
    seed: int = DEFAULT_SEED,
    households: int = DEFAULT_HOUSEHOLDS,
    database: str = "neo4j",
    progress: Callable[[int], object] | None = None,
    replace: bool = False,
    concurrency: int = 2,
) -> SeedReport:
    """Create the constraints if needed, then write the demo county generated from `seed`.

    Refuses a database that already holds a county unless `replace` is true, in which case everything
    (but the schema) is deleted first. `progress` is called with the number of households each write
    completes. Generation runs in a child process (so Python's and Neo4j's CPU work overlap; the pipe
    between them keeps memory bounded for a million households), and up
    to `concurrency` chunks of villages are written at once, each batch in its own transaction.
    The derived aggregates (graph/aggregates.py) are built last, in one transaction, then the alerts."""
    Targets.for_households(households)  # fail fast on an infeasible size
    await migrate(driver, database)
    deleted_s = 0.0
    if await is_seeded(driver, database):
        if not replace:
            raise AlreadySeededError(
                f"database {database!r} already holds a county: pass replace=True to delete it and seed again"
            )
        started = time.perf_counter()
        await delete_all(driver, database)
        deleted_s = time.perf_counter() - started
    started = time.perf_counter()
    counts = LoadCounts()

    async def write_part(part: Part) -> None:
        for batch in part.batches:
            if batch.rows:
                counts.add(await write_batch(driver, batch, database))
        done = sum(b.households for b in part.batches)
        if progress is not None and done:
            progress(done)

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "seeds._worker",
        str(seed),
        str(households),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    errors = asyncio.create_task(process.stderr.read())
    running: set[asyncio.Task[None]] = set()
    try:
        while (part := await _receive(process.stdout)) is not None:
            if not part.independent:
                await _drain(running, 0)
                await write_part(part)
                continue
            await _drain(running, concurrency - 1)
            running.add(asyncio.create_task(write_part(part)))
        await _drain(running, 0)
        if await process.wait() != 0:
            detail = (await errors).decode(errors="replace")[-4000:]
            raise RuntimeError(f"the demo county generator exited with code {process.returncode}:\n{detail}")
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        if process.returncode is None:
            process.kill()
            await process.wait()
        errors.cancel()
        await asyncio.gather(errors, return_exceptions=True)
    await rebuild_aggregates(driver, database)
    await evaluate_county(driver, database)  # so that the demo county has its early warnings
    return SeedReport(
        seed,
        households,
        counts.batches,
        counts.nodes,
        counts.relationships,
        round(time.perf_counter() - started, 2),
        round(deleted_s, 2),
    )


async def _drain(running: set[asyncio.Task[None]], keep: int) -> None:
    """Wait until at most `keep` writers are running; the first failure propagates."""
    while len(running) > keep:
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            running.discard(task)
            task.result()


async def _receive(stream: asyncio.StreamReader) -> Part | None:
    """The next part from the generator process, or None at its end."""
    try:
        header = await stream.readexactly(HEADER_BYTES)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    part = pickle.loads(await stream.readexactly(int.from_bytes(header, "big")))  # our own child's output
    if not isinstance(part, Part):
        raise TypeError(f"unexpected item from the generator: {type(part).__name__}")
    return part
