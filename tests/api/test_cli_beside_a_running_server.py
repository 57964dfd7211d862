"""Commands run in a second shell beside `make run` use the local Neo4j already running on DATA_DIR
(graph/local_neo4j.py writes `neo4j.running` while it runs) instead of starting another on the same store."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from neo4j import AsyncDriver

from graph.local_neo4j import RUNNING_FILE, LocalNeo4j

ROOT = Path(__file__).resolve().parents[2]


def test_a_running_local_neo4j_is_found_by_its_data_folder(tmp_path: Path) -> None:
    local = LocalNeo4j(data_dir=tmp_path, port=7999)
    assert local.running_uri() is None  # nothing ran here
    (tmp_path / RUNNING_FILE).write_text(f"{os.getpid()} bolt://127.0.0.1:7999\n", encoding="utf-8")
    assert local.running_uri() == "bolt://127.0.0.1:7999"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / RUNNING_FILE).write_text(f"{dead.stdout.strip()} bolt://127.0.0.1:7999\n", encoding="utf-8")
    assert local.running_uri() is None  # a crash left the file behind: start a new one
    (tmp_path / RUNNING_FILE).write_text("garbage\n", encoding="utf-8")
    assert local.running_uri() is None


async def test_a_command_uses_the_neo4j_running_on_its_data_folder(
    neo4j_uri: str, driver: AsyncDriver, demo_county: object, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # As `make run` leaves it: this process stands in for the running Neo4j's.
    (data_dir / RUNNING_FILE).write_text(f"{os.getpid()} {neo4j_uri}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_URI" and not k.startswith("JWT_")}
    env.update(DATA_DIR=str(data_dir), LOCAL_NEO4J_PORT="1", SEED_DEMO="false")  # port 1: starting would fail
    village = (await driver.execute_query("MATCH (v:Village) RETURN min(v.code) AS code")).records[0]["code"]
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "api.cli", "export", "villages", "--filter", "{}", "--output", str(tmp_path / "v.csv")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "v.csv").read_text(encoding="utf-8-sig"))))
    expected = (await driver.execute_query("MATCH (v:Village) RETURN count(v) AS n")).records[0]["n"]
    assert len(rows) == expected + 1
    assert any(village in row for row in rows)
    assert (data_dir / RUNNING_FILE).exists()  # left as it was: not ours to stop
