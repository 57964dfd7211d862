"""The bulk loader and the fingerprint, on a scratch Neo4j of their own (the tests wipe it)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from neo4j import AsyncDriver

from graph.driver import open_driver
from graph.fingerprint import graph_fingerprint
from graph.loader import Batch, delete_all, write_batch
from graph.local_neo4j import LocalNeo4j, free_port
from graph.qr_tokens import new_token
from seeds import AlreadySeededError, seed_demo_county

SMALL = 2_000


@pytest.fixture(scope="module")
async def scratch(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncDriver]:
    """A Neo4j these tests may wipe: SCRATCH_NEO4J_URI, or a throwaway local one."""
    uri = os.environ.get("SCRATCH_NEO4J_URI")
    local = None
    if not uri:
        local = LocalNeo4j(Path(tmp_path_factory.mktemp("scratch-neo4j")), port=free_port(), heap_mb=1024)
        uri = await local.start()
    driver = open_driver(uri)
    try:
        yield driver
    finally:
        await driver.close()
        if local is not None:
            local.stop()


async def test_same_seed_loads_the_same_graph(scratch: AsyncDriver) -> None:
    await delete_all(scratch)
    seen: list[int] = []
    first = await seed_demo_county(scratch, households=SMALL, progress=seen.append)
    assert sum(seen) == SMALL and first.nodes > 8 * SMALL and first.relationships > 15 * SMALL
    tokens_before = await _tokens(scratch)
    fingerprint = await graph_fingerprint(scratch)

    with pytest.raises(AlreadySeededError, match="replace=True"):
        await seed_demo_county(scratch, households=SMALL)

    again = await seed_demo_county(scratch, households=SMALL, replace=True, concurrency=1)
    assert (again.nodes, again.relationships) == (first.nodes, first.relationships)
    assert await graph_fingerprint(scratch) == fingerprint
    tokens_after = await _tokens(scratch)
    assert len(tokens_after) == SMALL + 100 + 7 + 1 and not tokens_before & tokens_after  # random, fresh

    other = await seed_demo_county(scratch, seed=7, households=SMALL, replace=True)
    assert other.households == SMALL
    assert await graph_fingerprint(scratch) != fingerprint


async def test_fingerprint_sees_a_changed_property(scratch: AsyncDriver) -> None:
    await delete_all(scratch)
    await write_batch(scratch, Batch("departments", [{"props": {"code": "DEPT-X", "name": "甲"}}]))
    before = await graph_fingerprint(scratch)
    await scratch.execute_query("MATCH (d:Department {code: 'DEPT-X'}) SET d.name = '乙'")
    assert await graph_fingerprint(scratch) != before
    await delete_all(scratch)


async def test_unknown_batch_kind_is_refused(scratch: AsyncDriver) -> None:
    with pytest.raises(ValueError, match="unknown batch kind"):
        await write_batch(scratch, Batch("nope", [{}]))


def test_qr_tokens_are_long_url_safe_and_fresh() -> None:
    tokens = {new_token() for _ in range(1_000)}
    assert len(tokens) == 1_000
    assert all(len(t) == 24 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


async def _tokens(driver: AsyncDriver) -> set[str]:
    records, _, _ = await driver.execute_query("MATCH (q:QrCode) RETURN q.token AS token")
    return {r["token"] for r in records}
