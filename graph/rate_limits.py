"""The scan rate limit per client: `limit` units per fixed window of `window_s` seconds (a scan costs one
unit; an unknown token one more), shared by every worker through Neo4j.

Each worker decides at once from its own count plus what the other workers had counted at the last sync,
and syncs every second or so (the audit writer's beat): it adds its new units to a `:RateWindow` node per
client and window and reads back the total. So the workers together may overshoot the limit by what they
count between two syncs, never more; a single worker is exact. Windows are deleted once past."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from neo4j import AsyncManagedTransaction

from graph.driver import Graph

SYNC_WINDOWS = """
UNWIND $deltas AS d
MERGE (w:RateWindow {key: d.key})
ON CREATE SET w.count = 0, w.endsAt = d.endsAt
SET w.count = w.count + d.delta
RETURN w.key AS key, w.count AS count"""

FORGET_PAST_WINDOWS = """
MATCH (w:RateWindow) WHERE w.endsAt < $now
WITH w LIMIT 10000
DELETE w"""


@dataclass
class _Window:
    index: int
    own: int = 0  # units this worker counted in the window
    synced: int = 0  # of which already added to the shared count
    others: int = 0  # units the other workers had counted, as of the last sync


class ScanLimiter:
    """`limit` units per client and window; `charge` answers at once, `sync` shares the counts."""

    def __init__(self, graph: Graph, *, limit: int, window_s: float) -> None:
        self.graph = graph
        self.limit = limit
        self.window_s = window_s
        self._windows: dict[str, _Window] = {}

    def charge(self, client: str, units: int = 1, *, always: bool = False) -> float | None:
        """Counts `units` for the client and returns None, or, when that would exceed the limit, counts
        nothing and returns the seconds until the window ends. `always` counts even past the limit."""
        now = time.time()
        index = math.floor(now / self.window_s)
        window = self._windows.get(client)
        if window is None or window.index != index:
            window = self._windows[client] = _Window(index)
        if not always and window.own + window.others + units > self.limit:
            return (index + 1) * self.window_s - now
        window.own += units
        return None

    async def sync(self) -> None:
        """Adds this worker's new units to the shared counts and learns the other workers' counts."""
        index = math.floor(time.time() / self.window_s)
        self._windows = {client: w for client, w in self._windows.items() if w.index >= index}
        deltas = [
            {"key": f"{client}:{w.index}", "delta": w.own - w.synced, "endsAt": (w.index + 1) * self.window_s}
            for client, w in self._windows.items()
        ]
        if not deltas:
            return
        sent = {client: w.own for client, w in self._windows.items()}
        totals = await self.graph.write(_sync, deltas, time.time())
        for client, window in self._windows.items():
            total = totals.get(f"{client}:{window.index}")
            if total is not None:
                window.synced = sent[client]
                window.others = total - window.synced


async def _sync(tx: AsyncManagedTransaction, deltas: list[dict[str, object]], now: float) -> dict[str, int]:
    await (await tx.run(FORGET_PAST_WINDOWS, now=now)).consume()
    result = await tx.run(SYNC_WINDOWS, deltas=deltas)
    return {r["key"]: r["count"] async for r in result}
