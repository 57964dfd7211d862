"""The loaders of early warnings and relapse monitoring: a household's alerts (in one state, or all) and its
monitoring episodes, one query for every household a request level asks about."""

from __future__ import annotations

from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from graph import alerts as g_alerts
from graph import monitoring as g_monitoring
from graph.driver import CountingGraph

AlertsKey = tuple[str, str | None]


@dataclass
class AlertLoaders:
    by_household: DataLoader[AlertsKey, list[g_alerts.AlertRecord]]
    episodes: DataLoader[str, list[g_monitoring.EpisodeRecord]]

    @classmethod
    def create(cls, graph: CountingGraph) -> AlertLoaders:
        async def alerts(keys: list[AlertsKey]) -> list[list[g_alerts.AlertRecord]]:
            found = await graph.read(g_alerts.alerts_by_subject, list(keys))
            return [found.get(key, []) for key in keys]

        async def episodes(keys: list[str]) -> list[list[g_monitoring.EpisodeRecord]]:
            found = await graph.read(g_monitoring.episodes_by_household, list(keys))
            return [found.get(key, []) for key in keys]

        return cls(by_household=DataLoader(load_fn=alerts), episodes=DataLoader(load_fn=episodes))
