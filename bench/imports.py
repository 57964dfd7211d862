"""Benchmark: registry import throughput (households per second) on the batched UNWIND path.

1. The whole registry of a seeded county (`--uri`, else TEST_NEO4J_URI) is exported to a CSV file, then
   imported into an EMPTY second Neo4j started here on its own data folder and port, with a capped heap
   (`--port`, `--heap-mb`): the first load of a county. The same file is imported again (nothing changes).
2. `--synthetic N` households (default 100,000; 0 skips it) are generated as a CSV file, three people
   each, spread over 100 villages of a made-up county, and imported into another empty Neo4j.

Each import runs the whole path `yimaqing import` runs: the check of every row against the database, then
the writes in batches of `--batch` households (history and derived data included). Prints figures.
Usage: python -m bench.imports [--uri URI] [--port 7812] [--heap-mb 1024] [--synthetic N] [--batch 500]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from api.registry_files import open_registry
from bench.common import neo4j
from graph.access import Viewer
from graph.constraints import migrate
from graph.driver import Graph, open_driver
from graph.export import registry_rows
from graph.households import HouseholdFilter
from graph.id_numbers import check_char
from graph.local_neo4j import LocalNeo4j
from graph.registry_form import headers
from graph.registry_import import BATCH_HOUSEHOLDS, ImportReport, import_registry

SYNTHETIC_COUNTY = "149901"  # a made-up county code of Shanxi: never the demo county's
SYNTHETIC_VILLAGES = 100
YEAR = 2018
MEMBERS = (("户主", True, "户主"), ("配偶", False, "配偶"), ("之子", True, "子"))


async def export_county(uri: str, path: Path) -> tuple[int, float]:
    """The whole registry of the county at `uri` as a CSV file; (data rows, seconds)."""
    driver = open_driver(uri)
    started = time.perf_counter()
    rows = -1
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            async for row in registry_rows(Graph(driver), HouseholdFilter()):
                writer.writerow(row)
                rows += 1
    finally:
        await driver.close()
    return rows, time.perf_counter() - started


def synthetic_rows(households: int) -> Iterator[list[str]]:
    """The header, then `households` households of three (head, spouse, son) with valid, distinct ID numbers."""
    header = headers([YEAR])
    yield header
    index = {column: i for i, column in enumerate(header)}
    born = datetime.date(1940, 1, 1)
    for n in range(households):
        v = n % SYNTHETIC_VILLAGES
        village = f"{SYNTHETIC_COUNTY}{100 + v % 7:03d}{200 + v:03d}"
        township = village[:9]
        for member, (relation, male, name) in enumerate(
            (("户主", True, "户主"), ("配偶", False, "配偶"), ("之子", True, "子"))
        ):
            person = n * 3 + member
            day = born + datetime.timedelta(days=person // 400)
            body = f"{SYNTHETIC_COUNTY}{day:%Y%m%d}{(person % 400) * 2 + int(male):03d}"[:17]
            cells = [""] * len(header)
            values = {
                "省": "山西省",
                "市": "测试市",
                "县": "测试县",
                "乡镇": f"测试{township[-3:]}乡",
                "行政村": f"测试{village[-3:]}村",
                "行政村代码": village,
                "姓名": f"测{n}{name}",
                "证件号码": body + check_char(body),
                "与户主关系": relation,
                "健康状况": "健康",
            }
            if member == 0:
                values.update(
                    {
                        "建档立卡户": "是",
                        "贫困状态": "已脱贫",
                        "识别年度": "2014",
                        "脱贫年度": "2018",
                        "主要致贫原因": "因病",
                        f"{YEAR}年工资性收入": f"{10000 + n % 5000}.00",
                        f"{YEAR}年生产经营性收入": "2500.50",
                        f"{YEAR}年财产性收入": "0.00",
                        f"{YEAR}年转移性收入": "1200.00",
                    }
                )
            for key, value in values.items():
                cells[index[key]] = value
            yield cells


def write_synthetic(path: Path, households: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        csv.writer(stream).writerows(synthetic_rows(households))


async def import_file(uri: str, path: Path, batch: int) -> tuple[ImportReport, float]:
    driver = open_driver(uri)
    try:
        await migrate(driver)
        started = time.perf_counter()
        report = await import_registry(
            Graph(driver),
            open_registry(path),
            file_name=path.name,
            viewer=Viewer.system("bench"),
            batch_households=batch,
        )
        return report, time.perf_counter() - started
    finally:
        await driver.close()


def line(label: str, report: ImportReport, seconds: float) -> str:
    assert report.ok, report.errors[:5]
    return (
        f"{label:<44} {report.households:>9,} households {report.rows:>10,} rows {seconds:8.1f} s"
        f" {report.households / seconds:9.0f} households/s  (created {report.created:,}, updated"
        f" {report.updated:,}, unchanged {report.unchanged:,})"
    )


async def into_empty(path: Path, port: int, heap_mb: int, batch: int, label: str, again: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="yimaqing-bench-import-") as folder:
        local = LocalNeo4j(data_dir=Path(folder), port=port, heap_mb=heap_mb, pagecache_mb=512)
        await local.start()
        try:
            report, seconds = await import_file(local.uri, path, batch)
            print(line(f"{label}, into an empty database", report, seconds), flush=True)
            if again:
                report, seconds = await import_file(local.uri, path, batch)
                print(line(f"{label}, the same file again", report, seconds), flush=True)
        finally:
            local.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uri", default=os.environ.get("TEST_NEO4J_URI"), help="a Neo4j holding the demo county")
    parser.add_argument("--port", type=int, default=7812, help="the port of the empty Neo4j started here")
    parser.add_argument("--heap-mb", type=int, default=1024, help="its heap")
    parser.add_argument("--synthetic", type=int, default=100_000, help="synthetic households (0: none)")
    parser.add_argument("--batch", type=int, default=BATCH_HOUSEHOLDS, help="households per write transaction")
    parser.add_argument("--skip-county", action="store_true", help="only the synthetic import")
    args = parser.parse_args()
    print(f"UNWIND path, batches of {args.batch} households, empty Neo4j with a {args.heap_mb} MB heap")
    with tempfile.TemporaryDirectory(prefix="yimaqing-bench-files-") as folder:
        if not args.skip_county:
            county = Path(folder) / "county.csv"
            with neo4j(args.uri) as uri:
                rows, seconds = asyncio.run(export_county(uri, county))
            print(f"{'export of the demo county':<44} {rows:>10,} rows {seconds:8.1f} s", flush=True)
            asyncio.run(into_empty(county, args.port, args.heap_mb, args.batch, "demo county", again=True))
        if args.synthetic:
            synthetic = Path(folder) / "synthetic.csv"
            write_synthetic(synthetic, args.synthetic)
            label = f"synthetic {args.synthetic:,}"
            asyncio.run(into_empty(synthetic, args.port, args.heap_mb, args.batch, label, again=False))


if __name__ == "__main__":
    main()
