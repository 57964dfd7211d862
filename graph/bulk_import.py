"""A first load of a county into an EMPTY local Neo4j with Neo4j's offline importer
(`neo4j-admin database import full`, org.neo4j.cli.AdminTool from the launcher's jars).

The registration form is read and checked as `yimaqing import` checks it (graph/registry_form.py; every
household, one county, places named), then written as node and relationship CSV files of the graph
model (docs/graph-model.md): places, households, people, incomes, their QR codes and the villages'
numbering Sequence. Nothing is written when any row fails. The importer builds the store while the
database is stopped; the database is then started, the constraints created, the derived stats rebuilt
and the alert rules evaluated. Unlike the UNWIND import, no Change is recorded in the households'
history: a first load has no "before"."""

from __future__ import annotations

import asyncio
import csv
import pickle
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from neo4j import AsyncDriver
from neo4j.exceptions import Neo4jError

from graph.aggregates import rebuild_aggregates
from graph.alerts import evaluate_county
from graph.constraints import migrate
from graph.driver import open_driver
from graph.local_neo4j import LocalNeo4j, _java, build_launcher
from graph.qr_tokens import new_token
from graph.registry_form import HOUSEHOLD_ID, INCOME_PARTS, FormError, HouseholdRows, RowError, read_households

Cells = list[str | None]
RowSource = Callable[[], tuple[Cells, Any]]
ADMIN_CLASS = "org.neo4j.cli.AdminTool"

# The importer's typed columns (names as the graph stores them). A blank cell is no property.
HOUSEHOLD_COLUMNS = (
    ("id", "id:ID(Household)"),
    ("headName", "headName"),
    ("registeredPoor", "registeredPoor:boolean"),
    ("status", "status"),
    ("attribute", "attribute"),
    ("identifiedYear", "identifiedYear:long"),
    ("plannedExitYear", "plannedExitYear:long"),
    ("exitYear", "exitYear:long"),
    ("relapseYear", "relapseYear:long"),
    ("relapseReason", "relapseReason"),
    ("primaryCause", "primaryCause"),
    ("otherCauses", "otherCauses:string[]"),
    ("housingArea", "housingArea:long"),
    ("housingStructure", "housingStructure"),
    ("housingYearBuilt", "housingYearBuilt:long"),
    ("housingGrade", "housingGrade"),
    ("relocated", "relocated:boolean"),
    ("waterSource", "waterSource"),
    ("waterQualityOk", "waterQualityOk:boolean"),
    ("phone", "phone"),
    ("bankAccount", "bankAccount"),
    ("developmentPlan", "developmentPlan"),
    # The importer stores no empty list: these households get `otherCauses: []` after the start.
    ("bulkEmptyCauses", "bulkEmptyCauses:boolean"),
)
PERSON_COLUMNS = (
    ("idNumber", "idNumber:ID(Person)"),
    ("name", "name"),
    ("sex", "sex"),
    ("ethnicity", "ethnicity"),
    ("birthDate", "birthDate:date"),
    ("health", "health"),
    ("chronicDisease", "chronicDisease"),
    ("disabilityCertificate", "disabilityCertificate"),
    ("education", "education"),
    ("schoolStatus", "schoolStatus"),
    ("dropoutReason", "dropoutReason"),
    ("laborAbility", "laborAbility"),
    ("migrantWorkMonths", "migrantWorkMonths:long"),
    ("migrantWorkPlace", "migrantWorkPlace"),
    ("medicalInsured", "medicalInsured:boolean"),
    ("criticalIllnessInsured", "criticalIllnessInsured:boolean"),
    ("minimumAllowance", "minimumAllowance:boolean"),
    ("pension", "pension:boolean"),
)
INCOME_COLUMNS = (
    ("id", "id:ID(Income)"),
    ("year", "year:long"),
    *((key, f"{key}:long") for key, _ in INCOME_PARTS),
    ("netPerCapitaFen", "netPerCapitaFen:long"),
)

# label or type -> file name -> header
NODE_FILES = {
    "County": ("counties.csv", ["code:ID(County)", "name", "province", "city"]),
    "Township": ("townships.csv", ["code:ID(Township)", "name", "kind"]),
    "Village": ("villages.csv", ["code:ID(Village)", "name"]),
    "Household": ("households.csv", [h for _, h in HOUSEHOLD_COLUMNS]),
    "Person": ("persons.csv", [h for _, h in PERSON_COLUMNS]),
    "Income": ("incomes.csv", [h for _, h in INCOME_COLUMNS]),
    "QrCode": ("qrcodes.csv", ["token:ID(QrCode)", "createdAt:datetime"]),
    "Sequence": ("sequences.csv", ["name:ID(Sequence)", "last:long"]),
}
RELATIONSHIP_FILES = {
    "township_in": ("IN", [":START_ID(Township)", ":END_ID(County)"]),
    "village_in": ("IN", [":START_ID(Village)", ":END_ID(Township)"]),
    "household_in": ("IN", [":START_ID(Household)", ":END_ID(Village)"]),
    "member_of": ("MEMBER_OF", [":START_ID(Person)", ":END_ID(Household)", "relation"]),
    "earned": ("EARNED", [":START_ID(Household)", ":END_ID(Income)"]),
    "identifies_county": ("IDENTIFIES", [":START_ID(QrCode)", ":END_ID(County)"]),
    "identifies_township": ("IDENTIFIES", [":START_ID(QrCode)", ":END_ID(Township)"]),
    "identifies_village": ("IDENTIFIES", [":START_ID(QrCode)", ":END_ID(Village)"]),
    "identifies_household": ("IDENTIFIES", [":START_ID(QrCode)", ":END_ID(Household)"]),
}

EMPTY_CAUSES = """
MATCH (h:Household) WHERE h.bulkEmptyCauses IS NOT NULL
CALL (h) { SET h.otherCauses = [] REMOVE h.bulkEmptyCauses } IN TRANSACTIONS OF 10000 ROWS"""
# What an empty database may hold: the schema version, the derived-state marker, and the poverty lines
# (kept across the import).
NOT_EMPTY = "MATCH (n) WHERE NOT (n:Migration OR n:DerivedState OR n:PovertyLine) RETURN count(n) > 0 AS any"
POVERTY_LINES = "MATCH (l:PovertyLine) RETURN properties(l) AS line"
RESTORE_LINES = "UNWIND $lines AS line CREATE (l:PovertyLine) SET l = line"


class BulkImportError(Exception):
    """The bulk import cannot run here (not the local Neo4j, a non-empty store, the importer failed)."""


@dataclass
class BulkReport:
    file: str
    households: int = 0
    rows: int = 0
    members: int = 0
    incomes: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # loaded, but a step after the load did not finish
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "ok": self.ok,
            "households": self.households,
            "rows": self.rows,
            "members": self.members,
            "incomes": self.incomes,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": self.warnings,
            "timings": {k: round(v, 2) for k, v in self.timings.items()},
        }


class _Writers:
    """One CSV writer per node label and relationship file, under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.streams: list[IO[str]] = []
        self.nodes: dict[str, Any] = {}
        self.relationships: dict[str, Any] = {}
        self.multiline = False
        for label, (name, header) in NODE_FILES.items():
            self.nodes[label] = self._open(name, header)
        for name, (_, header) in RELATIONSHIP_FILES.items():
            self.relationships[name] = self._open(f"{name}.csv", header)

    def _open(self, name: str, header: list[str]) -> Any:
        stream = (self.folder / name).open("w", encoding="utf-8", newline="")
        self.streams.append(stream)
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        return writer

    def node(self, label: str, values: list[Any]) -> None:
        self.nodes[label].writerow([self._cell(v) for v in values])

    def relationship(self, name: str, values: list[Any]) -> None:
        self.relationships[name].writerow([self._cell(v) for v in values])

    def _cell(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list):
            return ";".join(value)
        text = str(value)
        if "\n" in text or "\r" in text:
            self.multiline = True
        return text

    def arguments(self) -> list[str]:
        args = [f"--nodes={label}={self.folder / name}" for label, (name, _) in NODE_FILES.items()]
        args += [f"--relationships={kind}={self.folder / name}.csv" for name, (kind, _) in RELATIONSHIP_FILES.items()]
        return args

    def close(self) -> None:
        for stream in self.streams:
            stream.close()


def write_csv_files(source: RowSource, folder: Path, report: BulkReport) -> _Writers | None:
    """Checks the whole form and writes the importer's CSV files; None (and the errors in the report) when
    any row fails. Households without a number get the next ones of their village after the highest the
    file gives, as the UNWIND import numbers them."""
    header, rows = source()
    writers = _Writers(folder)
    now = datetime.now(UTC).isoformat()
    numbering: dict[str, int] = {}
    county: tuple[str, int] | None = None
    places: set[str] = set()
    try:
        with tempfile.TemporaryFile(prefix="yimaqing-bulk-") as unnumbered:
            held = 0
            for household in read_households(header, rows):
                report.households += 1
                report.rows += len(household.rows)
                if not household.errors and household.place is not None:
                    county = county or (household.place.county_code, household.rows[0])
                    if household.place.county_code != county[0]:
                        message = f"county {household.place.county_code} is not the county of row {county[1]}"
                        household.errors.append(
                            RowError(household.rows[0], "行政村代码", message + ": import one county")
                        )
                if household.errors:
                    report.errors.extend(household.errors)
                    continue
                if report.errors:
                    continue  # nothing will be written: only the checks go on
                hid = household.household_id
                if hid is None:
                    pickle.dump(household, unnumbered, pickle.HIGHEST_PROTOCOL)
                    held += 1
                    continue
                match = HOUSEHOLD_ID.fullmatch(hid)
                assert match is not None  # read_households checked it
                numbering[match.group(1)] = max(numbering.get(match.group(1), 0), int(hid[-5:]))
                _write_household(writers, household, hid, now, places, report)
            if report.errors:
                return None
            unnumbered.seek(0)
            for _ in range(held):
                household = pickle.load(unnumbered)
                assert household.place is not None
                code = household.place.village_code
                numbering[code] = numbering.get(code, 0) + 1
                _write_household(writers, household, f"H{code}{numbering[code]:05d}", now, places, report)
        for code, last in sorted(numbering.items()):
            writers.node("Sequence", [f"household:{code}", last])
    finally:
        writers.close()
    report.errors.sort(key=lambda e: e.row)
    return writers


def _write_household(
    writers: _Writers, household: HouseholdRows, hid: str, now: str, places: set[str], report: BulkReport
) -> None:
    place = household.place
    assert place is not None
    # Places the first time the file names them (the form checked that each is named consistently).
    if place.county_code not in places:
        places.add(place.county_code)
        token = new_token()
        writers.node("County", [place.county_code, place.county, place.province, place.city])
        writers.node("QrCode", [token, now])
        writers.relationship("identifies_county", [token, place.county_code])
    if place.township_code not in places:
        places.add(place.township_code)
        token = new_token()
        kind = "TOWN" if (place.township or "").endswith("镇") else "TOWNSHIP"
        writers.node("Township", [place.township_code, place.township, kind])
        writers.node("QrCode", [token, now])
        writers.relationship("identifies_township", [token, place.township_code])
        writers.relationship("township_in", [place.township_code, place.county_code])
    if place.village_code not in places:
        places.add(place.village_code)
        token = new_token()
        writers.node("Village", [place.village_code, place.village])
        writers.node("QrCode", [token, now])
        writers.relationship("identifies_village", [token, place.village_code])
        writers.relationship("village_in", [place.village_code, place.township_code])
    props = dict(household.props)
    # As the UNWIND import stores a new household: not registered and not poor unless the file says so.
    for key, default in (("registeredPoor", False), ("status", "NOT_POOR")):
        if props.get(key) is None:
            props[key] = default
    props["id"] = hid
    props["bulkEmptyCauses"] = True if props.get("otherCauses") == [] else None
    writers.node("Household", [props.get(key) for key, _ in HOUSEHOLD_COLUMNS])
    writers.relationship("household_in", [hid, place.village_code])
    token = new_token()
    writers.node("QrCode", [token, now])
    writers.relationship("identifies_household", [token, hid])
    for member in household.members:
        writers.node("Person", [member.props.get(key) for key, _ in PERSON_COLUMNS])
        writers.relationship("member_of", [member.id_number, hid, member.relation])
    size = len(household.members)
    for year, parts in sorted(household.incomes.items()):
        income = {"id": f"{hid}-{year}", "year": year, **parts, "netPerCapitaFen": sum(parts.values()) // size}
        writers.node("Income", [income.get(key) for key, _ in INCOME_COLUMNS])
        writers.relationship("earned", [hid, income["id"]])
    report.members += size
    report.incomes += len(household.incomes)


def _store(local: LocalNeo4j) -> Path:
    return local.data_dir / "neo4j" / "data" / "databases" / "neo4j"


async def _lines_of_empty_store(local: LocalNeo4j) -> list[dict[str, Any]]:
    """Starts the existing store once to see that it is empty; returns its poverty lines."""
    await local.start()
    driver = open_driver(local.uri)
    try:
        records, _, _ = await driver.execute_query(NOT_EMPTY)
        if records[0]["any"]:
            raise BulkImportError(
                f"the local Neo4j under {local.data_dir} is not empty: a bulk import loads an empty database only "
                "(use `yimaqing import` to add to it, or a new DATA_DIR)"
            )
        records, _, _ = await driver.execute_query(POVERTY_LINES)
        return [r["line"] for r in records]
    finally:
        await driver.close()
        await asyncio.to_thread(local.stop)


def run_importer(local: LocalNeo4j, writers: _Writers, heap_mb: int) -> str:
    """Runs `neo4j-admin database import full` into the local store; returns its output."""
    target = build_launcher()
    home = local.data_dir / "neo4j"
    (home / "conf").mkdir(parents=True, exist_ok=True)
    classpath = f"{target / 'classes'}:{target / 'lib' / '*'}"
    command = [
        _java(),
        f"-Xmx{heap_mb}m",
        "-cp",
        classpath,
        ADMIN_CLASS,
        "database",
        "import",
        "full",
        "neo4j",  # before the file lists, which take every argument after them
        "--overwrite-destination=true",
        "--ignore-empty-strings=true",
        f"--multiline-fields={'true' if writers.multiline else 'false'}",
        f"--report-file={writers.folder / 'import.report'}",
        "--max-off-heap-memory=50%",
        *writers.arguments(),
    ]
    env = {"NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise BulkImportError(f"neo4j-admin database import failed (exit {result.returncode}):\n{output[-3000:]}")
    return output


async def bulk_import(
    local: LocalNeo4j,
    source: RowSource,
    *,
    file_name: str,
    database: str = "neo4j",
    importer_heap_mb: int = 1024,
    work_dir: Path | None = None,
    log: Callable[[str], object] = lambda _: None,
) -> BulkReport:
    """Checks the form, writes the CSV files, imports them into the (stopped, empty) local Neo4j, then
    starts it to migrate, fix empty cause lists, rebuild the stats and evaluate the alerts, and stops it."""
    if local.running_uri() is not None:
        raise BulkImportError(f"the local Neo4j under {local.data_dir} is running: stop it first")
    report = BulkReport(file=file_name)
    started = time.perf_counter()
    lines: list[dict[str, Any]] = []
    if _store(local).exists():
        log("checking that the existing store is empty")
        lines = await _lines_of_empty_store(local)
    report.timings["check store"] = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp(prefix="yimaqing-bulk-", dir=work_dir))
    try:
        phase = time.perf_counter()
        log("checking the form and writing the importer's CSV files")
        try:
            writers = await asyncio.to_thread(write_csv_files, source, folder, report)
        except FormError as error:
            report.errors = error.errors
            return report
        report.timings["check and write CSV"] = time.perf_counter() - phase
        if writers is None:
            return report
        phase = time.perf_counter()
        log("running neo4j-admin database import full")
        await asyncio.to_thread(run_importer, local, writers, importer_heap_mb)
        report.timings["neo4j-admin import"] = time.perf_counter() - phase
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    phase = time.perf_counter()
    log("starting the database: constraints, derived stats, alerts")
    await local.start()
    report.timings["start"] = time.perf_counter() - phase
    driver = open_driver(local.uri)
    try:
        await _finish(driver, database, lines, report)
    finally:
        await driver.close()
        await asyncio.to_thread(local.stop)
    report.timings["total"] = time.perf_counter() - started
    return report


async def _finish(driver: AsyncDriver, database: str, lines: list[dict[str, Any]], report: BulkReport) -> None:
    phase = time.perf_counter()
    await migrate(driver, database)
    report.timings["constraints"] = time.perf_counter() - phase
    phase = time.perf_counter()
    if lines:
        await driver.execute_query(RESTORE_LINES, lines=lines, database_=database)
    async with driver.session(database=database) as session:
        await (await session.run(EMPTY_CAUSES)).consume()
    report.timings["empty cause lists"] = time.perf_counter() - phase
    phase = time.perf_counter()
    await rebuild_aggregates(driver, database)
    report.timings["aggregates"] = time.perf_counter() - phase
    phase = time.perf_counter()
    try:
        await evaluate_county(driver, database)
    except Neo4jError as error:
        # The rules reconcile the whole county in one transaction, which can outgrow the database's
        # transaction memory on a very large first load: the county is loaded all the same.
        report.warnings.append(
            f"the alert rules were not evaluated ({error.code}): run `yimaqing alerts evaluate` with a larger "
            "LOCAL_NEO4J_HEAP_MB"
        )
    report.timings["alerts"] = time.perf_counter() - phase


def households_per_second(report: BulkReport) -> float:
    total = report.timings.get("total", 0.0)
    return report.households / total if total else 0.0
