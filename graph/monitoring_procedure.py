"""The relapse-monitoring procedure (防返贫): the dated steps an episode goes through before the county decides,
and its time limits. The rules that check episodes (graph/alert_rules.py) and the writes that record them
(graph/monitoring.py) read it from here, so both agree on what "overdue" means."""

from __future__ import annotations

import datetime
from enum import Enum
from typing import Any

from graph.county_time import county_today


class Step(Enum):
    """In the order they happen; each value is the episode's Date property (and input field) of the step. The
    village notice runs from `noticeFrom` to `noticeTo`."""

    CONSENT = "consent"
    VILLAGE_NOTICE = "noticeFrom"
    TOWNSHIP_REVIEW = "townshipReview"
    COUNTY_DECISION = "countyDecision"


NOTICE_END = "noticeTo"
# A village notice lasts at least 5 days; from the episode's opening to the county's decision, 15 days at most.
NOTICE_MIN_DAYS = 5
PROCEDURE_MAX_DAYS = 15


def today() -> datetime.date:
    """The day deadlines are checked against: the county's date (Beijing time), not UTC's."""
    return county_today()


def due_date(opened: datetime.date) -> datetime.date:
    """The last day on which the county may decide on an episode opened that day."""
    return opened + datetime.timedelta(days=PROCEDURE_MAX_DAYS)


def missing_steps(episode: dict[str, Any]) -> list[Step]:
    """The steps an episode (its stored properties) has not recorded yet, in order."""
    return [step for step in Step if episode.get(step.value) is None]
