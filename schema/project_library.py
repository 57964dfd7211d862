"""The project library's steps (declare, screen, rank, reserve, implement, start, complete; withdraw from any
step before the last) and the funds allocated to a project."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry

from graph import project_library
from graph.monitoring_procedure import today
from graph.project_library import Progress, ProjectInput, Step
from graph.write_errors import Missing
from schema.context import Info
from schema.enums import ProjectPurpose
from schema.projects import Project, load_project
from schema.writes import refuse, write, writer

# The graph's Step, exposed as the GraphQL enum ProjectStep (annotations name Step itself).
ProjectStep = strawberry.enum(
    Step,
    name="ProjectStep",
    description="A step of the project library, in order; WITHDRAW (出库) from any step before the last.",
)


@strawberry.type(description="The date of each step a project took (null: not taken, or not recorded).")
class ProjectStepDates:
    declared: datetime.date | None
    screened: datetime.date | None
    ranked: datetime.date | None
    reserved: datetime.date | None
    implemented: datetime.date | None
    started: datetime.date | None
    completed: datetime.date | None
    withdrawn: datetime.date | None


@strawberry.type(description="A project and the step it stands at.")
class ProjectProgress:
    project: Project
    step: Step | None = strawberry.field(description="The last step taken; null for a project rejected.")
    dates: ProjectStepDates
    next_steps: list[Step] = strawberry.field(description="What may follow (empty once closed).")

    @classmethod
    async def load(cls, info: Info, progress: Progress) -> ProjectProgress:
        project = await load_project(info, progress.code)
        if project is None:
            raise refuse(Missing(f"project {progress.code} is gone"))
        on = progress.dates.get
        dates = ProjectStepDates(
            declared=on(Step.DECLARE),
            screened=on(Step.SCREEN),
            ranked=on(Step.RANK),
            reserved=on(Step.RESERVE),
            implemented=on(Step.IMPLEMENT),
            started=on(Step.START),
            completed=on(Step.COMPLETE),
            withdrawn=on(Step.WITHDRAW),
        )
        step = progress.step
        following = project_library.next_steps(progress)
        return cls(project=project, step=step, dates=dates, next_steps=following)


@strawberry.input(name="ProjectInput", description="A project declared for the library.")
class ProjectDeclaration:
    name: str
    year: int
    purpose: ProjectPurpose
    place_code: strawberry.ID = strawberry.field(
        description="The village or township it is located in and declared by."
    )
    budget: Decimal
    declared_date: datetime.date | None = strawberry.field(default=None, description="Default: today.")
    industry_code: strawberry.ID | None = None
    nature: str | None = strawberry.field(default=None, description="NEW or RENOVATION.")
    planned_beneficiaries: int | None = None
    responsible_unit: str | None = None
    deadline: datetime.date | None = None

    def to_graph(self) -> ProjectInput:
        return ProjectInput(
            name=self.name,
            year=self.year,
            purpose=self.purpose.value,
            place_code=str(self.place_code),
            budget=self.budget,
            declared_date=self.declared_date or today(),
            industry_code=str(self.industry_code) if self.industry_code is not None else None,
            nature=self.nature,
            planned_beneficiaries=self.planned_beneficiaries,
            responsible_unit=self.responsible_unit,
            deadline=self.deadline,
        )


@strawberry.type
class ProjectLibraryMutations:
    @strawberry.mutation(
        description="Declares a project in a village or township (ADMIN, or a cadre there): it is DECLARED, with "
        "the next code of its year (P2026-0001)."
    )
    async def declare_project(self, info: Info, input: ProjectDeclaration) -> ProjectProgress:
        progress = await write(info, "", project_library.declare_project, input.to_graph(), writer(info))
        return await ProjectProgress.load(info, progress)

    @strawberry.mutation(
        description="Takes a project to its next step on a date (not before the last step's, not after today): "
        "DECLARE → SCREEN → RANK → RESERVE (stage RESERVE) → IMPLEMENT (stage IMPLEMENTED) → START → COMPLETE; "
        "WITHDRAW (stage WITHDRAWN) from any step before COMPLETE. Any other move is a CONFLICT (field step) "
        "naming what may follow."
    )
    async def advance_project(
        self, info: Info, code: strawberry.ID, step: Step, date: datetime.date | None = None
    ) -> ProjectProgress:
        args = (str(code), step, date or today(), writer(info))
        progress = await write(info, "", project_library.advance_project, *args)
        return await ProjectProgress.load(info, progress)

    @strawberry.mutation(
        description="Allocates an amount from a year's fund pool of a source (中央财政专项扶贫资金, 省级…, 市级…, "
        "县级…, 统筹整合涉农资金, 社会帮扶资金, or its code CENTRAL, PROVINCE, CITY, COUNTY, INTEGRATED, SOCIAL) to a "
        "project in reserve or being implemented; allocating again from the same pool adds to it. The "
        "allocations cannot exceed the project's budget."
    )
    async def allocate_funds(
        self, info: Info, project_code: strawberry.ID, source: str, amount: Decimal, year: int
    ) -> Project:
        args = (str(project_code), source, amount, year, writer(info))
        await write(info, "", project_library.allocate_funds, *args)
        project = await load_project(info, str(project_code))
        if project is None:
            raise refuse(Missing(f"project {project_code} is gone"))
        return project
