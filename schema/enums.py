"""The contract's enumerations. Their values are the strings graph/ stores."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum
class PlaceKind(Enum):
    TOWN = "TOWN"
    TOWNSHIP = "TOWNSHIP"


@strawberry.enum
class HouseholdStatus(Enum):
    NOT_POOR = "NOT_POOR"
    POOR = "POOR"
    EXITED = "EXITED"
    MONITORED = "MONITORED"


@strawberry.enum
class HouseholdOrder(Enum):
    ID = "ID"
    HEAD_NAME = "HEAD_NAME"
    INCOME_ASC = "INCOME_ASC"
    INCOME_DESC = "INCOME_DESC"
    SIZE_DESC = "SIZE_DESC"
    INCOME_GAIN_DESC = "INCOME_GAIN_DESC"


@strawberry.enum
class IndustryTier(Enum):
    LEADING = "LEADING"
    AUXILIARY = "AUXILIARY"


@strawberry.enum
class LinkMode(Enum):
    EQUITY = "EQUITY"
    CONTRACT = "CONTRACT"
    TRUSTEESHIP = "TRUSTEESHIP"
    WAGE_LABOUR = "WAGE_LABOUR"
    ORDER_PURCHASE = "ORDER_PURCHASE"


@strawberry.enum
class ProjectPurpose(Enum):
    EXIT = "EXIT"
    CONSOLIDATION = "CONSOLIDATION"
    EXTENSION = "EXTENSION"


@strawberry.enum
class ProjectStage(Enum):
    DECLARED = "DECLARED"
    REJECTED = "REJECTED"
    RESERVE = "RESERVE"
    IMPLEMENTED = "IMPLEMENTED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.enum
class ProjectOrder(Enum):
    PERFORMANCE_DESC = "PERFORMANCE_DESC"
    BENEFICIARIES_DESC = "BENEFICIARIES_DESC"
    CODE = "CODE"
    BUDGET_DESC = "BUDGET_DESC"
    YEAR_DESC = "YEAR_DESC"


@strawberry.enum
class VillageOrder(Enum):
    CODE = "CODE"
    NAME = "NAME"
    HOUSEHOLDS_DESC = "HOUSEHOLDS_DESC"
    POOR_HOUSEHOLDS_DESC = "POOR_HOUSEHOLDS_DESC"
    INCOME_GAIN_DESC = "INCOME_GAIN_DESC"


@strawberry.enum
class EnterpriseOrder(Enum):
    ID = "ID"
    NAME = "NAME"
    REACH_DESC = "REACH_DESC"
    INVESTMENT_DESC = "INVESTMENT_DESC"
