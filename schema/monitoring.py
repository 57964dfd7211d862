"""Relapse monitoring (防返贫): a household's episodes with their dated steps; opening one (from an alert or
not), recording its steps, closing it once the risk is cleared."""

from __future__ import annotations

import datetime
from enum import Enum

import strawberry

from graph import monitoring as g_monitoring
from graph.monitoring import EpisodeRecord, OpenRequest
from graph.monitoring_procedure import NOTICE_END, Step, missing_steps, today
from schema.alerts import Alert
from schema.context import Info
from schema.writes import write, writer


@strawberry.enum(description="Why a household is monitored.")
class MonitoringCategory(Enum):
    UNSTABLE_EXITED = "UNSTABLE_EXITED"
    NEAR_POOR = "NEAR_POOR"
    SUDDEN_HARDSHIP = "SUDDEN_HARDSHIP"


@strawberry.enum(description="How the risk was found.")
class FoundBy(Enum):
    SELF_REPORT = "SELF_REPORT"
    CADRE_VISIT = "CADRE_VISIT"
    DATA_ALERT = "DATA_ALERT"
    HOTLINE = "HOTLINE"


@strawberry.enum(description="The steps of the procedure, in order.")
class MonitoringStep(Enum):
    CONSENT = "CONSENT"
    VILLAGE_NOTICE = "VILLAGE_NOTICE"
    TOWNSHIP_REVIEW = "TOWNSHIP_REVIEW"
    COUNTY_DECISION = "COUNTY_DECISION"


@strawberry.type(description="The dated steps recorded so far (null: not yet).")
class MonitoringSteps:
    consent: datetime.date | None = strawberry.field(description="The household's consent.")
    notice_from: datetime.date | None = strawberry.field(description="The village notice, posted (5 days at least).")
    notice_to: datetime.date | None
    township_review: datetime.date | None
    county_decision: datetime.date | None = strawberry.field(description="Within 15 days of the opening.")


@strawberry.type(description="A relapse-monitoring case of one household, open until its risk is cleared.")
class MonitoringEpisode:
    id: strawberry.ID
    category: MonitoringCategory
    risk_types: list[str]
    found_by: FoundBy
    opened_date: datetime.date
    due_date: datetime.date = strawberry.field(description="The last day for the county's decision.")
    steps: MonitoringSteps
    missing_steps: list[MonitoringStep] = strawberry.field(description="The steps not recorded yet, in order.")
    cleared_date: datetime.date | None
    cleared_note: str | None
    alert_id: strawberry.Private[str | None]

    @strawberry.field(description="Whether the episode is still open (the household is then MONITORED).")
    def open(self) -> bool:
        return self.cleared_date is None

    @strawberry.field(description="The alert it was opened from, if any.")
    async def alert(self, info: Info) -> Alert | None:
        if self.alert_id is None:
            return None
        from graph.alerts import get_alert

        record = await info.context.graph.read(get_alert, self.alert_id)
        return Alert.from_record(record) if record else None

    @classmethod
    def from_record(cls, record: EpisodeRecord) -> MonitoringEpisode:
        steps = record.steps
        return cls(
            id=strawberry.ID(record.id),
            category=MonitoringCategory(record.category),
            risk_types=list(record.risk_types),
            found_by=FoundBy(record.found_by),
            opened_date=record.opened_date,
            due_date=record.due_date,
            steps=MonitoringSteps(
                consent=steps.get(Step.CONSENT.value),
                notice_from=steps.get(Step.VILLAGE_NOTICE.value),
                notice_to=steps.get(NOTICE_END),
                township_review=steps.get(Step.TOWNSHIP_REVIEW.value),
                county_decision=steps.get(Step.COUNTY_DECISION.value),
            ),
            missing_steps=[MonitoringStep(step.name) for step in missing_steps(dict(steps))],
            cleared_date=record.cleared_date,
            cleared_note=record.cleared_note,
            alert_id=record.alert_id,
        )


@strawberry.input(description="Opens an episode for a household, or for the household an alert is about.")
class OpenMonitoringEpisodeInput:
    household_id: strawberry.ID | None = None
    alert_id: strawberry.ID | None = strawberry.field(
        default=None, description="The alert that found the risk: it is acknowledged; foundBy defaults to DATA_ALERT."
    )
    category: MonitoringCategory
    risk_types: list[str] = strawberry.field(description="Such as 因病, 因灾, 因意外事故 (1 to 10).")
    found_by: FoundBy | None = None
    opened_date: datetime.date | None = strawberry.field(default=None, description="Default: today.")


@strawberry.input(description="Dates of steps to record (or correct); those left out stay as they are.")
class MonitoringStepsInput:
    consent: datetime.date | None = None
    notice_from: datetime.date | None = None
    notice_to: datetime.date | None = None
    township_review: datetime.date | None = None
    county_decision: datetime.date | None = None

    def given(self) -> dict[str, datetime.date]:
        dates = {
            Step.CONSENT.value: self.consent,
            Step.VILLAGE_NOTICE.value: self.notice_from,
            NOTICE_END: self.notice_to,
            Step.TOWNSHIP_REVIEW.value: self.township_review,
            Step.COUNTY_DECISION.value: self.county_decision,
        }
        return {name: day for name, day in dates.items() if day is not None}


async def household_episodes(info: Info, household_id: str) -> list[MonitoringEpisode]:
    return [MonitoringEpisode.from_record(r) for r in await info.context.loaders.alerts.episodes.load(household_id)]


@strawberry.type
class MonitoringMutations:
    @strawberry.mutation(
        description="Opens a monitoring episode: the household becomes MONITORED until its last episode closes. "
        "ADMIN anywhere, a cadre within the household's village or township."
    )
    async def open_monitoring_episode(self, info: Info, input: OpenMonitoringEpisodeInput) -> MonitoringEpisode:
        day = today()
        request = OpenRequest(
            household_id=str(input.household_id) if input.household_id else None,
            alert_id=str(input.alert_id) if input.alert_id else None,
            category=g_monitoring.Category(input.category.value),
            risk_types=input.risk_types,
            found_by=g_monitoring.FoundBy(input.found_by.value) if input.found_by else None,
            opened_date=input.opened_date or day,
        )
        record = await write(info, "input", g_monitoring.open_episode, request, writer(info), day)
        return MonitoringEpisode.from_record(record)

    @strawberry.mutation(
        description="Records dated steps of an open episode: consent, a village notice of 5 days at least, the "
        "township's review and the county's decision, in order and within 15 days of the opening."
    )
    async def record_monitoring_steps(
        self, info: Info, episode_id: strawberry.ID, steps: MonitoringStepsInput
    ) -> MonitoringEpisode:
        record = await write(info, "", g_monitoring.record_steps, str(episode_id), steps.given(), writer(info), today())
        return MonitoringEpisode.from_record(record)

    @strawberry.mutation(description="Closes an open episode on the day its risk was cleared.")
    async def close_monitoring_episode(
        self, info: Info, episode_id: strawberry.ID, cleared_date: datetime.date, note: str | None = None
    ) -> MonitoringEpisode:
        record = await write(
            info, "", g_monitoring.close_episode, str(episode_id), cleared_date, note, writer(info), today()
        )
        return MonitoringEpisode.from_record(record)
