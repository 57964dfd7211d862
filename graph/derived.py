"""What is derived from households and kept up to date on write: each write calls `refresh_after_write` in
its own transaction, so what is derived can never disagree with what the households say."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from neo4j import AsyncManagedTransaction

from graph.aggregates import refresh_village_stats
from graph.alerts import refresh_alerts

Refresher = Callable[[AsyncManagedTransaction, Sequence[str]], Awaitable[None]]

# Each derived structure (alerts, village aggregates, ...) adds its refresher here; they run in order.
REFRESHERS: list[Refresher] = [refresh_village_stats, refresh_alerts]


async def refresh_after_write(tx: AsyncManagedTransaction, household_ids: Sequence[str]) -> None:
    """Brings everything derived from these households up to date, inside the write's transaction."""
    for refresh in REFRESHERS:
        await refresh(tx, household_ids)
